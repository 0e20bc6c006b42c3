package dev.slipway.http;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.slipway.deploy.Drafts;
import dev.slipway.problem.ProblemException;
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

  public EndpointRoutes(
      Drafts drafts,
      EndpointStore endpoints,
      PlatformTransactions platform,
      LiveRouting live,
      Secrets secrets) {
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
    CompiledEndpoint endpoint = drafts.preview(found);
    String path = "/" + ctx.pathParam("path");
    RunSecrets runSecrets = secrets.forRunBy(Api.actor(ctx).principal());
    var router = Router.of(Map.of(new Router.RouteKey(found.method(), found.path()), endpoint));
    EndpointResponse answer =
        switch (router.find(ctx.method().name(), path)) {
          case Router.Match.Found<CompiledEndpoint>(var target, var values) -> {
            var headers = new HashMap<String, String>();
            ctx.headerMap().forEach((k, v) -> headers.put(k.toLowerCase(), v));
            // the platform credentials are not the endpoint's: its caller's go in
            // X-Slipway-Authorization
            headers.remove("authorization");
            headers.remove("cookie");
            String endpointAuthorization = headers.remove("x-slipway-authorization");
            if (endpointAuthorization != null) headers.put("authorization", endpointAuthorization);
            var query = new LinkedHashMap<String, List<String>>(ctx.queryParamMap());
            var request =
                new EndpointRequest(
                    ctx.method().name(),
                    path,
                    values,
                    query,
                    headers,
                    ctx.bodyAsBytes(),
                    Api.requestId(ctx),
                    ctx.ip());
            EndpointResponse response = target.handle(request, true, runSecrets).response();
            runSecrets.throwIfRefused();
            yield response;
          }
          case Router.Match.WrongMethod<CompiledEndpoint> wrong ->
              throw new ProblemException(
                  405,
                  "method_not_allowed",
                  "Method Not Allowed",
                  "Endpoint '"
                      + name
                      + "' serves "
                      + found.method()
                      + ", not "
                      + ctx.method().name()
                      + ".");
          case Router.Match.NotFound<CompiledEndpoint> missing ->
              throw ProblemException.notFound(
                  "route_not_found",
                  "Endpoint '"
                      + name
                      + "' serves "
                      + found.path()
                      + "; "
                      + path
                      + " does not match it.");
        };
    ctx.status(answer.status());
    answer.headers().forEach(ctx::header);
    ctx.header("X-Slipway-Version", String.valueOf(found.version()));
    ctx.result(answer.body());
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
