package dev.slipway.templates;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import org.junit.jupiter.api.Test;

class ConfigDefaultsTest {
  private static final String SCHEMA =
      """
      { "properties": {
          "mode": { "default": "fast" },
          "size": { "default": 3 },
          "nested": { "default": {}, "properties": { "depth": { "default": 2 }, "name": { "default": "n" } } },
          "plain": { "type": "string" } } }""";

  @Test
  void missing_properties_get_the_schemas_defaults_nested_objects_too() {
    var config = Json.parse("{\"size\": 7, \"nested\": {\"name\": \"given\"}}");
    var filled = ConfigDefaults.filled(Json.parse(SCHEMA), config);
    assertThat(filled.toString())
        .isEqualTo("{\"size\":7,\"nested\":{\"name\":\"given\",\"depth\":2},\"mode\":\"fast\"}");
    assertThat(filled.has("plain")).isFalse();
    assertThat(config.toString())
        .as("the config given is left as it was")
        .isEqualTo("{\"size\":7,\"nested\":{\"name\":\"given\"}}");
  }

  @Test
  void a_defaulted_object_is_filled_with_its_own_defaults() {
    var filled = ConfigDefaults.filled(Json.parse(SCHEMA), Json.parse("{}"));
    assertThat(filled.path("nested").toString()).isEqualTo("{\"depth\":2,\"name\":\"n\"}");
  }
}
