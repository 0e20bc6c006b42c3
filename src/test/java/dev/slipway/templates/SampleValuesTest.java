package dev.slipway.templates;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import dev.slipway.spec.CompiledSchema;
import java.util.ArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SampleValuesTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "string",
        "string(10..)",
        "string(..3)",
        "string(8..8)",
        "integer",
        "integer(5..)",
        "integer(..-2)",
        "number(0.5..0.7)",
        "boolean",
        "uuid",
        "email",
        "email(20..)",
        "url(30..)",
        "date",
        "datetime",
        "enum('b','a')",
        "string[]",
        "integer[](2..)",
        "date[](..0)",
        "string[](3..5)"
      })
  void the_sample_satisfies_the_fields_schema_and_the_wrong_value_does_not(String declared) {
    var violations = new ArrayList<Violation>();
    FieldType type =
        FieldTypes.parse(
                Json.parse("{\"f\": \"" + declared.replace("'", "\\u0027") + "\"}"), "", violations)
            .orElseThrow()
            .fields()
            .getFirst()
            .type();
    assertThat(violations).isEmpty();
    var schema = CompiledSchema.of(FieldTypes.jsonSchema(type));
    assertThat(schema.violations(SampleValues.valid(type), ""))
        .as(declared + ": " + SampleValues.valid(type))
        .isEmpty();
    assertThat(schema.violations(SampleValues.wrong(type), ""))
        .as(declared + ": " + SampleValues.wrong(type))
        .isNotEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings =
          "{\"name\": \"string(2..)\", \"tags\": \"string[]?\", \"address\": {\"zip\": \"string(5..5)\", \"n\": \"integer?\"}}")
  void an_object_sample_has_every_field_each_valid(String fields) {
    var violations = new ArrayList<Violation>();
    var object = FieldTypes.parse(Json.parse(fields), "", violations).orElseThrow();
    var sample = SampleValues.object(object.fields());
    assertThat(sample.properties())
        .extracting(java.util.Map.Entry::getKey)
        .containsExactly("name", "tags", "address");
    assertThat(CompiledSchema.of(FieldTypes.jsonSchema(object)).violations(sample, "")).isEmpty();
  }
}
