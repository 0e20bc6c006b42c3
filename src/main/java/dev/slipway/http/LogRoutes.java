package dev.slipway.http;

import dev.slipway.common.Json;
import dev.slipway.ops.CallLog;
import dev.slipway.ops.CallQuery;
import dev.slipway.ops.CallRecord;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.security.Action;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The call log: search it ({@code GET /api/logs}), follow it live ({@code GET /api/logs/tail}),
 * read one call whole ({@code GET /api/logs/{requestId}}).
 */
public final class LogRoutes implements Routes {
  /** How often a quiet tail sends a comment, so that nothing between closes it as idle. */
  private static final long KEEP_ALIVE_SECONDS = 15;

  /** How many calls a tail holds for a slow client; more are counted and left out. */
  private static final int TAIL_BACKLOG = 1_000;

  private static final Pattern STATUS_CLASS = Pattern.compile("[1-5]xx");

  private final CallLog calls;

  public LogRoutes(CallLog calls) {
    this.calls = calls;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/api/logs", this::search, Action.READ);
    routes.addHttpHandler(HandlerType.GET, "/api/logs/tail", this::tail, Action.READ);
    routes.addHttpHandler(HandlerType.GET, "/api/logs/{requestId}", this::one, Action.READ);
  }

  /**
   * A call as the API shows it: times in milliseconds, and the {@code cursor} that continues a page
   * after it ({@code ?before=}).
   */
  record CallView(
      Instant at,
      String requestId,
      String method,
      String path,
      String endpoint,
      int version,
      long releaseId,
      int status,
      double durationMs,
      long durationMicros,
      String error,
      String errorCode,
      String caller,
      String client,
      long requestBytes,
      long responseBytes,
      double scriptCpuMs,
      double databaseMs,
      long egressBytes,
      List<StepView> steps,
      BodiesView bodies,
      String cursor) {
    static CallView of(CallRecord call, boolean withBodies) {
      return new CallView(
          call.at(),
          call.requestId(),
          call.method(),
          call.path(),
          call.endpoint(),
          call.version(),
          call.releaseId(),
          call.status(),
          call.durationMicros() / 1000.0,
          call.durationMicros(),
          call.error(),
          call.errorCode(),
          call.caller(),
          call.client(),
          call.requestBytes(),
          call.responseBytes(),
          call.cost().scriptCpuMicros() / 1000.0,
          call.cost().databaseMicros() / 1000.0,
          call.cost().egressBytes(),
          call.steps().stream().map(s -> new StepView(s.step(), s.micros() / 1000.0)).toList(),
          call.bodies() == null || !withBodies
              ? null
              : new BodiesView(
                  call.bodies().query(),
                  call.bodies().contentType(),
                  call.bodies().request(),
                  call.bodies().response(),
                  call.bodies().truncated()),
          CallQuery.positionOf(call).cursor());
    }
  }

  record StepView(String step, double ms) {}

  record BodiesView(
      String query, String contentType, String request, String response, boolean truncated) {}

  /**
   * {@code ?endpoint=&version=&status=4xx&code=&caller=&from=&to=&requestId=&q=&before=&limit=},
   * newest first; when the page is full, {@code Link: <...>; rel="next"} continues it.
   */
  private void search(Context ctx) throws Exception {
    CallQuery query = query(ctx);
    int limit =
        Math.clamp(ctx.queryParamAsClass("limit", Integer.class).getOrDefault(100), 1, 1000);
    var found = calls.search(Api.actor(ctx).orgId(), query, limit);
    // bodies only in one call's view
    var views = found.stream().map(call -> CallView.of(call, false)).toList();
    if (views.size() == limit) {
      String next = views.getLast().cursor();
      var link = new StringBuilder("/api/logs?");
      ctx.queryParamMap()
          .forEach(
              (name, values) -> {
                if (!name.equals("before"))
                  for (String value : values)
                    link.append(encode(name)).append('=').append(encode(value)).append('&');
              });
      link.append("before=").append(encode(next));
      ctx.header("Link", "<" + link + ">; rel=\"next\"");
    }
    Api.json(ctx, 200, views);
  }

  private static String encode(String value) {
    return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Reads the query's parts; every one that is not what it should be is named. */
  static CallQuery query(Context ctx) {
    var violations = new ArrayList<Violation>();
    var version =
        Api.query(ctx, "version", Integer::valueOf, "must be a version number", violations);
    var status =
        Api.query(
            ctx,
            "status",
            text -> {
              if (!STATUS_CLASS.matcher(text).matches()) throw new IllegalArgumentException(text);
              return text.charAt(0) - '0';
            },
            "must be a status class: 2xx, 3xx, 4xx or 5xx",
            violations);
    var from = Api.query(ctx, "from", Instant::parse, "must be an ISO-8601 instant", violations);
    var to = Api.query(ctx, "to", Instant::parse, "must be an ISO-8601 instant", violations);
    var before =
        Api.query(
            ctx,
            "before",
            text -> {
              var position = CallQuery.Position.of(text);
              if (position == null) throw new IllegalArgumentException(text);
              return position;
            },
            "must be a call's cursor",
            violations);
    if (!violations.isEmpty())
      throw ProblemException.unprocessable(
          "invalid_query", "The call log query is not valid.", violations);
    return new CallQuery(
        Api.queryText(ctx, "endpoint"),
        version.orElse(null),
        status.orElse(null),
        Api.queryText(ctx, "code"),
        Api.queryText(ctx, "caller"),
        from.orElse(null),
        to.orElse(null),
        Api.queryText(ctx, "requestId"),
        Api.queryText(ctx, "q"),
        before.orElse(null));
  }

  /** One call, bodies included where the endpoint keeps them. */
  private void one(Context ctx) throws Exception {
    long org = Api.actor(ctx).orgId();
    String requestId = ctx.pathParam("requestId");
    var call = kept(calls, org, requestId);
    Api.json(ctx, 200, CallView.of(call, true));
  }

  /** The org's newest call with this request id; 404 {@code call_not_found} when none is kept. */
  static CallRecord kept(CallLog calls, long org, String requestId) throws Exception {
    return calls
        .find(org, requestId)
        .orElseThrow(
            () ->
                ProblemException.notFound(
                    "call_not_found", "No kept call has request id '" + requestId + "'."));
  }

  /**
   * The org's calls as they are answered, as server-sent {@code call} events, with the same filters
   * as the search (a comment every 15 s keeps the stream open; a slow client's overflow is a {@code
   * dropped} event). This instance's calls only.
   */
  private void tail(Context ctx) throws Exception {
    long org = Api.actor(ctx).orgId();
    CallQuery query = query(ctx);
    var queue = new ArrayBlockingQueue<CallRecord>(TAIL_BACKLOG);
    var dropped = new java.util.concurrent.atomic.AtomicLong();
    var events = EventStream.open(ctx);
    try (var listening =
        calls.listen(
            call -> {
              if (call.orgId() == org && query.matches(call) && !queue.offer(call))
                dropped.incrementAndGet();
            })) {
      events.comment("tailing");
      while (events.isOpen()) {
        CallRecord call = queue.poll(KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
        long lost = dropped.getAndSet(0);
        if (lost > 0) events.send("dropped", Json.MAPPER.valueToTree(Map.of("calls", lost)));
        if (call == null) {
          events.comment("still here");
          continue;
        }
        var view = CallView.of(call, false);
        events.send("call", Json.MAPPER.valueToTree(view));
      }
    }
  }
}
