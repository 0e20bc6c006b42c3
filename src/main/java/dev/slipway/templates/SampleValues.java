package dev.slipway.templates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.templates.FieldType.Field;
import dev.slipway.templates.FieldType.Kind;
import dev.slipway.templates.FieldType.ListOf;
import dev.slipway.templates.FieldType.ObjectOf;
import dev.slipway.templates.FieldType.OneOf;
import dev.slipway.templates.FieldType.Scalar;
import java.math.BigDecimal;
import java.util.List;

/** Values for generated tests: one each field type accepts, and one of the wrong JSON type. */
public final class SampleValues {
  private SampleValues() {}

  /** A value the type accepts, within its bounds. */
  public static JsonNode valid(FieldType type) {
    var nodes = Json.MAPPER.getNodeFactory();
    return switch (type) {
      case OneOf(List<String> values) -> nodes.textNode(values.getFirst());
      case Scalar(Kind kind, var min, var max) ->
          switch (kind) {
            case STRING ->
                nodes.textNode(
                    "s"
                        .repeat(
                            Math.max(
                                min.map(BigDecimal::intValue).orElse(0),
                                Math.min(6, max.map(BigDecimal::intValue).orElse(6)))));
            case NUMBER, INTEGER ->
                nodes.numberNode(
                    min.orElse(max.map(m -> m.min(BigDecimal.ONE)).orElse(BigDecimal.ONE)));
            case BOOLEAN -> nodes.booleanNode(true);
            case UUID -> nodes.textNode("123e4567-e89b-42d3-a456-426614174000");
            case EMAIL ->
                nodes.textNode(
                    "a".repeat(Math.max(1, min.map(BigDecimal::intValue).orElse(0) - 12))
                        + "@example.com");
            case URL ->
                nodes.textNode(
                    "https://example.com/"
                        + "a".repeat(Math.max(0, min.map(BigDecimal::intValue).orElse(0) - 20)));
            case DATE -> nodes.textNode("2025-01-31");
            case DATETIME -> nodes.textNode("2025-01-31T12:00:00Z");
          };
      case ListOf(FieldType items, var min, var max) -> {
        ArrayNode list = Json.MAPPER.createArrayNode();
        for (int i = 0; i < Math.max(min.orElse(0), Math.min(1, max.orElse(1))); i++)
          list.add(valid(items));
        yield list;
      }
      case ObjectOf(List<Field> fields) -> object(fields);
    };
  }

  /** An object with a valid value for each of the fields, the optional ones too. */
  public static ObjectNode object(List<Field> fields) {
    ObjectNode object = Json.MAPPER.createObjectNode();
    fields.forEach(field -> object.set(field.name(), valid(field.type())));
    return object;
  }

  /**
   * A value of the wrong JSON type for the field: a string for numbers and booleans, a number
   * otherwise.
   */
  public static JsonNode wrong(FieldType type) {
    var nodes = Json.MAPPER.getNodeFactory();
    return type instanceof Scalar s
            && (s.kind() == Kind.NUMBER || s.kind() == Kind.INTEGER || s.kind() == Kind.BOOLEAN)
        ? nodes.textNode("not a " + s.kind().word())
        : nodes.numberNode(12345);
  }
}
