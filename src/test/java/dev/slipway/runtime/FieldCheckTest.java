package dev.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.spec.CompiledSchema;
import dev.slipway.spec.Json;
import dev.slipway.spec.Violation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The direct checks accept and reject exactly what the general JSON Schema validator does. */
class FieldCheckTest {
  private static final List<String> SCHEMAS = List.of(
      "{\"type\": \"string\", \"format\": \"uuid\"}",
      "{\"type\": \"integer\", \"minimum\": 1, \"maximum\": 100, \"default\": 20}",
      "{\"type\": \"number\", \"exclusiveMinimum\": 0, \"exclusiveMaximum\": 1.5}",
      "{\"type\": \"string\", \"minLength\": 2, \"maxLength\": 5, \"pattern\": \"^[a-z]+$\"}",
      "{\"enum\": [\"active\", \"archived\", 3]}",
      "{\"type\": \"boolean\"}",
      "{\"type\": \"string\", \"description\": \"free text\"}",
      "{}");
  private static final List<Object> VALUES = List.of(
      "00000000-0000-4000-8000-000000000001", "not-a-uuid", "ABCDEF00-0000-4000-8000-00000000000A", "",
      "a", "abc", "abcdef", "ABC", "active", "bogus", 0L, 1L, 3L, 20L, 100L, 101L, -5L, 0.0, 0.5, 1.5, 3.0, 2.5,
      true, false, "true", "😀😀");

  @Test
  void agrees_with_the_general_validator_on_every_value() throws Exception {
    for (String text : SCHEMAS) {
      var schema = Json.MAPPER.readTree(text);
      FieldCheck direct = FieldCheck.compile(schema).orElseThrow(() -> new AssertionError("no direct check for " + text));
      CompiledSchema general = CompiledSchema.of(schema);
      for (Object value : VALUES) {
        var directViolations = new ArrayList<Violation>();
        direct.check(value, "/x", directViolations);
        boolean generalValid = general.violations(Json.MAPPER.valueToTree(value), "/x").isEmpty();
        assertThat(directViolations.isEmpty()).as(text + " on " + value + ": " + directViolations).isEqualTo(generalValid);
      }
    }
  }

  @Test
  void leaves_other_keywords_to_the_general_validator() throws Exception {
    for (String text : List.of("{\"type\": \"array\"}", "{\"type\": [\"string\", \"null\"]}", "{\"format\": \"email\"}",
        "{\"oneOf\": [{\"type\": \"string\"}]}", "{\"type\": \"string\", \"const\": \"x\"}")) {
      assertThat(FieldCheck.compile(Json.MAPPER.readTree(text))).as(text).isEmpty();
    }
  }
}
