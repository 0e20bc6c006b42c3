package dev.slipway.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.deploy.DraftTests;
import dev.slipway.generate.DatabaseSchema;
import dev.slipway.generate.GenerationRequest;
import dev.slipway.generate.Generator;
import dev.slipway.generate.JoinPaths.Join;
import dev.slipway.generate.Plan;
import dev.slipway.generate.QueryAnalysis;
import dev.slipway.generate.Relevance;
import dev.slipway.generate.SchemaAnalyzer;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.security.Action;
import dev.slipway.security.Actor;
import dev.slipway.spec.Fixture;
import dev.slipway.spec.TestCase;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Generation from plain language ({@code POST /api/generate-endpoint}), and the schema it reads
 * ({@code GET /api/schema}).
 */
public final class GenerateRoutes implements Routes {
  /** How many tables {@code ?for=} keeps at most, unless {@code limit} says otherwise. */
  private static final int MATCHED_TABLES = 8;

  private final SchemaAnalyzer analyzer;
  private final Generator generator;
  private final ControlPlaneServer.Gate gate;
  private final LiveRouting live;

  public GenerateRoutes(
      SchemaAnalyzer analyzer,
      Generator generator,
      ControlPlaneServer.Gate gate,
      LiveRouting live) {
    this.analyzer = analyzer;
    this.generator = generator;
    this.gate = gate;
    this.live = live;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/api/schema", this::schema, Action.READ);
    // saving drafts and running their tests; deploy: true also takes what deploying takes
    routes.addHttpHandler(HandlerType.POST, "/api/generate-endpoint", this::generate, Action.EDIT);
  }

  /**
   * What a generation made: the founding contract ({@code code}, {@code tests}, {@code sql}, {@code
   * explanation}) and the drafts, their test results, every check, index suggestions and usage.
   */
  record Generated(
      String code,
      List<ObjectNode> tests,
      String sql,
      String explanation,
      String shape,
      List<String> tables,
      List<String> notes,
      List<ObjectNode> specs,
      List<ObjectNode> fixtures,
      List<Bodies.Version> versions,
      List<DraftTests.Outcome> testResults,
      List<Generator.Check> checks,
      List<QueryAnalysis.Statement> queryPlans,
      List<String> indexSuggestions,
      List<Generator.Round> rounds,
      Generator.Usage usage,
      @JsonInclude(JsonInclude.Include.NON_NULL) Bodies.ReleaseBody release) {}

  private void generate(Context ctx) throws SQLException, JsonProcessingException {
    Actor actor = Api.actor(ctx);
    var request = GenerationRequest.of(Api.jsonBody(ctx));
    if (request.deploy()) gate.require(actor, Action.DEPLOY, "POST /api/generate-endpoint deploy");
    var generated = generator.generate(actor, request);
    Plan plan = generated.plan();
    var code = new StringBuilder();
    var sql = new ArrayList<String>();
    for (ObjectNode spec : plan.specs()) {
      code.append(Json.YAML.writeValueAsString(spec));
      spec.path("steps")
          .forEach(
              step -> {
                if (step.has("sql")) sql.add(step.get("sql").asText());
              });
    }
    Api.json(
        ctx,
        201,
        new Generated(
            code.toString(),
            plan.tests().stream().map(TestCase::json).toList(),
            String.join(";\n\n", sql),
            plan.explanation(),
            plan.shape(),
            plan.tables(),
            plan.notes(),
            plan.specs(),
            plan.fixtures().stream().map(Fixture::json).toList(),
            generated.saved().stream()
                .map(s -> Bodies.Version.of(s.version(), s.created()))
                .toList(),
            generated.results(),
            generated.checks(),
            generated.queryPlans(),
            generated.indexSuggestions(),
            generated.rounds(),
            generated.usage(),
            generated.release().map(release -> Bodies.ReleaseBody.of(release, live)).orElse(null)));
  }

  /**
   * The schema with {@code for}: the tables a description is about and the tables joining them,
   * with how they matched and how to join them.
   */
  record Matched(
      String description,
      List<Relevance.Scored> matched,
      List<Join> joins,
      List<DatabaseSchema.Table> tables,
      List<DatabaseSchema.EnumType> enums) {}

  /**
   * {@code GET /api/schema}: what the caller's org's SQL can reach; {@code ?for=description} keeps
   * only the tables that description is about (at most {@code limit} matched, 1 to 50) and those
   * joining them.
   */
  private void schema(Context ctx) throws SQLException {
    DatabaseSchema schema = analyzer.analyze(Api.actor(ctx).orgId());
    String description = ctx.queryParam("for");
    if (description == null) {
      Api.json(ctx, 200, schema);
      return;
    }
    int limit =
        Math.clamp(
            ctx.queryParamAsClass("limit", Integer.class).getOrDefault(MATCHED_TABLES), 1, 50);
    var relevant = Relevance.of(schema, description, limit);
    var subset = Relevance.subset(schema, relevant);
    Api.json(
        ctx,
        200,
        new Matched(
            description, relevant.matched(), relevant.joins(), subset.tables(), subset.enums()));
  }
}
