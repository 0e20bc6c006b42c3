package dev.slipway.http;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.deploy.Drafts;
import dev.slipway.ops.CallLog;
import dev.slipway.ops.CallRecord;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.runtime.CompiledEndpoint;
import dev.slipway.runtime.EndpointRequest;
import dev.slipway.runtime.EndpointResponse;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.runtime.Router;
import dev.slipway.runtime.RunSecrets;
import dev.slipway.security.Action;
import dev.slipway.security.Secrets;
import dev.slipway.store.EndpointStore;
import dev.slipway.store.EndpointVersion;
import dev.slipway.store.PlatformTransactions;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An org's endpoints: saving specs as versions, reading them, and previewing a version before it is
 * deployed.
 */
public final class EndpointRoutes implements Routes {
  private static final List<HandlerType> PREVIEW_METHODS =
      List.of(
          HandlerType.GET,
          HandlerType.POST,
          HandlerType.PUT,
          HandlerType.PATCH,
          HandlerType.DELETE);

  private final Drafts drafts;
  private final EndpointStore endpoints;
  private final PlatformTransactions platform;
  private final LiveRouting live;
  private final Secrets secrets;
  private final CallLog calls;

  public EndpointRoutes(
      Drafts drafts,
      EndpointStore endpoints,
      PlatformTransactions platform,
      LiveRouting live,
      Secrets secrets,
      CallLog calls) {
    this.calls = calls;
    this.drafts = drafts;
    this.endpoints = endpoints;
    this.platform = platform;
    this.live = live;
    this.secrets = secrets;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/api/endpoints", this::list, Action.READ);
    routes.addHttpHandler(
        HandlerType.POST, "/api/endpoints", ctx -> save(ctx, Optional.empty()), Action.EDIT);
    routes.addHttpHandler(HandlerType.GET, "/api/endpoints/{name}", this::get, Action.READ);
    routes.addHttpHandler(
        HandlerType.PUT,
        "/api/endpoints/{name}",
        ctx -> save(ctx, Optional.of(ctx.pathParam("name"))),
        Action.EDIT);
    routes.addHttpHandler(
        HandlerType.GET, "/api/endpoints/{name}/versions", this::versions, Action.READ);
    routes.addHttpHandler(
        HandlerType.GET,
        "/api/endpoints/{name}/versions/{version}",
        ctx ->
            Api.json(
                ctx,
                200,
                Bodies.Version.of(
                    find(ctx, ctx.pathParam("name"), Optional.of(versionNumber(ctx))), false)),
        Action.READ);
    routes.addHttpHandler(
        HandlerType.POST, "/api/logs/{requestId}/replay", this::replay, Action.PREVIEW);
    for (HandlerType method : PREVIEW_METHODS) {
      routes.addHttpHandler(
          method,
          "/api/endpoints/{name}/preview/<path>",
          ctx -> preview(ctx, Optional.empty()),
          Action.PREVIEW);
      routes.addHttpHandler(
          method,
          "/api/endpoints/{name}/versions/{version}/preview/<path>",
          ctx -> preview(ctx, Optional.of(versionNumber(ctx))),
          Action.PREVIEW);
    }
  }

  /**
   * An endpoint in the list: its latest version's route, and the version live in this instance
   * (null when none).
   */
  record Listed(String name, String method, String path, int latestVersion, Integer liveVersion) {}

  /** One version's number, hash and date, in an endpoint's history. */
  record VersionSummary(int version, String hash, Instant createdAt) {}

  /** An endpoint: its latest version whole, the live version and its history, newest first. */
  record Endpoint(
      @JsonIgnoreProperties("created") @JsonUnwrapped Bodies.Version latest,
      Integer liveVersion,
      List<VersionSummary> versions) {}

  private void save(Context ctx, Optional<String> name) throws SQLException {
    var saved = drafts.save(Api.actor(ctx), ctx.body(), name);
    Api.json(ctx, saved.created() ? 201 : 200, Bodies.Version.of(saved.version(), saved.created()));
  }

