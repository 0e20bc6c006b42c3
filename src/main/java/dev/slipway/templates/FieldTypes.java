package dev.slipway.templates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import dev.slipway.templates.FieldType.Field;
import dev.slipway.templates.FieldType.Kind;
import dev.slipway.templates.FieldType.ListOf;
import dev.slipway.templates.FieldType.ObjectOf;
import dev.slipway.templates.FieldType.OneOf;
import dev.slipway.templates.FieldType.Scalar;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The validation mini-language of templates: an object of fields, each a type expression or a
 * nested object of fields.
 *
 * <pre>
 * type     := base bounds? ("[]" bounds?)* "?"?
 * base     := string | number | integer | boolean | uuid | email | url | date | datetime
 *           | enum('a', 'b', ...)
 * bounds   := "(" min? ".." max? ")"   lengths for string, email, url; values for number, integer;
 *                                      item counts after "[]"
 * </pre>
 *
 * A trailing {@code ?} (on the type, or on the field's name for a nested object) makes a field
 * optional: it may be left out, not sent as null. Objects accept no fields besides their own.
 * {@link #parse} reports every mistake with its JSON pointer; {@link #jsonSchema} and {@link #zod}
 * write the same type for the request validator and for TypeScript clients.
 */
public final class FieldTypes {

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
  private static final int MAX_DEPTH = 8;

  private FieldTypes() {}

  /**
   * Parses an object of fields.
   *
   * @param at the JSON pointer of {@code fields} in the request, for violations
   * @return the fields, or empty with {@code violations} added to
   */
  public static Optional<ObjectOf> parse(JsonNode fields, String at, List<Violation> violations) {
    int before = violations.size();
    ObjectOf object = object(fields, at, 0, violations);
    return violations.size() == before ? Optional.of(object) : Optional.empty();
  }

  private static ObjectOf object(
      JsonNode fields, String at, int depth, List<Violation> violations) {
    if (fields == null || !fields.isObject() || fields.isEmpty()) {
      violations.add(
          new Violation(
              at, "must be an object of at least one field, such as {\"name\": \"string\"}"));
      return new ObjectOf(List.of());
    }
    if (depth >= MAX_DEPTH) {
      violations.add(new Violation(at, "objects nest at most " + MAX_DEPTH + " deep"));
      return new ObjectOf(List.of());
    }
    List<Field> parsed = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Map.Entry<String, JsonNode> entry : fields.properties()) {
      String key = entry.getKey();
      String where = at + "/" + key.replace("~", "~0").replace("/", "~1");
      boolean optionalName = key.endsWith("?");
      String name = optionalName ? key.substring(0, key.length() - 1) : key;
      if (!NAME.matcher(name).matches()) {
        violations.add(
            new Violation(
                where, "a field name is a letter or _ then letters, digits or _ (at most 63)"));
        continue;
      }
      if (!names.add(name)) {
        violations.add(new Violation(where, "the field '" + name + "' is declared twice"));
        continue;
      }
      JsonNode value = entry.getValue();
      if (value.isObject()) {
        parsed.add(new Field(name, object(value, where, depth + 1, violations), optionalName));
      } else if (value.isTextual()) {
        try {
          var reader = new Reader(value.asText());
          FieldType type = reader.type();
          boolean optional = reader.take("?");
          reader.end();
          parsed.add(new Field(name, type, optional || optionalName));
        } catch (SyntaxError e) {
          violations.add(new Violation(where, e.getMessage()));
        }
      } else {
        violations.add(
            new Violation(
                where, "must be a type such as \"string(1..200)\" or an object of fields"));
      }
    }
    return new ObjectOf(parsed);
  }

  /** The JSON Schema (2020-12 keywords) of {@code type}: what the request validator enforces. */
  public static ObjectNode jsonSchema(FieldType type) {
    ObjectNode schema = Json.MAPPER.createObjectNode();
    switch (type) {
      case Scalar(Kind kind, Optional<BigDecimal> min, Optional<BigDecimal> max) -> {
        schema.put("type", kind.jsonType);
        if (kind.format != null) schema.put("format", kind.format);
        if (kind.lengthBounds) {
          min.ifPresent(m -> schema.put("minLength", m.intValueExact()));
          max.ifPresent(m -> schema.put("maxLength", m.intValueExact()));
        } else {
          min.ifPresent(m -> schema.set("minimum", number(m)));
          max.ifPresent(m -> schema.set("maximum", number(m)));
        }
      }
      case OneOf(List<String> values) -> {
        schema.put("type", "string");
        ArrayNode allowed = schema.putArray("enum");
        values.forEach(allowed::add);
      }
      case ListOf(FieldType items, Optional<Integer> minItems, Optional<Integer> maxItems) -> {
        schema.put("type", "array");
        schema.set("items", jsonSchema(items));
        minItems.ifPresent(m -> schema.put("minItems", m));
        maxItems.ifPresent(m -> schema.put("maxItems", m));
      }
      case ObjectOf(List<Field> fields) -> {
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = Json.MAPPER.createArrayNode();
        for (Field field : fields) {
          properties.set(field.name(), jsonSchema(field.type()));
          if (!field.optional()) required.add(field.name());
        }
        if (!required.isEmpty()) schema.set("required", required);
        schema.put("additionalProperties", false);
      }
    }
    return schema;
  }

  /** A bound as JSON: a whole number as an integer (0, not 0.0), any other exactly as written. */
  private static JsonNode number(BigDecimal value) {
    BigDecimal plain = value.stripTrailingZeros();
    return plain.scale() <= 0 && plain.precision() - plain.scale() < 19
        ? Json.MAPPER.getNodeFactory().numberNode(plain.longValueExact())
        : Json.MAPPER.getNodeFactory().numberNode(value);
  }

  /** The same type as Zod 3 source, e.g. {@code z.object({ name: z.string().min(1) }).strict()}. */
  public static String zod(FieldType type) {
    return switch (type) {
      case Scalar(Kind kind, Optional<BigDecimal> min, Optional<BigDecimal> max) -> {
        String base =
            switch (kind) {
              case STRING -> "z.string()";
              case NUMBER -> "z.number()";
              case INTEGER -> "z.number().int()";
              case BOOLEAN -> "z.boolean()";
              case UUID -> "z.string().uuid()";
              case EMAIL -> "z.string().email()";
              case URL -> "z.string().url()";
              case DATE -> "z.string().date()";
              case DATETIME -> "z.string().datetime({ offset: true })";
            };
        yield base
            + min.map(m -> ".min(" + m.toPlainString() + ")").orElse("")
            + max.map(m -> ".max(" + m.toPlainString() + ")").orElse("");
      }
      case OneOf(List<String> values) ->
          "z.enum([" + String.join(", ", values.stream().map(FieldTypes::quote).toList()) + "])";
      case ListOf(FieldType items, Optional<Integer> minItems, Optional<Integer> maxItems) ->
          "z.array("
              + zod(items)
              + ")"
              + minItems.map(m -> ".min(" + m + ")").orElse("")
              + maxItems.map(m -> ".max(" + m + ")").orElse("");
      case ObjectOf(List<Field> fields) -> {
        var body = new StringBuilder("z.object({");
        for (int i = 0; i < fields.size(); i++) {
          Field field = fields.get(i);
          body.append(i == 0 ? " " : ", ")
              .append(field.name())
              .append(": ")
              .append(zod(field.type()));
          if (field.optional()) body.append(".optional()");
        }
        yield body.append(fields.isEmpty() ? "" : " ").append("}).strict()").toString();
      }
    };
  }

  private static String quote(String text) {
    try {
      return Json.MAPPER.writeValueAsString(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a string always serializes", e);
    }
  }

  /** A type expression's mistake; the message names what was expected where. */
  private static final class SyntaxError extends Exception {
    SyntaxError(String message) {
      super(message, null, false, false);
    }
  }

  /** Reads one type expression, left to right. */
  private static final class Reader {
    private final String text;
    private int at;

    Reader(String text) {
      this.text = text;
    }

    FieldType type() throws SyntaxError {
      skipSpaces();
      int start = at;
      while (at < text.length() && Character.isLetter(text.charAt(at))) at++;
      String word = text.substring(start, at);
      FieldType type;
      if (word.equals("enum")) {
        type = new OneOf(enumValues());
      } else {
        Kind kind = kindOf(word);
        Optional<BigDecimal[]> bounds = bounds(kind.word());
        if (bounds.isPresent() && !kind.bounded()) {
          throw new SyntaxError(
              "'"
                  + word
                  + "' takes no bounds; they apply to string, email, url, number and integer");
        }
        BigDecimal min = bounds.map(b -> b[0]).orElse(null);
        BigDecimal max = bounds.map(b -> b[1]).orElse(null);
        if (kind.lengthBounds || kind == Kind.INTEGER) {
          wholeAtLeastZero(min, kind.lengthBounds ? "a length" : null);
          wholeAtLeastZero(max, kind.lengthBounds ? "a length" : null);
        }
        type = new Scalar(kind, Optional.ofNullable(min), Optional.ofNullable(max));
      }
      while (take("[]")) {
        Optional<BigDecimal[]> counts = bounds("a list");
        if (counts.isPresent()) {
          wholeAtLeastZero(counts.get()[0], "an item count");
          wholeAtLeastZero(counts.get()[1], "an item count");
        }
        Integer minItems = counts.map(b -> count(b[0])).orElse(null);
        Integer maxItems = counts.map(b -> count(b[1])).orElse(null);
        type = new ListOf(type, Optional.ofNullable(minItems), Optional.ofNullable(maxItems));
      }
      return type;
    }

    private static Kind kindOf(String word) throws SyntaxError {
      for (Kind kind : Kind.values()) {
        if (kind.word().equals(word)) return kind;
      }
      throw new SyntaxError(
          (word.isEmpty() ? "a type is missing" : "unknown type '" + word + "'")
              + ": use string, number, integer, boolean, uuid, email, url, date, datetime or enum('a','b')");
    }

    private List<String> enumValues() throws SyntaxError {
      expect("(", "enum needs its values in parentheses: enum('a','b')");
      List<String> values = new ArrayList<>();
      do {
        skipSpaces();
        if (at >= text.length() || (text.charAt(at) != '\'' && text.charAt(at) != '"')) {
          throw new SyntaxError("enum values are quoted strings: enum('a','b')");
        }
        char quote = text.charAt(at++);
        int close = text.indexOf(quote, at);
        if (close < 0) throw new SyntaxError("an enum value's quote is not closed");
        String value = text.substring(at, close);
        at = close + 1;
        if (value.isEmpty()) throw new SyntaxError("an enum value cannot be empty");
        if (values.contains(value))
          throw new SyntaxError("the enum value '" + value + "' is listed twice");
        values.add(value);
        skipSpaces();
      } while (take(","));
      expect(")", "expected , or ) after an enum value");
      return values;
    }

    /** {@code (min..max)} with either end left out, or empty when there are no parentheses. */
    private Optional<BigDecimal[]> bounds(String of) throws SyntaxError {
      if (!take("(")) return Optional.empty();
      BigDecimal min = number();
      expect(
          "..", "bounds are written (min..max), either may be left out: (1..200), (0..), (..10)");
      BigDecimal max = number();
      expect(")", "expected ) after the bounds of " + of);
      if (min == null && max == null)
        throw new SyntaxError("bounds need a minimum, a maximum or both");
      if (min != null && max != null && min.compareTo(max) > 0) {
        throw new SyntaxError(
            "the minimum " + min.toPlainString() + " is above the maximum " + max.toPlainString());
      }
      return Optional.of(new BigDecimal[] {min, max});
    }

    private BigDecimal number() throws SyntaxError {
      skipSpaces();
      int start = at;
      if (at < text.length() && text.charAt(at) == '-') at++;
      while (at < text.length()
          && (Character.isDigit(text.charAt(at))
              || (text.charAt(at) == '.' && !text.startsWith("..", at)))) at++;
      String digits = text.substring(start, at);
      if (digits.isEmpty()) return null;
      try {
        return new BigDecimal(digits);
      } catch (NumberFormatException e) {
        throw new SyntaxError("'" + digits + "' is not a number");
      }
    }

    private static void wholeAtLeastZero(BigDecimal value, String what) throws SyntaxError {
      if (value == null) return;
      if (value.stripTrailingZeros().scale() > 0) {
        throw new SyntaxError(
            (what == null ? "an integer's bound" : what)
                + " must be a whole number, not "
                + value.toPlainString());
      }
      if (what != null && value.signum() < 0) throw new SyntaxError(what + " cannot be negative");
    }

    private static Integer count(BigDecimal value) {
      return value == null ? null : value.intValue();
    }

    boolean take(String token) {
      skipSpaces();
      if (text.startsWith(token, at)) {
        at += token.length();
        return true;
      }
      return false;
    }

    private void expect(String token, String otherwise) throws SyntaxError {
      if (!take(token)) throw new SyntaxError(otherwise);
    }

    void end() throws SyntaxError {
      skipSpaces();
      if (at < text.length()) {
        throw new SyntaxError(
            "unexpected '"
                + text.substring(at)
                + "' after the type (only [] and a final ? may follow)");
      }
    }

    private void skipSpaces() {
      while (at < text.length() && text.charAt(at) == ' ') at++;
    }
  }
}
