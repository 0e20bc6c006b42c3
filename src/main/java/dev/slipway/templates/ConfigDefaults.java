package dev.slipway.templates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A config with the defaults its schema declares filled in, so that a template's defaults live in
 * one place, its config schema, and the code that reads the config finds every field it may use.
 */
public final class ConfigDefaults {
  private ConfigDefaults() {}

  /**
   * A copy of {@code config} with each missing property that has a {@code default} set to it, in
   * nested objects too.
   */
  public static ObjectNode filled(JsonNode schema, JsonNode config) {
    ObjectNode copy = config.deepCopy();
    fill(schema, copy);
    return copy;
  }

  private static void fill(JsonNode schema, ObjectNode config) {
    schema
        .path("properties")
        .properties()
        .forEach(
            property -> {
              String name = property.getKey();
              JsonNode declared = property.getValue();
              if (!config.has(name) && declared.has("default"))
                config.set(name, declared.get("default").deepCopy());
              if (config.get(name) instanceof ObjectNode nested) fill(declared, nested);
            });
  }
}