  private void list(Context ctx) throws SQLException {
    long org = Api.actor(ctx).orgId();
    var liveVersions = liveVersions(org);
    Api.json(
        ctx,
        200,
        platform.inOrg(org, c -> endpoints.list(c, org)).stream()
            .map(
                summary ->
                    new Listed(
                        summary.name(),
                        summary.latest().method(),
                        summary.latest().path(),
                        summary.latest().version(),
                        liveVersions.get(summary.name())))
            .toList());
  }

  private void get(Context ctx) throws SQLException {
    String name = ctx.pathParam("name");
    long org = Api.actor(ctx).orgId();
    var versions = history(org, name);
    Api.json(
        ctx,
        200,
        new Endpoint(
            Bodies.Version.of(versions.getFirst(), false),
            liveVersions(org).get(name),
            versions.stream()
                .map(v -> new VersionSummary(v.version(), v.hash(), v.createdAt()))
                .toList()));
  }

  private void versions(Context ctx) throws SQLException {
    Api.json(
        ctx,
        200,
        history(Api.actor(ctx).orgId(), ctx.pathParam("name")).stream()
            .map(v -> Bodies.Version.of(v, false))
            .toList());
  }

  /** Every version of the endpoint, newest first; a 404 when it has none. */
  private List<EndpointVersion> history(long org, String name) throws SQLException {
    var versions = platform.inOrg(org, c -> endpoints.versions(c, org, name));
    if (versions.isEmpty()) throw notFound(name);
    return versions;
  }

  private void preview(Context ctx, Optional<Integer> version) throws SQLException {
    String name = ctx.pathParam("name");
    EndpointVersion found = find(ctx, name, version);
    var headers = new HashMap<String, String>();
    ctx.headerMap().forEach((k, v) -> headers.put(k.toLowerCase(), v));
    // the platform credentials are not the endpoint's: its caller's go in X-Slipway-Authorization
    headers.remove("authorization");
    headers.remove("cookie");
    String endpointAuthorization = headers.remove("x-slipway-authorization");
    if (endpointAuthorization != null) headers.put("authorization", endpointAuthorization);
    boolean traced = "1".equals(headers.remove(TRACE_HEADER));
    long started = System.nanoTime();
    CompiledEndpoint.Result result =
        run(
            ctx,
            found,
            ctx.method().name(),
            "/" + ctx.pathParam("path"),
            new LinkedHashMap<>(ctx.queryParamMap()),
            headers,
            ctx.bodyAsBytes());
    EndpointResponse answer = result.response();
    ctx.header("X-Slipway-Version", String.valueOf(found.version()));
    if (traced) {
      Api.json(ctx, 200, Traced.of(found.version(), result, System.nanoTime() - started));
      return;
    }
    ctx.status(answer.status());
    answer.headers().forEach(ctx::header);
    ctx.result(answer.body());
  }

  /**
   * With this request header set to {@code 1} a preview answers 200 with {@link Traced}, the
   * endpoint's answer and how it came about, for the Studio's test console.
   */
  static final String TRACE_HEADER = "x-slipway-trace";

  /** One step of a traced preview: when it started after the call began and how long it ran. */
  record TracedStep(String step, double offsetMs, double ms) {}

