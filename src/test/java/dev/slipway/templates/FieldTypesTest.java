package dev.slipway.templates;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import dev.slipway.sandbox.SandboxLimits;
import dev.slipway.sandbox.ScriptHost;
import dev.slipway.sandbox.ScriptOutcome;
import dev.slipway.sandbox.ScriptSandbox;
import dev.slipway.spec.CompiledSchema;
import dev.slipway.spec.ScriptLanguage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FieldTypesTest {

  private static JsonNode json(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static FieldType.ObjectOf parse(String fields) {
    var violations = new ArrayList<Violation>();
    var parsed = FieldTypes.parse(json(fields), "/config/validation", violations);
    assertThat(violations).isEmpty();
    return parsed.orElseThrow();
  }

  private static List<Violation> mistakes(String fields) {
    var violations = new ArrayList<Violation>();
    assertThat(FieldTypes.parse(json(fields), "/config/validation", violations)).isEmpty();
    return violations;
  }

  @Test
  void the_founding_briefs_example_compiles_to_json_schema_and_zod() {
    var fields =
        parse(
            """
        {"name": "string", "description": "string?", "status": "enum('active','archived')"}""");
    assertThat(FieldTypes.jsonSchema(fields))
        .isEqualTo(
            json(
                """
        {"type": "object",
         "properties": {"name": {"type": "string"}, "description": {"type": "string"},
                        "status": {"type": "string", "enum": ["active", "archived"]}},
         "required": ["name", "status"], "additionalProperties": false}"""));
    assertThat(FieldTypes.zod(fields))
        .isEqualTo(
            "z.object({ name: z.string(), description: z.string().optional(), status: z.enum([\"active\", \"archived\"]) }).strict()");
  }

  @Test
  void every_kind_bounds_lists_and_nesting() {
    var fields =
        parse(
            """
        {"title": "string(1..200)", "score": "number(0.5..9.5)", "age": "integer(0..)", "done": "boolean",
         "id": "uuid", "email": "email(..254)", "site": "url?", "born": "date", "at": "datetime",
         "tags": "string(1..20)[](..5)", "grid": "integer[][]",
         "address?": {"street": "string", "zip": "string(5..10)"}}""");
    assertThat(FieldTypes.jsonSchema(fields).toString())
        .isEqualTo(
            json("""
        {"type": "object",
         "properties": {
           "title": {"type": "string", "minLength": 1, "maxLength": 200},
           "score": {"type": "number", "minimum": 0.5, "maximum": 9.5},
           "age": {"type": "integer", "minimum": 0},
           "done": {"type": "boolean"},
           "id": {"type": "string", "format": "uuid"},
           "email": {"type": "string", "format": "email", "maxLength": 254},
           "site": {"type": "string", "format": "uri"},
           "born": {"type": "string", "format": "date"},
           "at": {"type": "string", "format": "date-time"},
           "tags": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 20}, "maxItems": 5},
           "grid": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
           "address": {"type": "object", "properties": {"street": {"type": "string"},
                       "zip": {"type": "string", "minLength": 5, "maxLength": 10}},
                       "required": ["street", "zip"], "additionalProperties": false}},
         "required": ["title", "score", "age", "done", "id", "email", "born", "at", "tags", "grid"],
         "additionalProperties": false}""")
                .toString());
    assertThat(FieldTypes.zod(fields))
        .isEqualTo(
            "z.object({ title: z.string().min(1).max(200), score: z.number().min(0.5).max(9.5), "
                + "age: z.number().int().min(0), done: z.boolean(), id: z.string().uuid(), email: z.string().email().max(254), "
                + "site: z.string().url().optional(), born: z.string().date(), at: z.string().datetime({ offset: true }), "
                + "tags: z.array(z.string().min(1).max(20)).max(5), grid: z.array(z.array(z.number().int())), "
                + "address: z.object({ street: z.string(), zip: z.string().min(5).max(10) }).strict().optional() }).strict()");
  }

  @Test
  void every_mistake_is_reported_at_its_field() {
    assertThat(
            mistakes(
                """
        {"a": "strin", "b": "string(5..1)", "c": "boolean(1..2)", "d": "enum()", "e": "enum('x','x')",
         "f": "string(1.5..)", "g": "integer(..)", "h": "string extra", "i": 42, "j": {},
         "1bad": "string", "k": "enum('open", "l": "string[](-1..)", "m": "", "n": "string??"}"""))
        .extracting(Violation::path)
        .containsExactly(
            "/config/validation/a",
            "/config/validation/b",
            "/config/validation/c",
            "/config/validation/d",
            "/config/validation/e",
            "/config/validation/f",
            "/config/validation/g",
            "/config/validation/h",
            "/config/validation/i",
            "/config/validation/j",
            "/config/validation/1bad",
            "/config/validation/k",
            "/config/validation/l",
            "/config/validation/m",
            "/config/validation/n");
    assertThat(mistakes("{\"a\": \"strin\"}").getFirst().message())
        .startsWith("unknown type 'strin'");
    assertThat(mistakes("{\"b\": \"string(5..1)\"}").getFirst().message())
        .isEqualTo("the minimum 5 is above the maximum 1");
    assertThat(mistakes("[\"string\"]").getFirst().path()).isEqualTo("/config/validation");
    assertThat(mistakes("{\"o\": {\"p\": {\"q\": \"nope\"}}}").getFirst().path())
        .isEqualTo("/config/validation/o/p/q");
  }

  @Test
  void objects_nest_eight_deep_and_no_deeper() {
    assertThat(parse(nested(8))).isNotNull();
    assertThat(mistakes(nested(9)))
        .extracting(Violation::path)
        .containsExactly("/config/validation" + "/a".repeat(8));
  }

  /** {@code levels} objects, each the field {@code a} of the one before, the last with a string. */
  private static String nested(int levels) {
    return "{\"a\": ".repeat(levels - 1) + "{\"a\": \"string\"}" + "}".repeat(levels - 1);
  }

  /**
   * The JSON Schema (as the request validator checks it) and the Zod source (run in the sandbox,
   * with the bundled zod) accept and refuse the same values.
   */
  @Test
  void the_request_validator_and_zod_agree() throws Exception {
    var fields =
        parse(
            """
        {"title": "string(1..10)", "score": "number(0..1)", "n": "integer(-5..5)", "ok": "boolean", "id": "uuid",
         "email": "email", "born": "date", "status": "enum('a','b')", "tags": "string[](..2)", "note": "string?",
         "at": "datetime?", "inner?": {"x": "integer"}}""");
    String valid =
        """
        {"title": "t", "score": 0.5, "n": 3, "ok": true, "id": "123e4567-e89b-12d3-a456-426614174000",
         "email": "ada@example.com", "born": "1815-12-10", "status": "a", "tags": ["x"]}""";
    List<String> changes =
        List.of(
            "{}",
            "{\"note\": \"n\"}",
            "{\"at\": \"2025-01-01T00:00:00Z\"}",
            "{\"at\": \"2025-01-01T00:00:00+02:00\"}",
            "{\"inner\": {\"x\": 1}}",
            "{\"title\": \"\"}",
            "{\"title\": \"01234567890\"}",
            "{\"score\": 1.5}",
            "{\"score\": \"1\"}",
            "{\"n\": 2.5}",
            "{\"n\": -6}",
            "{\"ok\": 1}",
            "{\"id\": \"not-a-uuid\"}",
            "{\"email\": \"nope\"}",
            "{\"born\": \"1815-13-10\"}",
            "{\"status\": \"c\"}",
            "{\"tags\": [\"a\", \"b\", \"c\"]}",
            "{\"tags\": [1]}",
            "{\"extra\": 1}",
            "{\"inner\": {\"x\": 1, \"y\": 2}}",
            "{\"inner\": {}}",
            "{\"at\": \"yesterday\"}");
    var schema = CompiledSchema.of(FieldTypes.jsonSchema(fields));
    try (var sandbox = new ScriptSandbox(SandboxLimits.defaults())) {
      var check =
          sandbox.compile(
              "agree",
              "import { z } from 'zod';\nconst S = "
                  + FieldTypes.zod(fields)
                  + ";\nreturn ctx.values.map(v => S.safeParse(v).success);",
              ScriptLanguage.JAVASCRIPT);
      List<Object> values = new ArrayList<>();
      List<Boolean> validator = new ArrayList<>();
      for (String change : changes) {
        var value = (com.fasterxml.jackson.databind.node.ObjectNode) json(valid);
        value.setAll((com.fasterxml.jackson.databind.node.ObjectNode) json(change));
        values.add(Json.plain(value));
        validator.add(schema.violations(value, "").isEmpty());
      }
      var outcome = sandbox.run(check, Map.of("values", values), ScriptHost.NONE);
      assertThat(outcome).isInstanceOf(ScriptOutcome.Success.class);
      assertThat(((ScriptOutcome.Success) outcome).value())
          .as("zod, change by change: " + changes)
          .isEqualTo(validator);
      assertThat(validator.subList(0, 5)).containsOnly(true);
      assertThat(validator.subList(5, validator.size())).containsOnly(false);
    }
  }
}
