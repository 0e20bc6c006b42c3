package dev.slipway.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A JSON Schema of the common, simple kind compiled to direct checks on plain values: fields such
 * as {@code {type: integer, minimum: 1}} or {@code {type: string, format: uuid}}, and bodies made
 * of objects and arrays of those. Checking directly costs a fraction of the general validator on
 * every request. Only schemas made of the keywords below compile; any other keyword leaves the
 * whole schema to the general validator, so the answer never differs, only its cost (a test holds
 * the two to the same verdicts).
 */
final class SimpleSchema {
  private static final Set<String> KEYWORDS =
      Set.of(
          "type",
          "format",
          "enum",
          "minimum",
          "maximum",
          "exclusiveMinimum",
          "exclusiveMaximum",
          "minLength",
          "maxLength",
          "pattern",
          "properties",
          "additionalProperties",
          "items",
          "minItems",
          "maxItems",
          // annotations: no effect on validity
          "title",
          "description",
          "default",
          "examples",
          "deprecated",
          "readOnly",
          "writeOnly",
          "$comment",
          "required");

  /**
   * Formats checked here; others (email, date-time, ...) go to the general validator, whose rules
   * differ in detail.
   */
  private static final Set<String> FORMATS = Set.of("uuid");

  private static final Set<String> TYPES =
      Set.of("string", "integer", "number", "boolean", "object", "array", "null");
  private static final Pattern UUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  /** The JSON types, resolved once so that each value's check is a switch on an enum. */
  private enum Type {
    STRING,
    INTEGER,
    NUMBER,
    BOOLEAN,
    OBJECT,
    ARRAY,
    NULL
  }

  private final Type type;
  private final String format;
  private final List<Object> enumValues;
  private final String enumText;
  private final Double minimum;
  private final Double maximum;
  private final Double exclusiveMinimum;
  private final Double exclusiveMaximum;
  private final Integer minLength;
  private final Integer maxLength;
  private final Pattern pattern;
  private final Map<String, SimpleSchema> properties;
  private final List<String> required;
  private final boolean additionalProperties;
  private final SimpleSchema items;
  private final Integer minItems;
  private final Integer maxItems;

  private SimpleSchema(JsonNode schema, Map<String, SimpleSchema> properties, SimpleSchema items) {
    this.type =
        schema.path("type").isTextual()
            ? Type.valueOf(schema.get("type").asText().toUpperCase(Locale.ROOT))
            : null;
    this.format =
        schema.path("format").isTextual() && FORMATS.contains(schema.get("format").asText())
            ? schema.get("format").asText()
            : null;
    this.enumValues = schema.has("enum") ? numbersAsDoubles(Json.plain(schema.get("enum"))) : null;
    this.enumText = schema.has("enum") ? schema.get("enum").toString().replace(",", ", ") : null;
    this.minimum = number(schema, "minimum");
    this.maximum = number(schema, "maximum");
    this.exclusiveMinimum = number(schema, "exclusiveMinimum");
    this.exclusiveMaximum = number(schema, "exclusiveMaximum");
    this.minLength = schema.has("minLength") ? schema.get("minLength").asInt() : null;
    this.maxLength = schema.has("maxLength") ? schema.get("maxLength").asInt() : null;
    this.pattern = schema.has("pattern") ? Pattern.compile(schema.get("pattern").asText()) : null;
    this.properties = properties;
    this.required = new ArrayList<>();
    if (schema.path("required").isArray())
      schema.get("required").forEach(name -> required.add(name.asText()));
    this.additionalProperties =
        !schema.path("additionalProperties").isBoolean()
            || schema.get("additionalProperties").asBoolean();
    this.items = items;
    this.minItems = schema.has("minItems") ? schema.get("minItems").asInt() : null;
    this.maxItems = schema.has("maxItems") ? schema.get("maxItems").asInt() : null;
  }

