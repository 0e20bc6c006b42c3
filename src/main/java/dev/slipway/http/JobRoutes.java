package dev.slipway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.security.Action;
import dev.slipway.security.Actor;
import dev.slipway.store.AuditStore;
import dev.slipway.store.JobStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The org's jobs: list them (by handler and state) with their counts, read one, enqueue jobs for a
 * live handler, retry a finished job, cancel a queued one.
 */
public final class JobRoutes implements Routes {
  private static final Pattern HANDLER = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
  private static final Pattern DURATION = Pattern.compile("^[0-9]{1,9}(ms|s|m|h)$");
  private static final int MAX_BATCH = 1_000;

  private final JobStore jobs;
  private final LiveRouting live;
  private final AuditStore audit;

  public JobRoutes(JobStore jobs, LiveRouting live, AuditStore audit) {
    this.jobs = jobs;
    this.live = live;
    this.audit = audit;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/api/jobs", this::list, Action.READ);
    routes.addHttpHandler(HandlerType.POST, "/api/jobs", this::enqueue, Action.RUN_JOBS);
    routes.addHttpHandler(HandlerType.GET, "/api/jobs/{id}", this::find, Action.READ);
    routes.addHttpHandler(HandlerType.POST, "/api/jobs/{id}/retry", this::retry, Action.RUN_JOBS);
    routes.addHttpHandler(HandlerType.POST, "/api/jobs/{id}/cancel", this::cancel, Action.RUN_JOBS);
  }

  record Listing(Map<String, Long> counts, List<JobStore.Job> jobs, Long next) {}

  /** {@code ?handler=&status=&before=&limit=}: newest first; {@code next} pages on. */
  private void list(Context ctx) throws SQLException {
    long org = Api.actor(ctx).orgId();
    Optional<String> handler = Optional.ofNullable(Api.queryText(ctx, "handler"));
    var query = PageQuery.read(ctx, "a job id");
    var page = jobs.list(org, handler, query.status(), query.before(), query.limit());
    Long next = page.size() == query.limit() ? page.getLast().id() : null;
    Api.json(ctx, 200, new Listing(jobs.counts(org, handler), page, next));
  }

  /** A page of a list of jobs: {@code ?status=&before=&limit=}, newest first. */
  record PageQuery(Optional<String> status, long before, int limit) {
    /** The query, or a 400 naming each part that is not valid; {@code id} says what an id is. */
    static PageQuery read(Context ctx, String id) {
      var violations = new ArrayList<Violation>();
      Optional<String> status = Optional.ofNullable(Api.queryText(ctx, "status"));
      status
          .filter(s -> !JobStore.STATES.contains(s))
          .ifPresent(
              s ->
                  violations.add(
                      new Violation(
                          "/query/status", "one of " + String.join(", ", JobStore.STATES))));
      long before =
          Api.query(ctx, "before", Long::parseLong, id, violations).orElse(Long.MAX_VALUE);
      int limit = Api.query(ctx, "limit", Integer::parseInt, "1 to 500", violations).orElse(50);
      if (limit < 1 || limit > 500) violations.add(new Violation("/query/limit", "1 to 500"));
      if (!violations.isEmpty())
        throw ProblemException.badRequest("invalid_query", "The query is not valid.", violations);
      return new PageQuery(status, before, limit);
    }
  }

  private void find(Context ctx) throws SQLException {
    long id = Api.id(ctx, "id", "job_not_found", "job");
    Api.json(ctx, 200, jobs.find(Api.actor(ctx).orgId(), id).orElseThrow(() -> notFound(id)));
  }

  record EnqueuedAll(List<JobStore.Enqueued> jobs) {}

