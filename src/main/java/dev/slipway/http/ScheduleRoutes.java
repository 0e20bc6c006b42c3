package dev.slipway.http;

import dev.slipway.problem.ProblemException;
import dev.slipway.security.Action;
import dev.slipway.security.Actor;
import dev.slipway.store.AuditStore;
import dev.slipway.store.JobStore;
import dev.slipway.store.ScheduleStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The org's live schedules: each with its next runs, one with its recent runs (its jobs), pause and
 * resume. A run now is a job: {@code POST /api/jobs {"handler": "<schedule>"}}.
 */
public final class ScheduleRoutes implements Routes {
  private static final int NEXT_RUNS = 5;
  private static final int RECENT_RUNS = 20;

  private final ScheduleStore schedules;
  private final JobStore jobs;
  private final AuditStore audit;

  public ScheduleRoutes(ScheduleStore schedules, JobStore jobs, AuditStore audit) {
    this.schedules = schedules;
    this.jobs = jobs;
    this.audit = audit;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/api/schedules", this::list, Action.READ);
    routes.addHttpHandler(HandlerType.GET, "/api/schedules/{name}", this::find, Action.READ);
    routes.addHttpHandler(
        HandlerType.POST, "/api/schedules/{name}/pause", ctx -> pause(ctx, true), Action.RUN_JOBS);
    routes.addHttpHandler(
        HandlerType.POST,
        "/api/schedules/{name}/resume",
        ctx -> pause(ctx, false),
        Action.RUN_JOBS);
  }

  record Listing(List<ScheduleStore.Schedule> schedules) {}

  private void list(Context ctx) throws SQLException {
    Api.json(ctx, 200, new Listing(schedules.list(Api.actor(ctx).orgId(), NEXT_RUNS)));
  }

  record Detail(ScheduleStore.Schedule schedule, List<JobStore.Job> recentRuns) {}

  private void find(Context ctx) throws SQLException {
    long org = Api.actor(ctx).orgId();
    String name = ctx.pathParam("name");
    var schedule = schedules.find(org, name, NEXT_RUNS).orElseThrow(() -> notFound(name));
    var runs = jobs.list(org, Optional.of(name), Optional.empty(), Long.MAX_VALUE, RECENT_RUNS);
    Api.json(ctx, 200, new Detail(schedule, runs));
  }

  private void pause(Context ctx, boolean paused) throws SQLException {
    Actor actor = Api.actor(ctx);
    String name = ctx.pathParam("name");
    String action = paused ? "schedule.pause" : "schedule.resume";
    if (!schedules.setPaused(
        actor.orgId(), name, paused, audit, actor.success(action, "schedule:" + name)))
      throw notFound(name);
    Api.json(ctx, 200, schedules.find(actor.orgId(), name, NEXT_RUNS).orElseThrow());
  }

  private static ProblemException notFound(String name) {
    return ProblemException.notFound(
        "schedule_not_found",
        "No live schedule '" + name + "': deploy a spec with trigger.schedule.");
  }
}
