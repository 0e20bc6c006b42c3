package dev.slipway.templates.crud;

import dev.slipway.problem.Violation;
import dev.slipway.templates.FieldType;
import dev.slipway.templates.FieldType.Field;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jooq.DataType;
import org.jooq.impl.SQLDataType;

/** What makes a crud config unworkable, each mistake a violation at its config path. */
final class CrudChecks {
  private CrudChecks() {}

  /**
   * What each column type accepts in an existing table, as information_schema names them (arrays
   * are all ARRAY there).
   */
  private static final Map<DataType<?>, Set<String>> FITTING =
      Map.of(
          SQLDataType.CLOB, Set.of("text", "character varying", "character"),
          SQLDataType.BIGINT, Set.of("bigint", "integer", "smallint"),
          SQLDataType.DOUBLE, Set.of("double precision", "numeric", "real"),
          SQLDataType.BOOLEAN, Set.of("boolean"),
          SQLDataType.UUID, Set.of("uuid"),
          SQLDataType.DATE, Set.of("date"),
          SQLDataType.TIMESTAMPWITHTIMEZONE,
              Set.of("timestamp with time zone", "timestamp without time zone"),
          SQLDataType.JSONB, Set.of("jsonb", "json"));

  private static Set<String> fitting(FieldType type) {
    DataType<?> wanted = CrudSql.type(type);
    return wanted.isArray() ? Set.of("ARRAY") : FITTING.get(wanted);
  }

  /** The table's schema is the org's own, and no field takes a name the template uses itself. */
  static void names(CrudConfig config, List<Field> fields, List<Violation> violations) {
    String schema = config.schema();
    if (schema.equals("slipway")
        || schema.startsWith("pg_")
        || schema.equals("information_schema")) {
      violations.add(
          new Violation(
              "/config/table",
              "'" + schema + "' is a schema of Slipway or of PostgreSQL; use one of your own"));
    }
    for (Field field : fields) {
      String column = RowLayout.columnOf(config.camel(), field.name());
      if (RowLayout.OWN_COLUMNS.contains(column)) {
        violations.add(
            new Violation(
                "/config/validation/" + field.name(),
                "'" + column + "' is a column the template makes itself"));
      } else if (Set.of("limit", "cursor", "sort").contains(field.name())) {
        violations.add(
            new Violation(
                "/config/validation/" + field.name(),
                "'"
                    + field.name()
                    + "' is a query parameter of the list endpoint; name the field otherwise"));
      }
    }
  }

  /** An existing table has a uuid id and a column of a fitting type for every field. */
  static void columns(
      CrudConfig config,
      List<Field> fields,
      Map<String, String> existing,
      List<Violation> violations) {
    if (!"uuid".equals(existing.get("id"))) {
      violations.add(
          new Violation(
              "/config/table",
              "the table needs a uuid primary key column 'id'"
                  + (existing.containsKey("id") ? " (its id is " + existing.get("id") + ")" : "")));
    }
    for (Field field : fields) {
      String name = RowLayout.columnOf(config.camel(), field.name());
      String column = existing.get(name);
      if (column == null) {
        violations.add(
            new Violation(
                "/config/validation/" + field.name(),
                "the table has no column '"
                    + name
                    + "'; its columns are "
                    + String.join(", ", existing.keySet().stream().sorted().toList())));
      } else if (!fitting(field.type()).contains(column)) {
        violations.add(
            new Violation(
                "/config/validation/" + field.name(),
                "the column '"
                    + name
                    + "' is "
                    + column
                    + ", which does not hold "
                    + describe(field.type())
                    + " (it needs one of "
                    + String.join(", ", fitting(field.type()).stream().sorted().toList())
                    + ")"));
      }
    }
  }

  /**
   * Rows that belong to their caller or tenant: no operation is public, and the owning column is
   * the template's.
   */
  static void scoping(
      CrudConfig config,
      Scoping scope,
      List<Field> fields,
      Optional<Map<String, String>> columns,
      List<Violation> violations) {
    for (String operation : List.of("read", "create", "update", "delete")) {
      if (config.isPublic(operation)) {
        violations.add(
            new Violation(
                "/config/permissions/" + operation,
                "rows belong to their "
                    + scope.whose()
                    + " (scope: "
                    + scope.scope()
                    + "), so no operation can be public"));
      }
    }
    fields.stream()
        .filter(f -> RowLayout.columnOf(config.camel(), f.name()).equals(scope.column()))
        .forEach(
            f ->
                violations.add(
                    new Violation(
                        "/config/validation/" + f.name(),
                        "'"
                            + scope.column()
                            + "' is the column that holds each row's "
                            + scope.who()
                            + " (scope: "
                            + scope.scope()
                            + ")")));
    columns
        .filter(existing -> !"text".equals(existing.get(scope.column())))
        .ifPresent(
            existing ->
                violations.add(
                    new Violation(
                        "/config/scope",
                        "rows belong to their "
                            + scope.whose()
                            + ", so the table needs a text column '"
                            + scope.column()
                            + "'")));
  }

  /**
   * A nested resource's parameter and column are not fields, and an existing table holds the
   * parent's id.
   */
  static void parent(
      CrudConfig config,
      CrudConfig.Parent parent,
      List<Field> fields,
      Optional<Map<String, String>> columns,
      List<Violation> violations) {
    if (fields.stream()
        .anyMatch(
            f ->
                f.name().equals(parent.param())
                    || RowLayout.columnOf(config.camel(), f.name()).equals(parent.column()))) {
      violations.add(
          new Violation(
              "/config/parent",
              "the parent's param and column come from the path; no validation field may "
                  + "share their names"));
    }
    columns.ifPresent(
        existing -> {
          if (!"uuid".equals(existing.get(parent.column()))) {
            violations.add(
                new Violation(
                    "/config/parent/column",
                    "the table needs a uuid column '"
                        + parent.column()
                        + "'"
                        + (existing.containsKey(parent.column())
                            ? " (it is " + existing.get(parent.column()) + ")"
                            : "")));
          }
        });
  }

  private static String describe(FieldType type) {
    return switch (type) {
      case FieldType.Scalar s -> s.kind().word() + " values";
      case FieldType.OneOf o -> "enum values";
      case FieldType.ListOf l when l.items().plain() -> "lists of " + describe(l.items());
      default -> "JSON";
    };
  }
}
