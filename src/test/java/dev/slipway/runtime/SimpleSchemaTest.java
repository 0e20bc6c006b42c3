package dev.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import dev.slipway.spec.CompiledSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The direct checks accept and reject exactly what the general JSON Schema validator does, the
 * values at each bound included (lengths 2 and 5, 1 and 3 items, 1 and 100).
 */
class SimpleSchemaTest {
  private static final List<String> SCHEMAS =
      List.of(
          "{\"type\": \"string\", \"format\": \"uuid\"}",
          "{\"type\": \"integer\", \"minimum\": 1, \"maximum\": 100, \"default\": 20}",
          "{\"type\": \"number\", \"exclusiveMinimum\": 0, \"exclusiveMaximum\": 1.5}",
          "{\"type\": \"string\", \"minLength\": 2, \"maxLength\": 5, \"pattern\": \"^[a-z]+$\"}",
          "{\"enum\": [\"active\", \"archived\", 3]}",
          "{\"type\": \"boolean\"}",
          "{\"type\": \"string\", \"description\": \"free text\"}",
          "{}",
          "{\"type\": \"object\", \"required\": [\"name\", \"orgId\"], \"additionalProperties\": false, \"properties\": {"
              + "\"name\": {\"type\": \"string\", \"minLength\": 1}, \"orgId\": {\"type\": \"string\", \"format\": \"uuid\"},"
              + "\"status\": {\"enum\": [\"active\", \"archived\"]}}}",
          "{\"type\": \"object\", \"properties\": {\"items\": {\"type\": \"array\", \"maxItems\": 3, \"minItems\": 1,"
              + " \"items\": {\"type\": \"number\"}}}}",
          "{\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"integer\"}}}}",
          "{\"type\": \"null\"}");
  private static final List<Object> VALUES =
      java.util.Arrays.asList(
          null,
          "00000000-0000-4000-8000-000000000001",
          "not-a-uuid",
          "ABCDEF00-0000-4000-8000-00000000000A",
          "",
          "a",
          "ab",
          "abc",
          "abcde",
          "abcdef",
          "ABC",
          "active",
          "bogus",
          0L,
          1L,
          3L,
          20L,
          100L,
          101L,
          -5L,
          0.0,
          0.5,
          1.5,
          3.0,
          2.5,
          true,
          false,
          "true",
          "😀😀",
          Map.of(),
          Map.of("name", "x", "orgId", "00000000-0000-4000-8000-000000000001"),
          Map.of("name", "", "orgId", "nope", "status", "bogus"),
          Map.of("name", "x", "orgId", "00000000-0000-4000-8000-000000000001", "extra", 1L),
          Map.of("items", List.of(1L, 2.5)),
          Map.of("items", List.of()),
          Map.of("items", List.of(1L)),
          Map.of("items", List.of(1L, 2L, 3L)),
          Map.of("items", List.of(1L, 2L, 3L, 4L)),
          Map.of("items", List.of(1L, "two")),
          List.of(),
          List.of(Map.of("n", 1L), Map.of("n", 1.5)),
          List.of(Map.of("n", "x")));

  @Test
  void finds_the_same_violations_at_the_same_paths_as_the_general_validator() throws Exception {
    for (String text : SCHEMAS) {
      var schema = Json.MAPPER.readTree(text);
      SimpleSchema direct =
          SimpleSchema.compile(schema)
              .orElseThrow(() -> new AssertionError("no direct check for " + text));
      CompiledSchema general = CompiledSchema.of(schema);
      for (Object value : VALUES) {
        var directViolations = new ArrayList<Violation>();
        direct.check(value, "/x", directViolations);
        var generalViolations = general.violations(Json.MAPPER.valueToTree(value), "/x");
        assertThat(directViolations.stream().map(Violation::path).distinct().sorted().toList())
            .as(text + " on " + value + ": " + directViolations + " against " + generalViolations)
            .isEqualTo(
                generalViolations.stream().map(Violation::path).distinct().sorted().toList());
      }
    }
  }

  @Test
  void leaves_other_keywords_to_the_general_validator() throws Exception {
    for (String text :
        List.of(
            "{\"type\": \"array\", \"items\": [{\"type\": \"string\"}]}",
            "{\"additionalProperties\": {\"type\": \"string\"}}",
            "{\"type\": [\"string\", \"null\"]}",
            "{\"format\": \"email\"}",
            "{\"oneOf\": [{\"type\": \"string\"}]}",
            "{\"type\": \"string\", \"const\": \"x\"}")) {
      assertThat(SimpleSchema.compile(Json.MAPPER.readTree(text))).as(text).isEmpty();
    }
  }
}
