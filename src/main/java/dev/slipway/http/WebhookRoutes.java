package dev.slipway.http;

import dev.slipway.problem.ProblemException;
import dev.slipway.security.Action;
import dev.slipway.security.Actor;
import dev.slipway.store.AuditStore;
import dev.slipway.store.JobStore;
import dev.slipway.store.WebhookStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.util.List;

/**
 * The org's outgoing webhooks: the deliveries (newest first), one with every attempt, and sending a
 * finished one again.
 */
public final class WebhookRoutes implements Routes {
  private final WebhookStore webhooks;
  private final JobStore jobs;
  private final AuditStore audit;

  public WebhookRoutes(WebhookStore webhooks, JobStore jobs, AuditStore audit) {
    this.webhooks = webhooks;
    this.jobs = jobs;
    this.audit = audit;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/api/webhooks/deliveries", this::list, Action.READ);
    routes.addHttpHandler(
        HandlerType.GET, "/api/webhooks/deliveries/{id}", this::find, Action.READ);
    routes.addHttpHandler(
        HandlerType.POST, "/api/webhooks/deliveries/{id}/resend", this::resend, Action.RUN_JOBS);
  }

  record Listing(List<WebhookStore.Delivery> deliveries, Long next) {}

  /** {@code ?status=&before=&limit=}: newest first; {@code next} pages on. */
  private void list(Context ctx) throws SQLException {
    var query = JobRoutes.PageQuery.read(ctx, "a delivery id");
    var page = webhooks.list(Api.actor(ctx).orgId(), query.status(), query.before(), query.limit());
    Api.json(
        ctx, 200, new Listing(page, page.size() == query.limit() ? page.getLast().id() : null));
  }

  private void find(Context ctx) throws SQLException {
    long id = Api.id(ctx, "id", "delivery_not_found", "delivery");
    Api.json(ctx, 200, webhooks.find(Api.actor(ctx).orgId(), id).orElseThrow(() -> notFound(id)));
  }

  private void resend(Context ctx) throws SQLException {
    Actor actor = Api.actor(ctx);
    long id = Api.id(ctx, "id", "delivery_not_found", "delivery");
    if (!jobs.change(
        actor.orgId(),
        id,
        JobStore.Change.RESEND,
        audit,
        actor.success("webhook.resend", "delivery:" + id))) {
      webhooks.find(actor.orgId(), id).orElseThrow(() -> notFound(id));
      throw ProblemException.conflict(
          "delivery_not_finished",
          "Delivery " + id + " is queued or running: only a finished one is sent again.");
    }
    Api.json(ctx, 200, webhooks.find(actor.orgId(), id).orElseThrow());
  }

  private static ProblemException notFound(long id) {
    return ProblemException.notFound("delivery_not_found", "No webhook delivery " + id + ".");
  }
}
