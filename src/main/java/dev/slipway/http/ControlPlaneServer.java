package dev.slipway.http;

import dev.slipway.ops.RateLimiter;
import dev.slipway.problem.ProblemException;
import dev.slipway.runtime.EndpointResponse;
import dev.slipway.runtime.SecretAccessDenied;
import dev.slipway.security.Access;
import dev.slipway.security.Action;
import dev.slipway.security.Actor;
import dev.slipway.security.Authenticator;
import dev.slipway.security.Principal;
import dev.slipway.store.AuditStore;
import dev.slipway.store.PlatformTransactions;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.validation.ValidationException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane: the platform API under {@code /api}, made of {@link Routes} areas. Each route
 * is registered with the {@link Action} it performs, and one check before every route enforces who
 * may do it (see {@link #authorize}). Everything an org owns is read and written inside {@link
 * PlatformTransactions#inOrg}. Errors are problem+json, as on the data plane.
 */
public final class ControlPlaneServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneServer.class);

  /**
   * What the server itself uses around every route: who is calling and whether they may, the
   * platform API's own rate limit, and the audit of refusals and failures.
   *
   * @param platformRateLimit calls a minute per client address; 0 for none
   */
  public record Gate(
      PlatformTransactions platform,
      Authenticator authenticator,
      AuditStore audit,
      RateLimiter limiter,
      int platformRateLimit) {

    /**
     * Refuses (403, audited) unless the actor may perform the action: the check every route's own
     * action gets, and what a route asks for more when a request wants more ({@code deploy: true}).
     */
    /**
     * Records a run on the actor's behalf that reached a secret the actor may not read; a failure
     * to record it is logged, not thrown.
     */
    void auditSecretRefusal(Actor actor, SecretAccessDenied refusal, String route) {
      try {
        platform.inOrg(
            actor.orgId(),
            c -> {
              audit.record(
                  c,
                  actor.event(
                      "secret.read",
                      "secret:" + refusal.secret(),
                      AuditStore.Outcome.DENIED,
                      Map.of("route", route)));
              return null;
            });
      } catch (SQLException | RuntimeException e) {
        LOG.warn("could not audit a refused secret read (request id {})", actor.requestId(), e);
      }
    }

    void require(Actor actor, Action action, String target) throws SQLException {
      if (Access.allows(actor.principal(), action)) return;
      platform.inOrg(
          actor.orgId(),
          c -> {
            audit.record(
                c,
                actor.event(
                    "access." + action.name().toLowerCase(),
                    target,
                    AuditStore.Outcome.DENIED,
                    Map.of()));
            return null;
          });
      throw new ProblemException(
          403, "forbidden", "Forbidden", Access.refusal(actor.principal(), action));
    }
  }

  private final Gate gate;
  private final Javalin app;
  private final int configuredPort;

  public ControlPlaneServer(
      String host, int port, long maxBodyBytes, Gate gate, List<Routes> areas) {
    this.gate = gate;
    this.configuredPort = port;
    this.app =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.concurrency.useVirtualThreads = true;
              config.http.maxRequestSize = maxBodyBytes;
              config.http.prefer405over404 = true;
              config.jetty.host = host;
              config.jetty.port = port;
              config.jetty.modifyServer(
                  server ->
                      server.setErrorHandler(new ProtocolErrors(SecurityHeaders.CONTROL_PLANE)));
              var routes = config.routes;
              routes.before(
                  ctx -> {
                    String requestId = RequestIds.from(ctx.header(RequestIds.HEADER));
                    ctx.attribute(Api.REQUEST_ID, requestId);
                    ctx.header(RequestIds.HEADER, requestId);
                    SecurityHeaders.CONTROL_PLANE.forEach(ctx::header);
                    limitPlatformCalls(ctx);
                  });
              routes.beforeMatched(this::authorize);
              areas.forEach(area -> area.register(routes));
              routes.exception(
                  ProblemException.class,
                  (e, ctx) -> {
                    auditFailure(ctx, e.status(), e.code());
                    problem(ctx, e);
                  });
              routes.exception(
                  SecretAccessDenied.class,
                  (e, ctx) -> {
                    auditSecretRefusal(ctx, e);
                    problem(ctx, e);
                  });
              routes.exception(
                  HttpResponseException.class, (e, ctx) -> problem(ctx, fromJavalin(e, ctx)));
              routes.exception(
                  ValidationException.class, (e, ctx) -> problem(ctx, invalidQuery(e)));
              routes.exception(
                  Exception.class,
                  (e, ctx) -> {
                    String requestId = Api.requestId(ctx);
                    LOG.error(
                        "control plane request {} {} failed (request id {})",
                        ctx.method(),
                        ctx.path(),
                        requestId,
                        e);
                    auditFailure(ctx, 500, "internal_error");
                    problem(ctx, ProblemException.internal(requestId));
                  });
            });
  }

  /** Javalin's own rejections (no route, wrong method, body too large) in Slipway's taxonomy. */
  private static ProblemException fromJavalin(HttpResponseException e, Context ctx) {
    int status = e.getStatus();
    String title = io.javalin.http.HttpStatus.forStatus(status).getMessage();
    return switch (status) {
      case 404 ->
          ProblemException.notFound(
              "route_not_found", "No API route " + ctx.method() + " " + ctx.path() + ".");
      case 405 ->
          new ProblemException(
              405,
              "method_not_allowed",
              title,
              ctx.method() + " is not allowed on " + ctx.path() + ".");
      case 413 ->
          new ProblemException(413, "body_too_large", title, "The body is larger than the limit.");
      default -> new ProblemException(status, "http_" + status, title, e.getMessage());
    };
  }

  /**
   * A query parameter Javalin could not read as its type ({@code ?limit=many}): a 422 naming it, as
   * every validation mistake.
   */
  private static ProblemException invalidQuery(ValidationException e) {
    var violations = new ArrayList<dev.slipway.problem.Violation>();
    e.getErrors()
        .forEach(
            (name, errors) ->
                errors.forEach(
                    error ->
                        violations.add(
                            new dev.slipway.problem.Violation(
                                "/query/" + name,
                                "TYPE_CONVERSION_FAILED".equals(error.getMessage())
                                    ? "'" + error.value + "' is not a number"
                                    : error.getMessage()))));
    return ProblemException.unprocessable("invalid_query", "The query is not valid.", violations);
  }

  /** Starts listening; {@link PortInUseException} when another process holds the port. */
  public ControlPlaneServer start() throws Exception {
    try {
      app.start();
    } catch (RuntimeException e) {
      app.stop();
      throw PortInUseException.whenBinding(e, configuredPort);
    }
    return this;
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }

  /**
   * The platform API's own limit: SLIPWAY_PLATFORM_RATE_LIMIT calls a minute per client address.
   */
  private void limitPlatformCalls(Context ctx) {
    if (gate.platformRateLimit() == 0) return;
    var bucket =
        new RateLimiter.Bucket(
            gate.platformRateLimit(), Duration.ofMinutes(1), gate.platformRateLimit());
    RateLimiter.Decision decision = gate.limiter().take("platform:" + ctx.ip(), bucket);
    ctx.header("RateLimit-Limit", Integer.toString(decision.limit()));
    ctx.header("RateLimit-Remaining", Integer.toString(decision.remaining()));
    ctx.header("RateLimit-Reset", Long.toString(decision.resetSeconds()));
    if (!decision.allowed()) {
      throw new ProblemException(
          429,
          "rate_limited",
          "Too Many Requests",
          "Too many platform API calls from this address; try again in "
              + decision.retryAfterSeconds()
              + " s.",
          List.of(),
          Map.of("Retry-After", Long.toString(decision.retryAfterSeconds())));
    }
  }

  /**
   * Enforces the role × action matrix: every route carries one {@link Action}; anything but a
   * public one needs a caller whose role (and, for a key, scopes) {@link Access} allows it. A
   * refusal is audited.
   */
  private void authorize(Context ctx) throws SQLException {
    Action action =
        ctx.routeRoles().stream()
            .map(Action.class::cast)
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("route without an action: " + ctx.path()));
    if (action == Action.PUBLIC) return;
    Principal principal =
        gate.authenticator()
            .authenticate(
                new Authenticator.Presented(
                    ctx.header("Authorization"),
                    ctx.cookie(Authenticator.SESSION_COOKIE),
                    ctx.header(Authenticator.CSRF_HEADER),
                    changes(ctx)));
    Actor actor = new Actor(principal, ctx.ip(), Api.requestId(ctx));
    ctx.attribute(Api.ACTOR, actor);
    gate.require(actor, action, ctx.method() + " " + ctx.path());
  }

  /** Whether the request's method may change state (everything but GET, HEAD and OPTIONS). */
  private static boolean changes(Context ctx) {
    return !(ctx.method() == HandlerType.GET
        || ctx.method() == HandlerType.HEAD
        || ctx.method() == HandlerType.OPTIONS);
  }

  /**
   * Records a change a signed-in caller attempted that failed (a refusal by role was recorded
   * already), in a transaction of its own: the change's own was rolled back.
   */
  private void auditFailure(Context ctx, int status, String code) {
    Actor actor = ctx.attribute(Api.ACTOR);
    if (actor == null || !changes(ctx) || status == 403 || ctx.path().contains("/preview/")) return;
    try {
      gate.platform()
          .inOrg(
              actor.orgId(),
              c -> {
                gate.audit()
                    .record(
                        c,
                        actor.event(
                            "api." + ctx.method().name().toLowerCase() + " " + ctx.endpoint().path,
                            ctx.path(),
                            AuditStore.Outcome.FAILURE,
                            Map.of("status", status, "code", code)));
                return null;
              });
    } catch (SQLException | RuntimeException e) {
      LOG.warn(
          "could not audit a failed {} {} (request id {})",
          ctx.method(),
          ctx.path(),
          Api.requestId(ctx),
          e);
    }
  }

  /** Records a run on the caller's behalf that reached a secret the caller may not read. */
  private void auditSecretRefusal(Context ctx, SecretAccessDenied refusal) {
    gate.auditSecretRefusal(ctx.attribute(Api.ACTOR), refusal, ctx.method() + " " + ctx.path());
  }

  private static void problem(Context ctx, ProblemException problem) {
    var answer = EndpointResponse.problem(problem, ctx.path(), Api.requestId(ctx));
    answer.headers().forEach(ctx::header);
    ctx.status(answer.status()).result(answer.body());
  }
}
