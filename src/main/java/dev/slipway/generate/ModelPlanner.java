package dev.slipway.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.generate.DatabaseSchema.Column;
import dev.slipway.generate.DatabaseSchema.Table;
import dev.slipway.problem.Violation;
import dev.slipway.spec.Fixture;
import dev.slipway.spec.SpecCodec;
import dev.slipway.spec.TestCase;
import java.util.ArrayList;
import java.util.List;

/**
 * What a model is told and how its answer becomes a {@link Plan}: the system prompt (the spec
 * format's rules), the request (the description, the context and the tables it is about, as
 * metadata: names, types, keys, constraints, indexes, policies, row estimates; never a row), and
 * the one tool it must call, whose input is the specs (the spec's own JSON Schema), their tests and
 * fixtures, and an explanation.
 */
public final class ModelPlanner {
  static final String TOOL = "propose_endpoints";
  static final String TOOL_DESCRIPTION =
      "Propose the Slipway endpoint specs that do what was asked, with test cases that check them"
          + " against the drafts, fixtures the tests read, and a short explanation.";

  /** The tool's input schema: the spec's JSON Schema for each of the specs. */
  static final JsonNode SCHEMA = toolSchema();

  static final String SYSTEM =
      """
      You write HTTP endpoints for Slipway as endpoint specs (JSON), answering only by calling the
      tool propose_endpoints. A spec has name (kebab-case), method, path (":name" segments are path
      parameters), description, auth ("public", or {"mode": "apiKey"} for the org's consumer keys),
      input (params, query, headers: field -> JSON Schema; body: a JSON Schema), steps, response.
      Steps run in order: {"id", "sql", "params", "expect": "one"|"many"|"none"} runs PostgreSQL
      with named parameters (:name) bound from params, whose values are expressions "${...}" in CEL
      over input (input.params, input.query, input.body), steps (steps.<id>.rows, .row), auth
      (auth.sub, auth.claims.<name>) and secrets; a "script" step (TypeScript, the body of an async
      function of ctx; await ctx.db.query(sql, {name: value}) with :name parameters answers the rows;
      ctx.fetch, ctx.secrets.get, ctx.log, ctx.input, ctx.steps; import only "zod") only where SQL
      cannot do the job; a "respond"
      step ends early. expect "one" answers 404 when no row comes back. The response body defaults
      to the last step's output; "${steps.rows.rows}" answers a list, "${steps.row.row}" one row.
      Rules: use only the tables you are shown, qualified with their schema; never build SQL from
      strings; bound every list with LIMIT :limit and a query parameter limit (integer, 1 to 100,
      default 20); validate inputs with JSON Schema (formats, bounds, enums from check
      constraints); scope rows to the caller as the context says, through auth.sub or
      auth.claims.<claim>, and answer 403 when a claim is missing; never answer or log secrets;
      never select credential-like columns. Tests: {name, method, path, status, fields?, role?,
      claims?, body?}; a role calls with a consumer key holding it (claims adds claims to it); they
      run against the drafts in a transaction that is rolled back. Fixtures {name, sql} run first
      (an insert ... returning * or a select) and a path may use {{fixture.column}} of its first
      row. Write a test for the happy path and for each error the endpoint gives.
      """;

  private ModelPlanner() {}

  private static JsonNode toolSchema() {
    ObjectNode spec = (ObjectNode) Json.parse(SpecCodec.SCHEMA_TEXT);
    ObjectNode root = Json.MAPPER.createObjectNode().put("type", "object");
    for (String defs : List.of("$defs", "definitions")) {
      if (spec.has(defs)) root.set(defs, spec.remove(defs));
    }
    spec.remove("$schema");
    spec.remove("$id");
    ObjectNode properties = root.putObject("properties");
    properties
        .putObject("specs")
        .put("type", "array")
        .put("minItems", 1)
        .put("maxItems", 5)
        .set("items", spec);
    properties.set(
        "tests",
        Json.parse(
            """
            {"type": "array", "minItems": 1, "items": {"type": "object",
              "required": ["name", "method", "path", "status"],
              "properties": {"name": {"type": "string"}, "method": {"type": "string"},
                "path": {"type": "string"}, "status": {"type": "integer"},
                "fields": {"type": "array", "items": {"type": "string"}},
                "role": {"type": "string"}, "claims": {"type": "object"}, "body": {}}}}
            """));
    properties.set(
        "fixtures",
        Json.parse(
            """
            {"type": "array", "items": {"type": "object", "required": ["name", "sql"],
              "properties": {"name": {"type": "string"}, "sql": {"type": "string"}}}}
            """));
    properties.putObject("explanation").put("type", "string");
    root.putArray("required").add("specs").add("tests").add("explanation");
    return root;
  }

