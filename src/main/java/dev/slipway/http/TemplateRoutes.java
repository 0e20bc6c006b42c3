package dev.slipway.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.deploy.DraftTests;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.security.Action;
import dev.slipway.spec.Fixture;
import dev.slipway.spec.TestCase;
import dev.slipway.templates.FieldTypes;
import dev.slipway.templates.Template;
import dev.slipway.templates.TemplateService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Templates and tests: the catalogue, generating endpoints from a template, test runs against
 * drafts, the validation language.
 */
public final class TemplateRoutes implements Routes {
  private final TemplateService templates;
  private final DraftTests tests;
  private final LiveRouting live;

  public TemplateRoutes(TemplateService templates, DraftTests tests, LiveRouting live) {
    this.templates = templates;
    this.tests = tests;
    this.live = live;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(
        HandlerType.POST, "/api/validation", this::compileValidation, Action.READ);
    routes.addHttpHandler(
        HandlerType.GET,
        "/api/templates",
        ctx -> Api.json(ctx, 200, templates.templates().stream().map(Described::of).toList()),
        Action.READ);
    routes.addHttpHandler(HandlerType.GET, "/api/templates/{name}", this::getTemplate, Action.READ);
    // it may create a table, so it takes what deploying takes
    routes.addHttpHandler(
        HandlerType.POST, "/api/create-endpoint", this::createEndpoint, Action.DEPLOY);
    routes.addHttpHandler(HandlerType.POST, "/api/tests/run", this::runTests, Action.PREVIEW);
  }

  /** A template in the catalogue. */
  record Described(String name, String description, JsonNode configSchema, JsonNode example) {
    static Described of(Template template) {
      return new Described(
          template.name(), template.description(), template.configSchema(), template.example());
    }
  }

  /**
   * Fields in the validation language as the JSON Schema the request validator enforces, and as
   * Zod.
   */
  record Compiled(ObjectNode jsonSchema, String zod) {}

  /** {@code {endpoints: [names], fixtures?: [{name, sql}], tests: [cases]}}. */
  record TestRun(List<String> endpoints, List<Fixture> fixtures, List<TestCase> cases) {
    static TestRun of(JsonNode request) {
      var violations = new ArrayList<Violation>();
      var endpoints = new ArrayList<String>();
      request.path("endpoints").forEach(name -> endpoints.add(name.asText()));
      if (endpoints.isEmpty())
        violations.add(new Violation("/endpoints", "must name at least one endpoint"));
      var cases = TestCase.parse(request.path("tests"), "/tests", violations);
      var fixtures = Fixture.parse(request.path("fixtures"), "/fixtures", violations);
      if (!violations.isEmpty())
        throw ProblemException.unprocessable(
            "invalid_tests", "The test run is not valid.", violations);
      return new TestRun(endpoints, fixtures, cases);
    }
  }

  record TestResults(long passed, long failed, List<DraftTests.Outcome> results) {}

  /** The bundle's migration, and whether it ran (it does not when the table exists). */
  record Sql(String migration, boolean applied) {}

  /**
   * What a generation made: the bundle, its drafts, its test results and, when deployed, the
   * release (fixtures and release only when there are some).
   */
  record Generated(
      String endpointUrl,
      String code,
      List<ObjectNode> specs,
      Sql sql,
      String zod,
      ObjectNode openapi,
      @JsonInclude(JsonInclude.Include.NON_NULL) ObjectNode asyncapi,
      String explanation,
      String docs,
      @JsonInclude(JsonInclude.Include.NON_NULL) List<ObjectNode> fixtures,
      List<ObjectNode> tests,
      List<DraftTests.Outcome> testResults,
      List<Bodies.Version> versions,
      @JsonInclude(JsonInclude.Include.NON_NULL) Bodies.ReleaseBody release) {}

  /** {@code {"fields": {"name": "string(1..200)"}}} → its JSON Schema and Zod. */
  private void compileValidation(Context ctx) {
    var violations = new ArrayList<Violation>();
    var fields = FieldTypes.parse(Api.jsonBody(ctx).get("fields"), "/fields", violations);
    if (fields.isEmpty()) {
      throw ProblemException.unprocessable(
          "invalid_validation", "The fields are not valid in the validation language.", violations);
    }
    Api.json(
        ctx, 200, new Compiled(FieldTypes.jsonSchema(fields.get()), FieldTypes.zod(fields.get())));
  }

  private void getTemplate(Context ctx) {
    Template template =
        templates
            .template(ctx.pathParam("name"))
            .orElseThrow(
                () ->
                    ProblemException.notFound(
                        "template_not_found",
                        "There is no template '" + ctx.pathParam("name") + "'."));
    Api.json(ctx, 200, Described.of(template));
  }

  /** Each case's outcome against the endpoints' latest drafts, rolled back. */
  private void runTests(Context ctx) throws SQLException {
    var run = TestRun.of(Api.jsonBody(ctx));
    var results = tests.run(Api.actor(ctx), run.endpoints(), run.fixtures(), run.cases());
    long passed = results.stream().filter(DraftTests.Outcome::passed).count();
    Api.json(ctx, 200, new TestResults(passed, results.size() - passed, results));
  }

  /**
   * {@code {template, config, deploy?}} → the generated bundle, its saved drafts and, if asked, the
   * release.
   */
  private void createEndpoint(Context ctx) throws SQLException, JsonProcessingException {
    var created = templates.create(Api.actor(ctx), Api.jsonBody(ctx));
    var bundle = created.bundle();
    var code = new StringBuilder();
    for (var spec : bundle.specs()) code.append(Json.YAML.writeValueAsString(spec));
    String docs =
        "# "
            + bundle.endpointUrl()
            + "\n\n"
            + bundle.explanation()
            + "\n\n"
            + String.join(
                "\n",
                bundle.specs().stream()
                    .map(
                        s ->
                            "- `"
                                + s.path("method").asText()
                                + " "
                                + s.path("path").asText()
                                + "`: "
                                + s.path("description").asText())
                    .toList())
            + "\n";
    Api.json(
        ctx,
        201,
        new Generated(
            bundle.endpointUrl(),
            code.toString(),
            bundle.specs(),
            new Sql(bundle.migration(), created.migrated()),
            bundle.zod(),
            created.openApi(),
            created.asyncApi().orElse(null),
            bundle.explanation(),
            docs,
            bundle.fixtures().isEmpty()
                ? null
                : bundle.fixtures().stream().map(Fixture::json).toList(),
            bundle.tests().stream().map(TestCase::json).toList(),
            created.results(),
            created.saved().stream().map(s -> Bodies.Version.of(s.version(), s.created())).toList(),
            created.release().map(release -> Bodies.ReleaseBody.of(release, live)).orElse(null)));
  }
}
