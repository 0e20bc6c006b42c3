package dev.slipway.generate;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Identifiers in generated SQL: bare when PostgreSQL reads them back unchanged, quoted otherwise.
 */
final class SqlNames {
  private static final Pattern BARE = Pattern.compile("[a-z_][a-z0-9_]*");

  /** PostgreSQL's reserved key words (those that may not be a bare column or table name). */
  private static final Set<String> RESERVED =
      Set.of(
          "all",
          "analyse",
          "analyze",
          "and",
          "any",
          "array",
          "as",
          "asc",
          "asymmetric",
          "both",
          "case",
          "cast",
          "check",
          "collate",
          "column",
          "constraint",
          "create",
          "current_catalog",
          "current_date",
          "current_role",
          "current_time",
          "current_timestamp",
          "current_user",
          "default",
          "deferrable",
          "desc",
          "distinct",
          "do",
          "else",
          "end",
          "except",
          "false",
          "fetch",
          "for",
          "foreign",
          "from",
          "grant",
          "group",
          "having",
          "in",
          "initially",
          "intersect",
          "into",
          "lateral",
          "leading",
          "limit",
          "localtime",
          "localtimestamp",
          "not",
          "null",
          "offset",
          "on",
          "only",
          "or",
          "order",
          "placing",
          "primary",
          "references",
          "returning",
          "select",
          "session_user",
          "some",
          "symmetric",
          "system_user",
          "table",
          "then",
          "to",
          "trailing",
          "true",
          "union",
          "unique",
          "user",
          "using",
          "variadic",
          "when",
          "where",
          "window",
          "with",
          "authorization",
          "binary",
          "collation",
          "concurrently",
          "cross",
          "current_schema",
          "freeze",
          "full",
          "ilike",
          "inner",
          "is",
          "isnull",
          "join",
          "left",
          "like",
          "natural",
          "notnull",
          "outer",
          "overlaps",
          "right",
          "similar",
          "tablesample",
          "verbose");

  private SqlNames() {}

  static String quote(String name) {
    return BARE.matcher(name).matches() && !RESERVED.contains(name)
        ? name
        : '"' + name.replace("\"", "\"\"") + '"';
  }

  /** {@code schema.table}, each part quoted as it needs. */
  static String table(DatabaseSchema.Table table) {
    return quote(table.schema()) + "." + quote(table.name());
  }

  /** A string literal. */
  static String literal(String text) {
    return "'" + text.replace("'", "''") + "'";
  }
}
