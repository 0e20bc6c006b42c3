package dev.slipway.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.generate.DatabaseSchema.Table;
import dev.slipway.runtime.OrgConnections;
import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.NamedSql;
import dev.slipway.spec.Step;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What PostgreSQL's planner says of a spec's SQL ({@code EXPLAIN}, as the org's login, with sample
 * values, in a transaction rolled back): each statement's estimated rows and cost, sequential scans
 * and sorts of large tables, lists with no {@code LIMIT}; and the indexes that would serve its
 * filters, orders and joins, as {@code CREATE INDEX} statements.
 */
public final class QueryAnalysis {
  /** Tables with at least this many rows (by the planner's estimate) count as large. */
  static final long LARGE = 10_000;

  private static final Pattern COLUMN_IN_FILTER =
      Pattern.compile("\\(?([a-z_][a-z0-9_]*) (=|<|>|<=|>=|~~\\*?|<>) ");

  /** One statement's plan: its estimates and what is wrong with it. */
  public record Statement(
      String endpoint, int step, long rows, double cost, List<String> findings) {}

  /** The analysis of a plan's specs. */
  public record Result(List<Statement> statements, List<String> indexSuggestions) {
    public List<String> findings() {
      var all = new ArrayList<String>();
      statements.forEach(s -> s.findings().forEach(f -> all.add(s.endpoint() + ": " + f)));
      return all;
    }
  }

  private final OrgConnections connections;

  public QueryAnalysis(OrgConnections connections) {
    this.connections = connections;
  }

  public Result analyze(long org, List<EndpointSpec> specs, DatabaseSchema schema)
      throws SQLException {
    var statements = new ArrayList<Statement>();
    var suggestions = new LinkedHashSet<String>();
    try (Connection c = connections.clean(org)) {
      try {
        for (EndpointSpec spec : specs) {
          for (int i = 0; i < spec.steps().size(); i++) {
            if (!(spec.steps().get(i) instanceof Step.SqlStep step)) continue;
            statements.add(explain(c, spec, i, step, schema, suggestions));
          }
        }
      } finally {
        c.rollback();
      }
    }
    return new Result(statements, List.copyOf(suggestions));
  }

  private Statement explain(
      Connection c,
      EndpointSpec spec,
      int index,
      Step.SqlStep step,
      DatabaseSchema schema,
      LinkedHashSet<String> suggestions)
      throws SQLException {
    NamedSql sql = NamedSql.Parts.split(step.sql()).keep(part -> true);
    var findings = new ArrayList<String>();
    var savepoint = c.setSavepoint();
    JsonNode plan;
    try (var ps = c.prepareStatement("explain (format json, verbose) " + sql.sql())) {
      var meta = ps.getParameterMetaData();
      for (int p = 1; p <= meta.getParameterCount(); p++)
        ps.setString(p, sample(meta.getParameterTypeName(p), sql.names().get(p - 1)));
      try (var rs = ps.executeQuery()) {
        rs.next();
        plan = Json.parse(rs.getString(1)).get(0).get("Plan");
      }
      c.releaseSavepoint(savepoint);
    } catch (SQLException e) {
      c.rollback(savepoint);
      findings.add("could not be explained: " + e.getMessage().replace('\n', ' '));
      return new Statement(spec.name(), index, 0, 0, findings);
    }
    walk(plan, schema, findings, suggestions);
    boolean writes =
        step.sql().toLowerCase(Locale.ROOT).matches("(?s)\\s*(insert|update|delete).*");
    if (step.expect() == Step.Expect.MANY && !writes && !hasLimit(plan))
      findings.add("answers every row it finds: no LIMIT bounds the list");
    return new Statement(
        spec.name(),
        index,
        plan.path("Plan Rows").asLong(),
        plan.path("Total Cost").asDouble(),
        findings);
  }

  /** A value a parameter of the type takes, for the planner to plan with. */
  private static String sample(String type, String name) {
    return switch (type) {
      case "int2", "int4", "int8" ->
          name.equals("limit") ? "20" : name.equals("offset") ? "0" : "1";
      case "numeric", "float4", "float8" -> "1";
      case "uuid" -> "00000000-0000-4000-8000-000000000001";
      case "bool" -> "true";
      case "date", "timestamp", "timestamptz" -> "2025-01-31";
      case "json", "jsonb" -> "{}";
      default -> "sample";
    };
  }

  /**
   * Whether the statement's answer is bounded: a {@code Limit}, or an aggregate (one row, or one
   * per group), at its top or under the sorts and projections above it.
   */
  private static boolean hasLimit(JsonNode node) {
    for (JsonNode at = node; at != null && !at.isMissingNode(); at = at.path("Plans").get(0)) {
      String type = at.path("Node Type").asText();
      if (type.equals("Limit") || type.contains("Aggregate")) return true;
      if (!List.of("Sort", "Incremental Sort", "Result", "Unique", "Subquery Scan").contains(type))
        return false;
    }
    return false;
  }

  private void walk(
      JsonNode node,
      DatabaseSchema schema,
      List<String> findings,
      LinkedHashSet<String> suggestions) {
    String type = node.path("Node Type").asText();
    Optional<Table> table =
        node.has("Relation Name")
            ? schema.table(
                node.path("Schema").asText("public") + "." + node.path("Relation Name").asText())
            : Optional.empty();
    long rows = table.map(t -> t.rowEstimate() == null ? 0L : t.rowEstimate()).orElse(0L);
    if (type.equals("Seq Scan") && table.isPresent() && rows >= LARGE) {
      var columns = filterColumns(node.path("Filter").asText(""), table.get());
      findings.add(
          "reads all of "
              + table.get().qualifiedName()
              + " (about "
              + rows
              + " rows) by a sequential scan"
              + (columns.isEmpty() ? "" : " to filter on " + String.join(", ", columns)));
      if (!columns.isEmpty() && !table.get().indexed(columns))
        suggestions.add(createIndex(table.get(), columns));
    }
    if (type.equals("Sort") && node.path("Plan Rows").asLong() >= LARGE)
      findings.add(
          "sorts about "
              + node.path("Plan Rows").asLong()
              + " rows ("
              + node.path("Sort Key").toString()
              + ") with no index to read them in order");
    for (JsonNode child : node.path("Plans")) walk(child, schema, findings, suggestions);
  }

  private static List<String> filterColumns(String filter, Table table) {
    var columns = new ArrayList<String>();
    Matcher m = COLUMN_IN_FILTER.matcher(filter);
    while (m.find())
      if (table.column(m.group(1)).isPresent() && !columns.contains(m.group(1)))
        columns.add(m.group(1));
    return columns;
  }

  static String createIndex(Table table, List<String> columns) {
    return "create index on "
        + SqlNames.table(table)
        + " ("
        + String.join(", ", columns.stream().map(SqlNames::quote).toList())
        + ")";
  }

  /**
   * Indexes the joins between {@code tables} want whatever their size now: a foreign key followed
   * from the row it refers to (a child collection) is looked up once per parent row, so its columns
   * should lead an index.
   */
  static List<String> joinIndexes(DatabaseSchema schema, List<String> tables) {
    var suggestions = new LinkedHashSet<String>();
    for (String name : tables) {
      Table table = schema.byName().get(name);
      if (table == null) continue;
      for (var key : table.foreignKeys()) {
        if (tables.contains(key.references()) && !table.indexed(key.columns()))
          suggestions.add(createIndex(table, key.columns()));
      }
    }
    return List.copyOf(suggestions);
  }
}