  /** The first message: what to build, over which tables. */
  static String request(
      GenerationRequest request, DatabaseSchema tables, List<JoinPaths.Join> joins) {
    var text = new StringBuilder();
    text.append("Build: ").append(request.description()).append("\n\n");
    text.append("Context: auth ").append(request.auth());
    text.append(", paths under ").append(request.basePath());
    request
        .scope()
        .forEach((key, meaning) -> text.append(", ").append(key).append(" = ").append(meaning));
    text.append("\n\nTables (metadata only):\n");
    for (Table table : tables.tables()) text.append(describe(table));
    for (var type : tables.enums())
      text.append("enum ")
          .append(type.qualifiedName())
          .append(": ")
          .append(type.values())
          .append('\n');
    if (!joins.isEmpty()) {
      text.append("\nJoins:\n");
      for (var join : joins)
        text.append(join.from())
            .append('.')
            .append(join.fromColumns())
            .append(" = ")
            .append(join.to())
            .append('.')
            .append(join.toColumns())
            .append('\n');
    }
    return text.toString();
  }

  private static String describe(Table table) {
    var text = new StringBuilder();
    text.append(table.kind())
        .append(' ')
        .append(table.qualifiedName())
        .append(table.rowEstimate() == null ? "" : " (~" + table.rowEstimate() + " rows)")
        .append(", may ")
        .append(String.join(", ", table.privileges()))
        .append(table.rowLevelSecurity() ? ", row-level security on" : "")
        .append('\n');
    for (Column column : table.columns()) {
      text.append("  ").append(column.name()).append(' ').append(column.type());
      if (!column.nullable()) text.append(" not null");
      if (table.primaryKey().equals(List.of(column.name()))) text.append(" primary key");
      if (column.generated() != null) text.append(" generated ").append(column.generated());
      if (column.defaultValue() != null) text.append(" default ").append(column.defaultValue());
      for (var key : table.foreignKeys())
        if (key.columns().equals(List.of(column.name())))
          text.append(" references ").append(key.references()).append(key.referencedColumns());
      text.append('\n');
    }
    for (var check : table.checks()) text.append("  ").append(check.expression()).append('\n');
    for (var unique : table.uniques()) text.append("  unique ").append(unique).append('\n');
    for (var index : table.indexes())
      if (!index.primary()) text.append("  index ").append(index.columns()).append('\n');
    for (var policy : table.policies())
      text.append("  policy ")
          .append(policy.name())
          .append(" for ")
          .append(policy.command())
          .append(" using ")
          .append(policy.using())
          .append('\n');
    return text.toString();
  }

  /**
   * The plan in a tool input, or what is wrong with it (each mistake with where it is), for the
   * model to correct.
   */
  static Plan parse(JsonNode input, List<String> tables, String model, List<Violation> mistakes) {
    var specs = new ArrayList<ObjectNode>();
    JsonNode given = input.path("specs");
    if (!given.isArray() || given.isEmpty() || given.size() > 5)
      mistakes.add(new Violation("/specs", "must be a list of 1 to 5 endpoint specs"));
    else
      for (int i = 0; i < given.size(); i++) {
        if (given.get(i).isObject()) specs.add((ObjectNode) given.get(i));
        else mistakes.add(new Violation("/specs/" + i, "must be an endpoint spec (an object)"));
      }
    List<TestCase> tests = TestCase.parse(input.path("tests"), "/tests", mistakes);
    List<Fixture> fixtures =
        input.has("fixtures")
            ? Fixture.parse(input.path("fixtures"), "/fixtures", mistakes)
            : List.of();
    String explanation = input.path("explanation").asText("");
    return new Plan(
        "model",
        List.copyOf(specs),
        fixtures,
        tests,
        tables,
        explanation,
        List.of("model: " + model));
  }
}
