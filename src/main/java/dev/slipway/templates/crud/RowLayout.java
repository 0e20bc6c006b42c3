package dev.slipway.templates.crud;

import dev.slipway.problem.Violation;
import dev.slipway.templates.FieldType.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How the resource's JSON names map to the table's columns, and how lists are ordered.
 *
 * @param columns the table's columns in order (for a new table, the ones the migration makes)
 * @param nullable the columns of optional fields
 * @param order the column lists are ordered by
 */
record RowLayout(
    String table,
    boolean camel,
    List<String> columns,
    Set<String> nullable,
    Optional<CrudConfig.Parent> parent,
    String order,
    boolean descending) {

  /** The columns Slipway makes itself in every table. */
  static final List<String> OWN_COLUMNS = List.of("id", "created_at", "updated_at");

  /**
   * The layout of an existing table ({@code existing}: its columns by name), or of the one the
   * migration makes.
   */
  static RowLayout of(
      CrudConfig config,
      List<Field> fields,
      Optional<Map<String, String>> existing,
      List<Violation> violations) {
    List<String> columns =
        existing
            .map(e -> List.copyOf(e.keySet()))
            .orElseGet(
                () -> {
                  var made = new ArrayList<String>(List.of("id"));
                  config.parent().ifPresent(p -> made.add(p.column()));
                  config.scoping().ifPresent(scope -> made.add(scope.column()));
                  fields.forEach(field -> made.add(columnOf(config.camel(), field.name())));
                  made.addAll(List.of("created_at", "updated_at"));
                  return made;
                });
    boolean descending = config.orderBy().startsWith("-");
    String order = descending ? config.orderBy().substring(1) : config.orderBy();
    if (!columns.contains(order)) {
      violations.add(new Violation("/config/orderBy", "the table has no column '" + order + "'"));
    }
    Set<String> nullable =
        fields.stream()
            .filter(Field::optional)
            .map(f -> columnOf(config.camel(), f.name()))
            .collect(Collectors.toSet());
    return new RowLayout(
        config.table(), config.camel(), columns, nullable, config.parent(), order, descending);
  }

  /** Whether the column may hold nulls: it is an optional field's. */
  boolean nullable(String column) {
    return nullable.contains(column);
  }

  String column(String field) {
    return columnOf(camel, field);
  }

  /** The name a column has in the JSON rows. */
  String json(String column) {
    return camel ? camelOf(column) : column;
  }

  boolean has(String column) {
    return columns.contains(column);
  }

  /** The fields every row answers with. */
  List<String> shape() {
    return columns.stream().map(this::json).toList();
  }

  /** The column that holds a field: its name, or with camelCase field names its snake_case form. */
  static String columnOf(boolean camel, String field) {
    return camel ? snake(field) : field;
  }

  /** {@code orgId} → {@code org_id}. */
  static String snake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase();
  }

  /** {@code created_at} → {@code createdAt}. */
  static String camelOf(String snake) {
    var out = new StringBuilder();
    boolean upper = false;
    for (char c : snake.toCharArray()) {
      if (c == '_') {
        upper = out.length() > 0;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }
}
