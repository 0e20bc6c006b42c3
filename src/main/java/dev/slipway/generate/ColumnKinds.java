package dev.slipway.generate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.generate.DatabaseSchema.Column;
import dev.slipway.generate.DatabaseSchema.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a column's PostgreSQL type means to a generated endpoint: its JSON Schema, a sample. */
final class ColumnKinds {
  private static final Pattern LITERAL = Pattern.compile("'((?:[^']|'')*)'");
  private static final Pattern LENGTH = Pattern.compile("\\((\\d+)\\)");

  private ColumnKinds() {}

  static boolean isText(Column column) {
    String type = column.type();
    return type.equals("text")
        || type.startsWith("character varying")
        || type.startsWith("character(")
        || type.equals("citext");
  }

  static boolean isTime(Column column) {
    return column.type().startsWith("timestamp") || column.type().equals("date");
  }

  static boolean isInteger(Column column) {
    return List.of("integer", "bigint", "smallint").contains(column.type());
  }

  /** Whether it holds a number with a fraction: {@code numeric}, {@code real}, {@code double}. */
  static boolean isDecimal(Column column) {
    String type = column.type();
    return type.startsWith("numeric") || type.equals("real") || type.equals("double precision");
  }

  /** Whether a filter on it is an equality a caller would send: not json, binary or a list. */
  static boolean filterable(Column column) {
    return !column.type().startsWith("json")
        && !column.type().equals("bytea")
        && !column.type().endsWith("[]");
  }

  /**
   * The values a check constraint of the table allows the column ({@code status in ('a', 'b')}), or
   * those of its enum type; empty when neither says.
   */
  static List<String> allowed(Table table, Column column, DatabaseSchema schema) {
    for (var type : schema.enums())
      if (type.qualifiedName().equals(column.type())) return type.values();
    for (var check : table.checks()) {
      String expression = check.expression();
      if (!Pattern.compile(
              "(^|[^a-z0-9_\"])\"?"
                  + Pattern.quote(column.name())
                  + "\"?\\)?(::[a-z ]+)?\\s*(= ANY \\(|IN \\()")
          .matcher(expression)
          .find()) continue;
      var values = new ArrayList<String>();
      Matcher m = LITERAL.matcher(expression);
      while (m.find()) values.add(m.group(1).replace("''", "'"));
      if (!values.isEmpty()) return values;
    }
    return List.of();
  }

  /** The JSON Schema of a query or path parameter compared with the column. */
  static ObjectNode schema(Table table, Column column, DatabaseSchema schema) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    List<String> allowed = allowed(table, column, schema);
    if (!allowed.isEmpty()) {
      node.put("type", "string");
      allowed.forEach(node.putArray("enum")::add);
      return node;
    }
    String type = column.type();
    if (isInteger(column)) return node.put("type", "integer");
    if (isDecimal(column)) return node.put("type", "number");
    if (type.equals("boolean")) return node.put("type", "boolean");
    node.put("type", "string");
    if (type.equals("uuid")) node.put("format", "uuid");
    else if (type.startsWith("timestamp")) node.put("format", "date-time");
    else if (type.equals("date")) node.put("format", "date");
    else node.put("minLength", 1).put("maxLength", length(column).orElse(200));
    return node;
  }

  private static Optional<Integer> length(Column column) {
    if (!column.type().startsWith("character")) return Optional.empty();
    Matcher m = LENGTH.matcher(column.type());
    return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
  }

  /**
   * An SQL expression giving a value the column takes, for a test's fixture row; unique columns get
   * a random part so that the row does not collide with one already there.
   */
  static Optional<String> sample(Table table, Column column, DatabaseSchema schema) {
    List<String> allowed = allowed(table, column, schema);
    boolean unique =
        table.uniques().stream().anyMatch(u -> u.contains(column.name()))
            || table.primaryKey().contains(column.name());
    String random = "substr(md5(random()::text), 1, 8)";
    if (!allowed.isEmpty()) {
      String literal = SqlNames.literal(allowed.getFirst());
      return Optional.of(
          schema.enums().stream().anyMatch(e -> e.qualifiedName().equals(column.type()))
              ? literal + "::" + column.type()
              : literal);
    }
    String type = column.type();
    if (isText(column)) {
      int max = length(column).orElse(60);
      String text =
          column.name().contains("email")
              ? (unique ? "'sample-' || " + random + " || '@example.com'" : "'sample@example.com'")
              : unique
                  ? "'Sample " + column.name().replace("'", "") + " ' || " + random
                  : SqlNames.literal("Sample " + column.name());
      return Optional.of(max < 30 ? "left(" + text + ", " + max + ")" : text);
    }
    if (isInteger(column))
      return Optional.of(unique ? "(1 + floor(random() * 1000000000))::" + type : "1");
    return Optional.ofNullable(
        switch (type) {
          case "uuid" -> "gen_random_uuid()";
          case "boolean" -> "true";
          case "real", "double precision" -> "1.5";
          case "date" -> "current_date";
          case "json", "jsonb" -> "'{}'";
          case "bytea" -> "'\\x00'";
          case "inet" -> "'127.0.0.1'";
          case "interval" -> "'1 hour'";
          default ->
              type.startsWith("numeric")
                  ? "1"
                  : type.startsWith("timestamp")
                      ? "now()"
                      : type.startsWith("time") ? "'12:00'" : type.endsWith("[]") ? "'{}'" : null;
        });
  }
}