  /**
   * A traced preview: the endpoint's status, headers and body (as text), each step's timing, what
   * its scripts logged and the error it ran into (secret values redacted, as in the call log).
   */
  record Traced(
      int version,
      int status,
      Map<String, String> headers,
      String body,
      double durationMs,
      List<TracedStep> steps,
      List<String> logs,
      String error) {
    static Traced of(int version, CompiledEndpoint.Result result, long nanos) {
      EndpointResponse answer = result.response();
      return new Traced(
          version,
          answer.status(),
          answer.headers(),
          new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8),
          nanos / 1e6,
          result.facts().steps().stream()
              .map(t -> new TracedStep(t.step(), t.offsetMicros() / 1e3, t.micros() / 1e3))
              .toList(),
          result.logs(),
          result.error().orElse(null));
    }
  }

  /**
   * Runs a request through a saved version as a preview (its database work rolled back, secrets as
   * the caller may read them).
   */
  private CompiledEndpoint.Result run(
      Context ctx,
      EndpointVersion found,
      String method,
      String path,
      Map<String, List<String>> query,
      Map<String, String> headers,
      byte[] body) {
    CompiledEndpoint endpoint = drafts.preview(found);
    RunSecrets runSecrets = secrets.forRunBy(Api.actor(ctx).principal());
    var router = Router.of(Map.of(new Router.RouteKey(found.method(), found.path()), endpoint));
    return switch (router.find(method, path)) {
      case Router.Match.Found<CompiledEndpoint>(var target, var values) -> {
        var request =
            new EndpointRequest(
                method, path, values, query, headers, body, Api.requestId(ctx), ctx.ip());
        CompiledEndpoint.Result result = target.handle(request, true, runSecrets);
        runSecrets.throwIfRefused();
        yield result;
      }
      case Router.Match.WrongMethod<CompiledEndpoint> wrong ->
          throw new ProblemException(
              405,
              "method_not_allowed",
              "Method Not Allowed",
              "Endpoint '" + found.name() + "' serves " + found.method() + ", not " + method + ".");
      case Router.Match.NotFound<CompiledEndpoint> missing ->
          throw ProblemException.notFound(
              "route_not_found",
              "Endpoint '"
                  + found.name()
                  + "' serves "
                  + found.path()
                  + "; "
                  + path
                  + " does not match it.");
    };
  }

  /** One side of a replay: what a version answered, and how long it took. */
  record Answer(
      int status, int version, double durationMs, Map<String, String> headers, String body) {}

  /** A recorded call run again: the request as kept, what was answered then and what is now. */
  record Replay(
      String requestId,
      String endpoint,
      String method,
      String path,
      String query,
      String requestBody,
      Answer recorded,
      Answer replayed,
      boolean sameStatus,
      boolean sameBody) {}

  /**
   * {@code POST /api/logs/{requestId}/replay {target?: "live" | "latest" | <version>, headers?}}:
   * runs a kept call again through a version of its endpoint as a preview (its database work rolled
   * back), with the query, content type and body the call log kept (the endpoint's {@code
   * log.bodies}) and the headers given here (the call's credentials are never kept), and answers
   * both sides.
   */
  private void replay(Context ctx) throws Exception {
    long org = Api.actor(ctx).orgId();
    String requestId = ctx.pathParam("requestId");
    CallRecord call = LogRoutes.kept(calls, org, requestId);
    CallRecord.Bodies kept = call.bodies();
    if (kept == null
        || kept.request().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
            < call.requestBytes())
      throw ProblemException.conflict(
          "call_not_replayable",
          kept == null
              ? "Endpoint '"
                  + call.endpoint()
                  + "' did not keep this call's body: set 'log: {bodies: true}' in its spec to replay its calls."
              : "The call's request body was longer than the endpoint keeps (log.maxBytes).");
    var body = ctx.body().isBlank() ? Json.MAPPER.createObjectNode() : Api.jsonBody(ctx);
    var violations = new java.util.ArrayList<Violation>();
    JsonNode target = body.path("target");
    if (!target.isMissingNode()
        && !(target.isIntegralNumber() && target.canConvertToInt() && target.asInt() > 0)
        && !(target.isTextual() && List.of("live", "latest").contains(target.asText())))
      violations.add(new Violation("/target", "must be \"live\", \"latest\" or a version number"));
    var headers = new HashMap<String, String>();
    JsonNode given = body.path("headers");
    if (!given.isMissingNode() && !given.isObject())
      violations.add(new Violation("/headers", "must be an object of strings"));
    given
        .properties()
        .forEach(
            field -> {
              if (field.getValue().isTextual())
                headers.put(
                    field.getKey().toLowerCase(java.util.Locale.ROOT), field.getValue().asText());
              else violations.add(new Violation("/headers/" + field.getKey(), "must be a string"));
            });
    if (!violations.isEmpty())
      throw ProblemException.unprocessable(
          "invalid_request", "The replay request is not valid.", violations);
    Optional<Integer> version =
        target.isIntegralNumber()
            ? Optional.of(target.asInt())
            : target.asText("live").equals("latest")
                ? Optional.empty()
                : Optional.of(
                    Optional.ofNullable(liveVersions(org).get(call.endpoint()))
                        .orElseThrow(
                            () ->
                                ProblemException.conflict(
                                    "endpoint_not_live",
                                    "Endpoint '"
                                        + call.endpoint()
                                        + "' is not live: replay it against \"latest\" or a version.")));
    EndpointVersion found = find(ctx, call.endpoint(), version);
    if (kept.contentType() != null) headers.putIfAbsent("content-type", kept.contentType());
    long started = System.nanoTime();
    EndpointResponse answer =
        run(
                ctx,
                found,
                call.method(),
                call.path(),
                queryOf(kept.query()),
                headers,
                kept.request().getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .response();
    String replayedBody = new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8);
    var recorded =
        new Answer(
            call.status(), call.version(), call.durationMicros() / 1000.0, null, kept.response());
    var replayed =
        new Answer(
            answer.status(),
            found.version(),
            (System.nanoTime() - started) / 1_000_000.0,
            answer.headers(),
            replayedBody);
    Api.json(
        ctx,
        200,
        new Replay(
            requestId,
            call.endpoint(),
            call.method(),
            call.path(),
            kept.query(),
            kept.request(),
            recorded,
            replayed,
            recorded.status() == replayed.status(),
            replayedBody.equals(kept.response())));
  }

  /** A query string's parameters, each with its values in order. */
  private static Map<String, List<String>> queryOf(String query) {
    var parameters = new LinkedHashMap<String, List<String>>();
    if (query == null || query.isEmpty()) return parameters;
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) continue;
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      parameters.computeIfAbsent(name, n -> new java.util.ArrayList<>()).add(value);
    }
    return parameters;
  }

  private static String decode(String text) {
    return java.net.URLDecoder.decode(text, java.nio.charset.StandardCharsets.UTF_8);
  }

  private EndpointVersion find(Context ctx, String name, Optional<Integer> version)
      throws SQLException {
    long org = Api.actor(ctx).orgId();
    var found =
        platform.inOrg(
            org,
            c ->
                version.isPresent()
                    ? endpoints.version(c, org, name, version.get())
                    : endpoints.latest(c, org, name));
    return found.orElseThrow(
        () ->
            version.isPresent()
                ? ProblemException.notFound(
                    "version_not_found",
                    "Endpoint '" + name + "' has no version " + version.get() + ".")
                : notFound(name));
  }

  private static int versionNumber(Context ctx) {
    try {
      return Integer.parseInt(ctx.pathParam("version"));
    } catch (NumberFormatException e) {
      throw ProblemException.notFound(
          "version_not_found", "'" + ctx.pathParam("version") + "' is not a version number.");
    }
  }

  private static ProblemException notFound(String name) {
    return ProblemException.notFound("endpoint_not_found", "No endpoint '" + name + "'.");
  }

  /** Each of the org's endpoints live in this instance, by name → its version. */
  private Map<String, Integer> liveVersions(long org) {
    var versions = new HashMap<String, Integer>();
    for (CompiledEndpoint endpoint : live.current().router().targets()) {
      if (endpoint.identity().orgId() == org)
        versions.put(endpoint.identity().name(), endpoint.identity().version());
    }
    return versions;
  }
}