  /** The compiled checks, or empty when the schema needs the general validator. */
  static Optional<SimpleSchema> compile(JsonNode schema) {
    if (!schema.isObject()) return Optional.empty();
    for (var names = schema.fieldNames(); names.hasNext(); ) {
      if (!KEYWORDS.contains(names.next())) return Optional.empty();
    }
    JsonNode type = schema.get("type");
    if (type != null && !(type.isTextual() && TYPES.contains(type.asText())))
      return Optional.empty();
    if (schema.has("format")
        && !(schema.get("format").isTextual() && FORMATS.contains(schema.get("format").asText()))) {
      return Optional.empty();
    }
    if (schema.has("enum")) {
      if (!schema.get("enum").isArray()) return Optional.empty();
      for (JsonNode item : schema.get("enum")) if (item.isContainerNode()) return Optional.empty();
    }
    if (schema.has("pattern")) {
      try {
        Pattern.compile(schema.get("pattern").asText());
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }
    for (String numeric : List.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")) {
      if (schema.has(numeric) && !schema.get(numeric).isNumber()) return Optional.empty();
    }
    for (String count : List.of("minLength", "maxLength", "minItems", "maxItems")) {
      if (schema.has(count) && !schema.get(count).canConvertToInt()) return Optional.empty();
    }
    if (schema.has("required")
        && !schema.get("required").isArray()
        && !schema.get("required").isBoolean()) return Optional.empty();
    if (schema.has("additionalProperties") && !schema.get("additionalProperties").isBoolean())
      return Optional.empty();
    var properties = new LinkedHashMap<String, SimpleSchema>();
    if (schema.has("properties")) {
      if (!schema.get("properties").isObject()) return Optional.empty();
      for (var property : schema.get("properties").properties()) {
        Optional<SimpleSchema> compiled = compile(property.getValue());
        if (compiled.isEmpty()) return Optional.empty();
        properties.put(property.getKey(), compiled.get());
      }
    }
    SimpleSchema items = null;
    if (schema.has("items")) {
      Optional<SimpleSchema> compiled = compile(schema.get("items"));
      if (compiled.isEmpty()) return Optional.empty();
      items = compiled.get();
    }
    return Optional.of(new SimpleSchema(schema, properties, items));
  }

  /**
   * Adds a violation at {@code path} for each way {@code value} (already coerced) breaks the
   * schema.
   */
  void check(Object value, String path, List<Violation> violations) {
    check(value, new Where(null, path, -1), violations);
  }

  /**
   * Where a value is: a parent and a property name or an array index. The JSON pointer is only
   * spelled out for a violation, so a valid array of a thousand items builds no strings.
   */
  private record Where(Where parent, String name, int index) {
    Where property(String property) {
      return new Where(this, property, -1);
    }

    Where item(int i) {
      return new Where(this, null, i);
    }

    @Override
    public String toString() {
      String here = name != null ? name : String.valueOf(index);
      return parent == null ? here : parent + "/" + here;
    }
  }

  private void check(Object value, Where where, List<Violation> violations) {
    if (type != null && !hasType(value)) {
      violations.add(
          new Violation(
              where.toString(),
              typeName(value) + " found, " + type.name().toLowerCase(Locale.ROOT) + " expected"));
      return;
    }
    if (enumValues != null
        && !enumValues.contains(value instanceof Number n ? (Object) n.doubleValue() : value)) {
      violations.add(
          new Violation(where.toString(), "does not have a value in the enumeration " + enumText));
    }
    if (value instanceof Number number) {
      double n = number.doubleValue();
      if (minimum != null && n < minimum)
        violations.add(
            new Violation(where.toString(), "must have a minimum value of " + show(minimum)));
      if (maximum != null && n > maximum)
        violations.add(
            new Violation(where.toString(), "must have a maximum value of " + show(maximum)));
      if (exclusiveMinimum != null && n <= exclusiveMinimum) {
        violations.add(
            new Violation(
                where.toString(),
                "must have an exclusive minimum value of " + show(exclusiveMinimum)));
      }
      if (exclusiveMaximum != null && n >= exclusiveMaximum) {
        violations.add(
            new Violation(
                where.toString(),
                "must have an exclusive maximum value of " + show(exclusiveMaximum)));
      }
    }
    if (value instanceof String text) {
      int length = text.codePointCount(0, text.length());
      if (minLength != null && length < minLength)
        violations.add(
            new Violation(where.toString(), "must be at least " + minLength + " characters long"));
      if (maxLength != null && length > maxLength)
        violations.add(
            new Violation(where.toString(), "must be at most " + maxLength + " characters long"));
      if (pattern != null && !pattern.matcher(text).find()) {
        violations.add(
            new Violation(
                where.toString(), "does not match the regex pattern " + pattern.pattern()));
      }
      if (format != null && !matchesFormat(text))
        violations.add(new Violation(where.toString(), "does not match the " + format + " format"));
    }
    if (value instanceof Map<?, ?> object) {
      for (String name : required) {
        if (!object.containsKey(name))
          violations.add(
              new Violation(
                  where.property(name).toString(), "required property '" + name + "' not found"));
      }
      for (var entry : object.entrySet()) {
        String name = String.valueOf(entry.getKey());
        SimpleSchema property = properties.get(name);
        if (property != null) {
          property.check(entry.getValue(), where.property(name), violations);
        } else if (!additionalProperties) {
          violations.add(
              new Violation(
                  where.property(name).toString(),
                  "property '"
                      + name
                      + "' is not defined in the schema and the schema does not allow additional properties"));
        }
      }
    }
    if (value instanceof List<?> list) {
      if (minItems != null && list.size() < minItems)
        violations.add(
            new Violation(
                where.toString(),
                "must have at least " + minItems + " items but found " + list.size()));
      if (maxItems != null && list.size() > maxItems)
        violations.add(
            new Violation(
                where.toString(),
                "must have at most " + maxItems + " items but found " + list.size()));
      if (items != null) {
        for (int i = 0; i < list.size(); i++) items.check(list.get(i), where.item(i), violations);
      }
    }
  }

  private boolean hasType(Object value) {
    return switch (type) {
      case STRING -> value instanceof String;
      case INTEGER ->
          value instanceof Long
              || value instanceof java.math.BigInteger
              || (value instanceof Double d && d == Math.rint(d) && !d.isInfinite());
      case NUMBER -> value instanceof Number;
      case BOOLEAN -> value instanceof Boolean;
      case OBJECT -> value instanceof Map;
      case ARRAY -> value instanceof List;
      case NULL -> value == null;
    };
  }

  private boolean matchesFormat(String text) {
    return switch (format) {
      case "uuid" -> UUID.matcher(text).matches();
      default -> true;
    };
  }

  private static String typeName(Object value) {
    return switch (value) {
      case null -> "null";
      case String ignored -> "string";
      case Long ignored -> "integer";
      case java.math.BigInteger ignored -> "integer";
      case Number ignored -> "number";
      case Boolean ignored -> "boolean";
      case List<?> ignored -> "array";
      default -> "object";
    };
  }

  private static Double number(JsonNode schema, String keyword) {
    return schema.has(keyword) ? schema.get(keyword).asDouble() : null;
  }

  private static List<Object> numbersAsDoubles(Object values) {
    var result = new ArrayList<Object>();
    for (Object value : (List<?>) values)
      result.add(value instanceof Number n ? n.doubleValue() : value);
    return result;
  }

  private static String show(double n) {
    return n == Math.rint(n) ? String.valueOf((long) n) : String.valueOf(n);
  }
}
