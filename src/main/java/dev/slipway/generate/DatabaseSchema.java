package dev.slipway.generate;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What an org's SQL can reach, as the catalog describes it: metadata only, never a row. Built by
 * {@link SchemaAnalyzer}; the tables are in schema and name order.
 */
public record DatabaseSchema(List<Table> tables, List<EnumType> enums) {

  /** The table named {@code schema.name}, or by its bare name when exactly one table has it. */
  public Optional<Table> table(String name) {
    for (Table table : tables) if (table.qualifiedName().equals(name)) return Optional.of(table);
    List<Table> bare = tables.stream().filter(t -> t.name().equals(name)).toList();
    return bare.size() == 1 ? Optional.of(bare.get(0)) : Optional.empty();
  }

  /** The tables by qualified name. */
  public Map<String, Table> byName() {
    return tables.stream()
        .collect(Collectors.toMap(Table::qualifiedName, Function.identity(), (a, b) -> a));
  }

  /** Only {@code kept}, with the enums their columns use. */
  public DatabaseSchema only(List<Table> kept) {
    var types =
        kept.stream().flatMap(t -> t.columns().stream()).map(Column::type).distinct().toList();
    return new DatabaseSchema(
        kept, enums.stream().filter(e -> types.contains(e.qualifiedName())).toList());
  }

  /**
   * A table, view or materialized view.
   *
   * @param kind {@code table}, {@code partitioned table}, {@code view}, {@code materialized view}
   *     or {@code foreign table}
   * @param rowEstimate the planner's estimate of its rows; null when it was never analyzed
   * @param privileges which of select, insert, update and delete the org's login holds on it
   * @param rowLevelSecurity whether row-level security is on (and then {@code policies} apply)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Table(
      String schema,
      String name,
      String kind,
      String comment,
      Long rowEstimate,
      List<String> privileges,
      List<Column> columns,
      List<String> primaryKey,
      List<ForeignKey> foreignKeys,
      List<List<String>> uniques,
      List<Check> checks,
      List<Index> indexes,
      boolean rowLevelSecurity,
      List<Policy> policies) {

    @JsonIgnore
    public String qualifiedName() {
      return schema + "." + name;
    }

    public Optional<Column> column(String name) {
      return columns.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** Whether the org's login may run {@code privilege} (select, insert, ...) on it. */
    public boolean may(String privilege) {
      return privileges.contains(privilege);
    }

    /**
     * Whether {@code columns} (in this order) lead some index of the table, so a filter or sort on
     * them need not read it all.
     */
    public boolean indexed(List<String> columns) {
      return indexes.stream()
          .anyMatch(
              index ->
                  index.columns().size() >= columns.size()
                      && index.columns().subList(0, columns.size()).equals(columns));
    }
  }

  /**
   * A column.
   *
   * @param type as PostgreSQL writes it ({@code uuid}, {@code character varying(200)}, an enum's
   *     qualified name)
   * @param generated {@code identity} or {@code stored} for values the database makes itself; null
   *     otherwise
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Column(
      String name,
      String type,
      boolean nullable,
      String defaultValue,
      String generated,
      String comment) {

    /** Whether an insert may leave it out: it has a default or the database makes it. */
    @JsonIgnore
    public boolean optionalOnInsert() {
      return nullable || defaultValue != null || generated != null;
    }
  }

  /**
   * A foreign key: {@code columns} of its table refer to {@code referencedColumns} of {@code
   * references} (qualified).
   */
  public record ForeignKey(
      String name,
      List<String> columns,
      String references,
      List<String> referencedColumns,
      String onDelete) {}

  public record Check(String name, String expression) {}

  /**
   * An index; {@code columns} are its key columns in order, an expression as {@code (expr)}.
   *
   * @param predicate the {@code WHERE} of a partial index; null otherwise
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Index(
      String name,
      List<String> columns,
      boolean unique,
      boolean primary,
      String method,
      String predicate,
      String definition) {}

  /**
   * A row-level security policy.
   *
   * @param command {@code all}, {@code select}, {@code insert}, {@code update} or {@code delete}
   * @param roles the roles it applies to; {@code public} for everyone
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Policy(
      String name,
      String command,
      boolean permissive,
      List<String> roles,
      String using,
      String withCheck) {}

  /** An enum type; columns of it have {@link #qualifiedName} as their type, quoted as SQL needs. */
  public record EnumType(String schema, String name, List<String> values) {
    @JsonIgnore
    public String qualifiedName() {
      return SqlNames.quote(schema) + "." + SqlNames.quote(name);
    }
  }
}
