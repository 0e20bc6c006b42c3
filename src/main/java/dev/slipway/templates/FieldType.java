package dev.slipway.templates;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/** The type of one field in the validation mini-language, after parsing. */
public sealed interface FieldType {

  /** Whether the field is one value (a scalar or an enum), which lists can filter and sort by. */
  default boolean plain() {
    return this instanceof Scalar || this instanceof OneOf;
  }

  /** The scalar kinds, with the JSON Schema type and format each becomes. */
  enum Kind {
    STRING("string", null, true),
    NUMBER("number", null, false),
    INTEGER("integer", null, false),
    BOOLEAN("boolean", null, false),
    UUID("string", "uuid", false),
    EMAIL("string", "email", true),
    URL("string", "uri", true),
    DATE("string", "date", false),
    DATETIME("string", "date-time", false);

    final String jsonType;
    final String format;

    /**
     * Whether bounds are lengths (strings) rather than values (numbers); neither when no bounds
     * apply.
     */
    final boolean lengthBounds;

    Kind(String jsonType, String format, boolean lengthBounds) {
      this.jsonType = jsonType;
      this.format = format;
      this.lengthBounds = lengthBounds;
    }

    /** The word the mini-language uses. */
    public String word() {
      return name().toLowerCase();
    }

    /** Whether bounds are lengths (strings) rather than values (numbers). */
    public boolean measuresLength() {
      return lengthBounds;
    }

    boolean bounded() {
      return lengthBounds || this == NUMBER || this == INTEGER;
    }
  }

  /** {@code string}, {@code integer(0..)}, {@code email(..254)}: a value, with optional bounds. */
  record Scalar(Kind kind, Optional<BigDecimal> min, Optional<BigDecimal> max)
      implements FieldType {}

  /** {@code enum('active','archived')}: one of these strings. */
  record OneOf(List<String> values) implements FieldType {
    public OneOf {
      values = List.copyOf(values);
    }
  }

  /** {@code string[]}, {@code integer[](1..10)}: a list, with optional bounds on its size. */
  record ListOf(FieldType items, Optional<Integer> minItems, Optional<Integer> maxItems)
      implements FieldType {}

  /** A nested object: its fields, in order; no others are accepted. */
  record ObjectOf(List<Field> fields) implements FieldType {
    public ObjectOf {
      fields = List.copyOf(fields);
    }
  }

  /** A named field; an optional one may be left out (but not sent as null). */
  record Field(String name, FieldType type, boolean optional) {}
}
