package dev.slipway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.common.Resources;
import dev.slipway.deploy.Deployer;
import dev.slipway.deploy.DraftTests;
import dev.slipway.deploy.Drafts;
import dev.slipway.ops.CallLog;
import dev.slipway.ops.RateLimiter;
import dev.slipway.problem.ProblemException;
import dev.slipway.runtime.CompiledEndpoint;
import dev.slipway.runtime.EndpointRequest;
import dev.slipway.runtime.EndpointResponse;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.runtime.Router;
import dev.slipway.runtime.RunSecrets;
import dev.slipway.runtime.ScriptConsole;
import dev.slipway.runtime.SecretAccessDenied;
import dev.slipway.spec.Fixture;
import dev.slipway.spec.ScriptLanguage;
import dev.slipway.security.Access;
import dev.slipway.security.Action;
import dev.slipway.security.Actor;
import dev.slipway.security.Authenticator;
import dev.slipway.security.ConsumerKeys;
import dev.slipway.security.EgressRules;
import dev.slipway.security.Principal;
import dev.slipway.security.Secrets;
import dev.slipway.security.SignIn;
import dev.slipway.spec.SpecCodec;
import dev.slipway.spec.TestCase;
import dev.slipway.store.AuditStore;
import dev.slipway.store.CredentialStore;
import dev.slipway.store.EndpointStore;
import dev.slipway.store.EndpointVersion;
import dev.slipway.store.IdentityStore;
import dev.slipway.store.OrgPools;
import dev.slipway.store.PlatformTransactions;
import dev.slipway.store.Release;
import dev.slipway.store.ReleaseStore;
import dev.slipway.templates.FieldTypes;
import dev.slipway.templates.Template;
import dev.slipway.templates.TemplateService;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.validation.ValidationException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane: the platform API under {@code /api}. Each route is registered with the
 * {@link Action} it performs, and one check before every route enforces who may do it (see
 * {@link #authorize}). Everything an org owns is read and written inside {@link PlatformTransactions#inOrg}.
 * Errors are problem+json, as on the data plane.
 */
public final class ControlPlaneServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneServer.class);
  private static final List<HandlerType> PREVIEW_METHODS =
      List.of(HandlerType.GET, HandlerType.POST, HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE);

  /** What the control plane works with. */
  public record Services(
      PlatformTransactions platform,
      Authenticator authenticator,
      SignIn signIn,
      IdentityStore identities,
      CredentialStore credentials,
      AuditStore audit,
      Secrets secrets,
      ConsumerKeys consumerKeys,
      EgressRules egressRules,
      RateLimiter limiter,
      int platformRateLimit,
      Drafts versions,
      Deployer deployer,
      EndpointStore endpoints,
      ReleaseStore releases,
      LiveRouting live,
      CallLog calls,
      ScriptConsole console,
      TemplateService templates,
      DraftTests drafts,
      OrgPools orgs,
      boolean embeddedDatabase,
      String version,
      Instant started) {}

  /** The declarations of what scripts see ({@code ctx}, {@code console}), for editors. */
  private static final String SCRIPT_TYPES = Resources.text("schemas/slipway.d.ts");

  private final Services services;
  private final Javalin app;
  private final int configuredPort;

  public ControlPlaneServer(String host, int port, long maxBodyBytes, Services services) {
    this.services = services;
    this.configuredPort = port;
    this.app = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.concurrency.useVirtualThreads = true;
      config.http.maxRequestSize = maxBodyBytes;
      config.http.prefer405over404 = true;
      config.jetty.host = host;
      config.jetty.port = port;
      config.jetty.modifyServer(server -> server.setErrorHandler(new ProtocolErrors(SecurityHeaders.CONTROL_PLANE)));
      var routes = config.routes;
      routes.before(ctx -> {
        String requestId = RequestIds.from(ctx.header(RequestIds.HEADER));
        ctx.attribute(Api.REQUEST_ID, requestId);
        ctx.header(RequestIds.HEADER, requestId);
        SecurityHeaders.CONTROL_PLANE.forEach(ctx::header);
        limitPlatformCalls(ctx);
      });
      routes.beforeMatched(this::authorize);
      routes.addHttpHandler(HandlerType.GET, "/api/health", this::health, Action.PUBLIC);
      routes.addHttpHandler(HandlerType.GET, "/api/schemas/endpoint.json",
          ctx -> ctx.contentType("application/schema+json").result(SpecCodec.SCHEMA_TEXT), Action.PUBLIC);
      routes.addHttpHandler(HandlerType.GET, "/api/schemas/slipway.d.ts",
          ctx -> ctx.contentType("application/typescript; charset=utf-8").result(SCRIPT_TYPES), Action.PUBLIC);
      routes.addHttpHandler(HandlerType.POST, "/api/execute", this::execute, Action.EXECUTE);
      routes.addHttpHandler(HandlerType.POST, "/api/validation", this::compileValidation, Action.READ);
      routes.addHttpHandler(HandlerType.GET, "/api/templates", this::listTemplates, Action.READ);
      routes.addHttpHandler(HandlerType.GET, "/api/templates/{name}", this::getTemplate, Action.READ);
      // it may create a table, so it takes what deploying takes
      routes.addHttpHandler(HandlerType.POST, "/api/create-endpoint", this::createEndpoint, Action.DEPLOY);
      routes.addHttpHandler(HandlerType.POST, "/api/tests/run", this::runTests, Action.PREVIEW);
      routes.addHttpHandler(HandlerType.GET, "/api/endpoints", this::listEndpoints, Action.READ);
      routes.addHttpHandler(HandlerType.POST, "/api/endpoints", ctx -> save(ctx, Optional.empty()), Action.EDIT);
      routes.addHttpHandler(HandlerType.GET, "/api/endpoints/{name}", this::getEndpoint, Action.READ);
      routes.addHttpHandler(HandlerType.PUT, "/api/endpoints/{name}", ctx -> save(ctx, Optional.of(ctx.pathParam("name"))), Action.EDIT);
      routes.addHttpHandler(HandlerType.GET, "/api/endpoints/{name}/versions", this::listVersions, Action.READ);
      routes.addHttpHandler(HandlerType.GET, "/api/endpoints/{name}/versions/{version}", this::getVersion, Action.READ);
      for (HandlerType method : PREVIEW_METHODS) {
        routes.addHttpHandler(method, "/api/endpoints/{name}/preview/<path>", ctx -> preview(ctx, Optional.empty()), Action.PREVIEW);
        routes.addHttpHandler(method, "/api/endpoints/{name}/versions/{version}/preview/<path>",
            ctx -> preview(ctx, Optional.of(versionNumber(ctx))), Action.PREVIEW);
      }
      routes.addHttpHandler(HandlerType.POST, "/api/deploy", this::deploy, Action.DEPLOY);
      routes.addHttpHandler(HandlerType.GET, "/api/releases", this::listReleases, Action.READ);
      routes.addHttpHandler(HandlerType.GET, "/api/releases/live", this::liveRelease, Action.READ);
      routes.addHttpHandler(HandlerType.GET, "/api/releases/{id}", ctx -> Api.json(ctx, 200, release(findRelease(ctx))), Action.READ);
      routes.addHttpHandler(HandlerType.POST, "/api/releases/{id}/rollback", this::rollback, Action.DEPLOY);
      routes.addHttpHandler(HandlerType.GET, "/api/logs", this::logs, Action.READ);
      new AccessRoutes(services).register(routes);
      routes.exception(ProblemException.class, (e, ctx) -> {
        auditFailure(ctx, e.status(), e.code());
        problem(ctx, e);
      });
      routes.exception(SecretAccessDenied.class, (e, ctx) -> {
        auditSecretRefusal(ctx, e);
        problem(ctx, e);
      });
      routes.exception(HttpResponseException.class, (e, ctx) -> problem(ctx, fromJavalin(e, ctx)));
      routes.exception(ValidationException.class, (e, ctx) -> problem(ctx, invalidQuery(e)));
      routes.exception(Exception.class, (e, ctx) -> {
        String requestId = Api.requestId(ctx);
        LOG.error("control plane request {} {} failed (request id {})", ctx.method(), ctx.path(), requestId, e);
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
      case 404 -> ProblemException.notFound("route_not_found", "No API route " + ctx.method() + " " + ctx.path() + ".");
      case 405 -> new ProblemException(405, "method_not_allowed", title, ctx.method() + " is not allowed on " + ctx.path() + ".");
      case 413 -> new ProblemException(413, "body_too_large", title, "The body is larger than the limit.");
      default -> new ProblemException(status, "http_" + status, title, e.getMessage());
    };
  }

  /** A query parameter Javalin could not read as its type ({@code ?limit=many}): a 422 naming it, as every validation mistake. */
  private static ProblemException invalidQuery(ValidationException e) {
    var violations = new ArrayList<dev.slipway.problem.Violation>();
    e.getErrors().forEach((name, errors) -> errors.forEach(error -> violations.add(new dev.slipway.problem.Violation("/query/" + name,
        "TYPE_CONVERSION_FAILED".equals(error.getMessage()) ? "'" + error.value + "' is not a number" : error.getMessage()))));
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

  /** The platform API's own limit: SLIPWAY_PLATFORM_RATE_LIMIT calls a minute per client address. */
  private void limitPlatformCalls(Context ctx) {
    if (services.platformRateLimit() == 0) return;
    var bucket = new RateLimiter.Bucket(services.platformRateLimit(), Duration.ofMinutes(1), services.platformRateLimit());
    RateLimiter.Decision decision = services.limiter().take("platform:" + ctx.ip(), bucket);
    ctx.header("RateLimit-Limit", Integer.toString(decision.limit()));
    ctx.header("RateLimit-Remaining", Integer.toString(decision.remaining()));
    ctx.header("RateLimit-Reset", Long.toString(decision.resetSeconds()));
    if (!decision.allowed()) {
      throw new ProblemException(429, "rate_limited", "Too Many Requests",
          "Too many platform API calls from this address; try again in " + decision.retryAfterSeconds() + " s.",
          List.of(), Map.of("Retry-After", Long.toString(decision.retryAfterSeconds())));
    }
  }

  /**
   * Enforces the role × action matrix: every route carries one {@link Action}; anything but a
   * public one needs a caller whose role (and, for a key, scopes) {@link Access} allows it. A
   * refusal is audited.
   */
  private void authorize(Context ctx) throws SQLException {
    Action action = ctx.routeRoles().stream().map(Action.class::cast).findFirst()
        .orElseThrow(() -> new IllegalStateException("route without an action: " + ctx.path()));
    if (action == Action.PUBLIC) return;
    Principal principal = services.authenticator().authenticate(new Authenticator.Presented(
        ctx.header("Authorization"), ctx.cookie(Authenticator.SESSION_COOKIE), ctx.header(Authenticator.CSRF_HEADER), changes(ctx)));
    Actor actor = new Actor(principal, ctx.ip(), Api.requestId(ctx));
    ctx.attribute(Api.ACTOR, actor);
    if (!Access.allows(principal, action)) {
      services.platform().inOrg(actor.orgId(), c -> {
        services.audit().record(c, actor.event("access." + action.name().toLowerCase(), ctx.method() + " " + ctx.path(),
            AuditStore.Outcome.DENIED, Map.of()));
        return null;
      });
      throw new ProblemException(403, "forbidden", "Forbidden", Access.refusal(principal, action));
    }
  }

  private void health(Context ctx) {
    var table = services.live().current();
    var body = new LinkedHashMap<String, Object>();
    Duration uptime = Duration.between(services.started(), Instant.now());
    // starting: the platform API answers, but scripts would wait for the first sandbox worker
    boolean started = services.console().sandboxStarted();
    body.put("status", started ? "ok" : "starting");
    body.put("version", services.version());
    body.put("uptime", uptime.toSeconds());
    body.put("connections", services.orgs().connections());
    body.put("database", services.embeddedDatabase() ? "embedded" : "external");
    body.put("userSql", services.orgs().describe());
    body.put("sandbox", services.console().sandboxHealth());
    body.put("liveReleases", table.releases().size());
    body.put("liveEndpoints", table.router().targets().size());
    Api.json(ctx, started ? 200 : 503, body);
  }

  /**
   * Compiles fields in the templates' validation mini-language ({@code {"fields": {"name":
   * "string(1..200)"}}}) to the JSON Schema the request validator enforces and the same as Zod.
   */
  private void compileValidation(Context ctx) {
    JsonNode request = Api.jsonBody(ctx);
    var violations = new ArrayList<dev.slipway.problem.Violation>();
    var fields = FieldTypes.parse(request.get("fields"), "/fields", violations);
    if (fields.isEmpty()) {
      throw ProblemException.unprocessable("invalid_validation", "The fields are not valid in the validation language.", violations);
    }
    var body = new LinkedHashMap<String, Object>();
    body.put("jsonSchema", FieldTypes.jsonSchema(fields.get()));
    body.put("zod", FieldTypes.zod(fields.get()));
    Api.json(ctx, 200, body);
  }

  private void listTemplates(Context ctx) {
    Api.json(ctx, 200, services.templates().templates().stream().map(ControlPlaneServer::templateBody).toList());
  }

  private void getTemplate(Context ctx) {
    Template template = services.templates().template(ctx.pathParam("name")).orElseThrow(() ->
        ProblemException.notFound("template_not_found", "There is no template '" + ctx.pathParam("name") + "'."));
    Api.json(ctx, 200, templateBody(template));
  }

  private static Map<String, Object> templateBody(Template template) {
    return Map.of("name", template.name(), "description", template.description(), "configSchema", template.configSchema(),
        "example", template.example());
  }

  /** {@code {endpoints: [names], fixtures?: [{name, sql}], tests: [cases]}} → each case's outcome against the endpoints' latest drafts, rolled back. */
  private void runTests(Context ctx) throws SQLException {
    JsonNode request = Api.jsonBody(ctx);
    var violations = new ArrayList<dev.slipway.problem.Violation>();
    var endpoints = new ArrayList<String>();
    request.path("endpoints").forEach(name -> endpoints.add(name.asText()));
    if (endpoints.isEmpty()) violations.add(new dev.slipway.problem.Violation("/endpoints", "must name at least one endpoint"));
    var cases = TestCase.parse(request.path("tests"), "/tests", violations);
    var fixtures = Fixture.parse(request.path("fixtures"), "/fixtures", violations);
    if (!violations.isEmpty()) throw ProblemException.unprocessable("invalid_tests", "The test run is not valid.", violations);
    var results = services.drafts().run(Api.actor(ctx), endpoints, fixtures, cases);
    long passed = results.stream().filter(DraftTests.Outcome::passed).count();
    Api.json(ctx, 200, Map.of("passed", passed, "failed", results.size() - passed, "results", results));
  }

  /** {@code {template, config, deploy?}} → the generated bundle, its saved drafts and, if asked, the release. */
  private void createEndpoint(Context ctx) throws SQLException, com.fasterxml.jackson.core.JsonProcessingException {
    var created = services.templates().create(Api.actor(ctx), Api.jsonBody(ctx));
    var bundle = created.bundle();
    var code = new StringBuilder();
    for (var spec : bundle.specs()) {
      code.append(Json.YAML.writeValueAsString(spec));
    }
    var body = new LinkedHashMap<String, Object>();
    body.put("endpointUrl", bundle.endpointUrl());
    body.put("code", code.toString());
    body.put("specs", bundle.specs());
    body.put("sql", Map.of("migration", bundle.migration(), "applied", created.migrated()));
    body.put("zod", bundle.zod());
    body.put("openapi", created.openApi());
    body.put("explanation", bundle.explanation());
    body.put("docs", "# " + bundle.endpointUrl() + "\n\n" + bundle.explanation() + "\n\n" + String.join("\n",
        bundle.specs().stream().map(s -> "- `" + s.path("method").asText() + " " + s.path("path").asText() + "`: "
            + s.path("description").asText()).toList()) + "\n");
    if (!bundle.fixtures().isEmpty()) body.put("fixtures", bundle.fixtures().stream().map(Fixture::json).toList());
    body.put("tests", bundle.tests().stream().map(TestCase::json).toList());
    body.put("testResults", created.results());
    body.put("versions", created.saved().stream().map(s -> versionBody(s.version(), s.created())).toList());
    created.release().ifPresent(release -> body.put("release", release(release)));
    Api.json(ctx, 201, body);
  }

  private void execute(Context ctx) throws SQLException {
    JsonNode request = Api.jsonBody(ctx);
    JsonNode code = request.get("code");
    if (code == null || !code.isTextual() || code.asText().isBlank()) {
      throw ProblemException.unprocessable("invalid_request", "The body needs 'code', a non-empty string.",
          List.of(new dev.slipway.problem.Violation("/code", "required string")));
    }
    JsonNode context = request.path("context");
    if (!context.isMissingNode() && !context.isNull() && !context.isObject()) {
      throw ProblemException.unprocessable("invalid_request", "'context' must be an object.",
          List.of(new dev.slipway.problem.Violation("/context", "must be an object")));
    }
    ScriptLanguage language = "javascript".equals(request.path("language").asText()) ? ScriptLanguage.JAVASCRIPT : ScriptLanguage.TYPESCRIPT;
    @SuppressWarnings("unchecked")
    Map<String, Object> data = context.isObject() ? Json.MAPPER.convertValue(context, Map.class) : new HashMap<>();
    Actor actor = Api.actor(ctx);
    services.platform().inOrg(actor.orgId(), c -> {
      services.audit().record(c, actor.success("script.execute", "execute"));
      return null;
    });
    var execution = services.console().run(code.asText(), language, data, actor.orgId(),
        services.secrets().forRunBy(actor.principal()));
    var body = new LinkedHashMap<String, Object>();
    body.put("result", execution.result());
    body.put("executionTime", execution.elapsed().toNanos() / 1_000_000.0);
    body.put("logs", execution.logs().stream().map(l -> Map.of("level", l.level(), "message", l.message())).toList());
    Api.json(ctx, 200, body);
  }

  private void save(Context ctx, Optional<String> name) throws SQLException {
    String text = ctx.body();
    var saved = services.versions().save(Api.actor(ctx), text, name);
    Api.json(ctx, saved.created() ? 201 : 200, versionBody(saved.version(), saved.created()));
  }

  private void listEndpoints(Context ctx) throws SQLException {
    long org = Api.actor(ctx).orgId();
    var liveVersions = liveVersions(org);
    var list = new ArrayList<Map<String, Object>>();
    for (var summary : services.platform().inOrg(org, c -> services.endpoints().list(c, org))) {
      var item = new LinkedHashMap<String, Object>();
      item.put("name", summary.name());
      item.put("method", summary.latest().method());
      item.put("path", summary.latest().path());
      item.put("latestVersion", summary.latest().version());
      item.put("liveVersion", liveVersions.get(summary.name()));
      list.add(item);
    }
    Api.json(ctx, 200, list);
  }

  private void getEndpoint(Context ctx) throws SQLException {
    String name = ctx.pathParam("name");
    long org = Api.actor(ctx).orgId();
    var versions = services.platform().inOrg(org, c -> services.endpoints().versions(c, org, name));
    if (versions.isEmpty()) throw endpointNotFound(name);
    var body = versionBody(versions.getFirst(), false);
    body.remove("created");
    body.put("liveVersion", liveVersions(org).get(name));
    body.put("versions", versions.stream().map(v -> Map.of(
        "version", v.version(), "hash", v.hash(), "createdAt", v.createdAt().toString())).toList());
    Api.json(ctx, 200, body);
  }

  private void listVersions(Context ctx) throws SQLException {
    String name = ctx.pathParam("name");
    long org = Api.actor(ctx).orgId();
    var versions = services.platform().inOrg(org, c -> services.endpoints().versions(c, org, name));
    if (versions.isEmpty()) throw endpointNotFound(name);
    Api.json(ctx, 200, versions.stream().map(v -> versionBody(v, false)).toList());
  }

  private void getVersion(Context ctx) throws SQLException {
    Api.json(ctx, 200, versionBody(findVersion(ctx, ctx.pathParam("name"), Optional.of(versionNumber(ctx))), false));
  }

  private void preview(Context ctx, Optional<Integer> version) throws SQLException {
    String name = ctx.pathParam("name");
    EndpointVersion found = findVersion(ctx, name, version);
    CompiledEndpoint endpoint = services.versions().preview(found);
    String path = "/" + ctx.pathParam("path");
    String requestId = Api.requestId(ctx);
    RunSecrets secrets = services.secrets().forRunBy(Api.actor(ctx).principal());
    var router = Router.of(Map.of(new Router.RouteKey(found.method(), found.path()), endpoint));
    EndpointResponse answer = switch (router.find(ctx.method().name(), path)) {
      case Router.Match.Found<CompiledEndpoint>(var target, var values) -> {
        var headers = new HashMap<String, String>();
        ctx.headerMap().forEach((k, v) -> headers.put(k.toLowerCase(), v));
        // the platform credentials are not the endpoint's: its caller's go in X-Slipway-Authorization
        headers.remove("authorization");
        headers.remove("cookie");
        String endpointAuthorization = headers.remove("x-slipway-authorization");
        if (endpointAuthorization != null) headers.put("authorization", endpointAuthorization);
        var query = new LinkedHashMap<String, List<String>>(ctx.queryParamMap());
        var request = new EndpointRequest(ctx.method().name(), path, values, query, headers, ctx.bodyAsBytes(), requestId, ctx.ip());
        EndpointResponse response = target.handle(request, true, secrets).response();
        secrets.throwIfRefused();
        yield response;
      }
      case Router.Match.WrongMethod<CompiledEndpoint> wrong -> throw new ProblemException(405, "method_not_allowed",
          "Method Not Allowed", "Endpoint '" + name + "' serves " + found.method() + ", not " + ctx.method().name() + ".");
      case Router.Match.NotFound<CompiledEndpoint> missing -> throw ProblemException.notFound("route_not_found",
          "Endpoint '" + name + "' serves " + found.path() + "; " + path + " does not match it.");
    };
    ctx.status(answer.status());
    answer.headers().forEach(ctx::header);
    ctx.header("X-Slipway-Version", String.valueOf(found.version()));
    ctx.result(answer.body());
  }

  private void deploy(Context ctx) throws SQLException {
    JsonNode request = ctx.body().isBlank() ? Json.MAPPER.createObjectNode() : Api.jsonBody(ctx);
    var targets = new ArrayList<Deployer.Target>();
    var violations = new ArrayList<dev.slipway.problem.Violation>();
    JsonNode list = request.path("endpoints");
    for (int i = 0; i < list.size(); i++) {
      JsonNode item = list.get(i);
      if (item.isTextual()) {
        targets.add(new Deployer.Target(item.asText(), Optional.empty()));
      } else if (item.isObject() && item.path("name").isTextual()) {
        targets.add(new Deployer.Target(item.get("name").asText(),
            item.path("version").isInt() ? Optional.of(item.get("version").asInt()) : Optional.empty()));
      } else {
        violations.add(new dev.slipway.problem.Violation("/endpoints/" + i, "must be a name or {name, version}"));
      }
    }
    var remove = new ArrayList<String>();
    request.path("remove").forEach(node -> remove.add(node.asText()));
    if (!violations.isEmpty()) throw ProblemException.unprocessable("invalid_request", "The deploy request is not valid.", violations);
    Optional<String> note = request.path("note").isTextual() ? Optional.of(request.get("note").asText()) : Optional.empty();
    Release release = services.deployer().deploy(Api.actor(ctx), new Deployer.DeployRequest(targets, remove, note));
    Api.json(ctx, 201, release(release));
  }

  private void rollback(Context ctx) throws SQLException {
    Release release = services.deployer().rollback(Api.actor(ctx), Api.id(ctx, "id", "release_not_found", "release"));
    Api.json(ctx, 200, release(release));
  }

  private void listReleases(Context ctx) throws SQLException {
    int limit = Math.clamp(ctx.queryParamAsClass("limit", Integer.class).getOrDefault(50), 1, 500);
    long org = Api.actor(ctx).orgId();
    Api.json(ctx, 200, services.platform().inOrg(org, c -> services.releases().list(c, org, limit)).stream().map(this::release).toList());
  }

  private void liveRelease(Context ctx) throws SQLException {
    long org = Api.actor(ctx).orgId();
    long id = services.live().current().releaseOf(org);
    if (id == 0) throw ProblemException.notFound("no_release", "Nothing has been deployed yet.");
    Api.json(ctx, 200, release(services.platform().inOrg(org, c -> services.releases().find(c, org, id)).orElseThrow()));
  }

  private void logs(Context ctx) throws Exception {
    int limit = Math.clamp(ctx.queryParamAsClass("limit", Integer.class).getOrDefault(100), 1, 1000);
    Api.json(ctx, 200, services.calls().recent(Api.actor(ctx).orgId(), limit));
  }

  private Release findRelease(Context ctx) throws SQLException {
    long id = Api.id(ctx, "id", "release_not_found", "release");
    long org = Api.actor(ctx).orgId();
    return services.platform().inOrg(org, c -> services.releases().find(c, org, id))
        .orElseThrow(() -> ProblemException.notFound("release_not_found", "No release " + id + "."));
  }

  private EndpointVersion findVersion(Context ctx, String name, Optional<Integer> version) throws SQLException {
    long org = Api.actor(ctx).orgId();
    var found = services.platform().inOrg(org, c -> version.isPresent()
        ? services.endpoints().version(c, org, name, version.get())
        : services.endpoints().latest(c, org, name));
    return found.orElseThrow(() -> version.isPresent()
        ? ProblemException.notFound("version_not_found", "Endpoint '" + name + "' has no version " + version.get() + ".")
        : endpointNotFound(name));
  }

  private static int versionNumber(Context ctx) {
    try {
      return Integer.parseInt(ctx.pathParam("version"));
    } catch (NumberFormatException e) {
      throw ProblemException.notFound("version_not_found", "'" + ctx.pathParam("version") + "' is not a version number.");
    }
  }

  private static ProblemException endpointNotFound(String name) {
    return ProblemException.notFound("endpoint_not_found", "No endpoint '" + name + "'.");
  }

  private Map<String, Integer> liveVersions(long org) {
    var versions = new HashMap<String, Integer>();
    for (CompiledEndpoint endpoint : services.live().current().router().targets()) {
      if (endpoint.identity().orgId() == org) versions.put(endpoint.identity().name(), endpoint.identity().version());
    }
    return versions;
  }

  private Map<String, Object> versionBody(EndpointVersion version, boolean created) {
    var body = new LinkedHashMap<String, Object>();
    body.put("name", version.name());
    body.put("version", version.version());
    body.put("created", created);
    body.put("hash", version.hash());
    body.put("method", version.method());
    body.put("path", version.path());
    body.put("createdAt", version.createdAt().toString());
    body.put("previewUrl", "/api/endpoints/" + version.name() + "/versions/" + version.version() + "/preview" + version.path());
    try {
      body.put("spec", Json.MAPPER.readTree(version.spec()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a stored spec is not JSON", e);
    }
    return body;
  }

  private Map<String, Object> release(Release release) {
    var body = new LinkedHashMap<String, Object>();
    body.put("id", release.id());
    body.put("environment", release.environment());
    body.put("note", release.note());
    body.put("createdAt", release.createdAt().toString());
    body.put("live", release.id() == services.live().current().releaseOf(release.orgId()));
    body.put("endpoints", release.versions().stream().map(v -> Map.of(
        "name", v.name(), "version", v.version(), "method", v.method(), "path", v.path())).toList());
    return body;
  }

  /** Whether the request's method may change state (everything but GET, HEAD and OPTIONS). */
  private static boolean changes(Context ctx) {
    return !(ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD || ctx.method() == HandlerType.OPTIONS);
  }

  /**
   * Records a change a signed-in caller attempted that failed (a refusal by role was recorded
   * already), in a transaction of its own: the change's own was rolled back.
   */
  private void auditFailure(Context ctx, int status, String code) {
    Actor actor = ctx.attribute(Api.ACTOR);
    if (actor == null || !changes(ctx) || status == 403 || ctx.path().contains("/preview/")) return;
    try {
      services.platform().inOrg(actor.orgId(), c -> {
        services.audit().record(c, actor.event("api." + ctx.method().name().toLowerCase() + " " + ctx.endpoint().path,
            ctx.path(), AuditStore.Outcome.FAILURE, Map.of("status", status, "code", code)));
        return null;
      });
    } catch (SQLException | RuntimeException e) {
      LOG.warn("could not audit a failed {} {} (request id {})", ctx.method(), ctx.path(), Api.requestId(ctx), e);
    }
  }

  /** Records a run on the caller's behalf that reached a secret the caller may not read. */
  private void auditSecretRefusal(Context ctx, SecretAccessDenied refusal) {
    Actor actor = ctx.attribute(Api.ACTOR);
    try {
      services.platform().inOrg(actor.orgId(), c -> {
        services.audit().record(c, actor.event("secret.read", "secret:" + refusal.secret(), AuditStore.Outcome.DENIED,
            Map.of("route", ctx.method() + " " + ctx.path())));
        return null;
      });
    } catch (SQLException | RuntimeException e) {
      LOG.warn("could not audit a refused secret read (request id {})", Api.requestId(ctx), e);
    }
  }

  private static void problem(Context ctx, ProblemException problem) {
    var answer = EndpointResponse.problem(problem, ctx.path(), Api.requestId(ctx));
    answer.headers().forEach(ctx::header);
    ctx.status(answer.status()).result(answer.body());
  }
}