  /**
   * {@code {handler, payload, delay?, idempotencyKey?, attempts?}}, or {@code {jobs: [...]}} of
   * those (at most 1,000): 201 with the ids ({@code added: false} where an idempotency key was used
   * before). The handler must be live.
   */
  private void enqueue(Context ctx) throws SQLException {
    Actor actor = Api.actor(ctx);
    JsonNode body = Api.jsonBody(ctx);
    boolean batch = body.has("jobs");
    List<JsonNode> items = new ArrayList<>();
    var violations = new ArrayList<Violation>();
    if (batch) {
      if (!body.get("jobs").isArray() || body.get("jobs").isEmpty())
        violations.add(new Violation("/jobs", "a non-empty array of jobs"));
      else if (body.get("jobs").size() > MAX_BATCH)
        violations.add(new Violation("/jobs", "at most " + MAX_BATCH + " jobs at once"));
      else body.get("jobs").forEach(items::add);
    } else {
      items.add(body);
    }
    var requests = new ArrayList<Request>();
    for (int i = 0; i < items.size(); i++)
      requests.add(read(actor.orgId(), items.get(i), batch ? "/jobs/" + i : "", violations));
    if (!violations.isEmpty())
      throw ProblemException.badRequest("invalid_job", "The job is not valid.", violations);
    var added = new ArrayList<JobStore.Enqueued>();
    for (Request r : requests) {
      added.add(
          jobs.enqueue(actor.orgId(), r.handler(), r.payload(), r.delay(), r.key(), r.attempts()));
    }
    Api.json(ctx, 201, batch ? new EnqueuedAll(added) : added.getFirst());
  }

  private record Request(
      String handler,
      JsonNode payload,
      Duration delay,
      Optional<String> key,
      Optional<Integer> attempts) {}

  private Request read(long org, JsonNode item, String at, List<Violation> violations) {
    String handler = item.path("handler").asText("");
    if (!HANDLER.matcher(handler).matches()) {
      violations.add(new Violation(at + "/handler", "the name of a job handler"));
    } else if (live.current().handler(org, handler).isEmpty()) {
      violations.add(
          new Violation(at + "/handler", "no job handler '" + handler + "' is live: deploy one"));
    }
    Duration delay = Duration.ZERO;
    if (item.has("delay")) {
      String text = item.get("delay").asText("");
      if (!DURATION.matcher(text).matches())
        violations.add(new Violation(at + "/delay", "a duration such as 500ms, 10s, 5m or 1h"));
      else delay = dev.slipway.spec.SpecCodec.duration(item.get("delay"), Duration.ZERO);
      if (delay.compareTo(Duration.ofDays(365)) > 0)
        violations.add(new Violation(at + "/delay", "at most a year"));
    }
    Optional<String> key = Optional.empty();
    if (item.has("idempotencyKey")) {
      JsonNode k = item.get("idempotencyKey");
      if (!k.isTextual() || k.asText().isEmpty() || k.asText().length() > 200)
        violations.add(new Violation(at + "/idempotencyKey", "a string of 1 to 200 characters"));
      else key = Optional.of(k.asText());
    }
    Optional<Integer> attempts = Optional.empty();
    if (item.has("attempts")) {
      JsonNode a = item.get("attempts");
      if (!a.canConvertToInt() || !a.isIntegralNumber() || a.asInt() < 1 || a.asInt() > 100)
        violations.add(new Violation(at + "/attempts", "an integer from 1 to 100"));
      else attempts = Optional.of(a.asInt());
    }
    JsonNode payload = item.has("payload") ? item.get("payload") : NullNode.getInstance();
    if (payload.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 262_144)
      violations.add(new Violation(at + "/payload", "at most 262144 bytes of JSON"));
    return new Request(handler, payload, delay, key, attempts);
  }

  private void retry(Context ctx) throws SQLException {
    change(
        ctx,
        JobStore.Change.RETRY,
        "job.retry",
        "job_not_finished",
        "is queued or running: only a finished job is retried.");
  }

  private void cancel(Context ctx) throws SQLException {
    change(
        ctx,
        JobStore.Change.CANCEL,
        "job.cancel",
        "job_not_queued",
        "is not queued: only a queued job is cancelled.");
  }

  /** The change to the job the path names: the job after it, 404 or 409 with {@code why}. */
  private void change(
      Context ctx, JobStore.Change change, String action, String conflict, String why)
      throws SQLException {
    Actor actor = Api.actor(ctx);
    long id = Api.id(ctx, "id", "job_not_found", "job");
    if (!jobs.change(actor.orgId(), id, change, audit, actor.success(action, "job:" + id))) {
      jobs.find(actor.orgId(), id).orElseThrow(() -> notFound(id));
      throw ProblemException.conflict(conflict, "Job " + id + " " + why);
    }
    Api.json(ctx, 200, jobs.find(actor.orgId(), id).orElseThrow());
  }

  private static ProblemException notFound(long id) {
    return ProblemException.notFound("job_not_found", "No job " + id + ".");
  }
}
