package dev.slipway.generate;

import dev.slipway.generate.DatabaseSchema.Check;
import dev.slipway.generate.DatabaseSchema.Column;
import dev.slipway.generate.DatabaseSchema.EnumType;
import dev.slipway.generate.DatabaseSchema.ForeignKey;
import dev.slipway.generate.DatabaseSchema.Index;
import dev.slipway.generate.DatabaseSchema.Policy;
import dev.slipway.generate.DatabaseSchema.Table;
import dev.slipway.runtime.OrgConnections;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads what an org's SQL can reach from PostgreSQL's catalog, as the org's own login: the tables,
 * views and materialized views it holds a privilege on in schemas it may use (never Slipway's own,
 * the system's or another org's; with a column granted to it, the table shows that column), with
 * their columns, keys, foreign keys, unique and check constraints, indexes, row-level security
 * policies and row estimates, and the enum types of those schemas. Six catalog queries whatever the
 * number of tables; no row of any table is read.
 */
public final class SchemaAnalyzer {
  /** The tables the login may use: a privilege on the table and usage of its schema. */
  private static final String TABLES =
      """
      select c.oid, n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class'),
             case when c.reltuples < 0 then null else c.reltuples::bigint end,
             c.relrowsecurity,
             has_any_column_privilege(c.oid, 'SELECT'), has_any_column_privilege(c.oid, 'INSERT'),
             has_any_column_privilege(c.oid, 'UPDATE'), has_table_privilege(c.oid, 'DELETE')
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p', 'v', 'm', 'f') and not c.relispartition
        and n.nspname not in ('pg_catalog', 'information_schema', 'slipway')
        and n.nspname not like 'pg\\_%'
        and has_schema_privilege(n.oid, 'USAGE')
        and (has_table_privilege(c.oid, 'DELETE')
             or has_any_column_privilege(c.oid, 'SELECT, INSERT, UPDATE'))
      order by n.nspname, c.relname
      """;

  private static final String COLUMNS =
      """
      select a.attrelid, a.attnum, a.attname,
             case when t.typtype = 'e' then quote_ident(tn.nspname) || '.' || quote_ident(t.typname)
                  else format_type(a.atttypid, a.atttypmod) end,
             not a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
             col_description(a.attrelid, a.attnum),
             has_column_privilege(a.attrelid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES')
      from pg_attribute a
      join pg_type t on t.oid = a.atttypid join pg_namespace tn on tn.oid = t.typnamespace
      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attrelid = any(?::oid[]) and a.attnum > 0 and not a.attisdropped
      order by a.attrelid, a.attnum
      """;

  private static final String CONSTRAINTS =
      """
      select con.conrelid, con.conname, con.contype, con.conkey, con.confrelid, con.confkey,
             con.confdeltype, pg_get_constraintdef(con.oid)
      from pg_constraint con
      where con.conrelid = any(?::oid[]) and con.contype in ('p', 'u', 'f', 'c')
      order by con.conrelid, con.contype, con.conname
      """;

  private static final String INDEXES =
      """
      select i.indrelid, ic.relname, i.indisunique, i.indisprimary, am.amname, i.indnkeyatts,
             i.indkey::int2[], pg_get_expr(i.indpred, i.indrelid), pg_get_indexdef(i.indexrelid),
             array(select pg_get_indexdef(i.indexrelid, k, true)
                   from generate_series(1, i.indnkeyatts) k)
      from pg_index i join pg_class ic on ic.oid = i.indexrelid join pg_am am on am.oid = ic.relam
      where i.indrelid = any(?::oid[])
      order by i.indrelid, ic.relname
      """;

  private static final String POLICIES =
      """
      select p.polrelid, p.polname, p.polcmd, p.polpermissive,
             array(select case when r = 0 then 'public' else pg_get_userbyid(r)::text end
                   from unnest(p.polroles) r),
             pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
      from pg_policy p
      where p.polrelid = any(?::oid[])
      order by p.polrelid, p.polname
      """;

  private static final String ENUMS =
      """
      select n.nspname, t.typname, array_agg(e.enumlabel::text order by e.enumsortorder)
      from pg_type t join pg_enum e on e.enumtypid = t.oid
      join pg_namespace n on n.oid = t.typnamespace
      where n.nspname not in ('pg_catalog', 'information_schema', 'slipway')
        and n.nspname not like 'pg\\_%' and has_schema_privilege(n.oid, 'USAGE')
      group by n.nspname, t.typname
      order by n.nspname, t.typname
      """;

  private final OrgConnections connections;

  public SchemaAnalyzer(OrgConnections connections) {
    this.connections = connections;
  }

  /** What the org's SQL can reach now. */
  public DatabaseSchema analyze(long org) throws SQLException {
    try (Connection c = connections.clean(org)) {
      try {
        try (var s = c.createStatement()) {
          s.execute("set transaction read only");
        }
        return analyze(c);
      } finally {
        c.rollback();
      }
    }
  }

  /** What {@code c}'s login can reach; reads the catalog only. */
  static DatabaseSchema analyze(Connection c) throws SQLException {
    var found = new LinkedHashMap<Long, Found>();
    try (var ps = c.prepareStatement(TABLES);
        var rs = ps.executeQuery()) {
      while (rs.next()) {
        var privileges = new ArrayList<String>();
        String[] names = {"select", "insert", "update", "delete"};
        for (int i = 0; i < names.length; i++) if (rs.getBoolean(8 + i)) privileges.add(names[i]);
        long estimate = rs.getLong(6);
        Long rowEstimate = rs.wasNull() ? null : estimate;
        found.put(
            rs.getLong(1),
            new Found(
                rs.getString(2),
                rs.getString(3),
                kind(rs.getString(4)),
                rs.getString(5),
                rowEstimate,
                rs.getBoolean(7),
                privileges));
      }
    }
    String oids =
        found.keySet().stream().map(String::valueOf).collect(Collectors.joining(",", "{", "}"));
    try (var ps = byTables(c, COLUMNS, oids);
        var rs = ps.executeQuery()) {
      while (rs.next()) {
        Found table = found.get(rs.getLong(1));
        String name = rs.getString(3);
        table.attributes.put(rs.getInt(2), name);
        if (!rs.getBoolean(10)) continue;
        String identity = rs.getString(7);
        String stored = rs.getString(8);
        String generated =
            identity != null && !identity.isEmpty()
                ? "identity"
                : stored != null && !stored.isEmpty() ? "stored" : null;
        table.columns.add(
            new Column(
                name,
                rs.getString(4),
                rs.getBoolean(5),
                generated == null ? rs.getString(6) : null,
                generated,
                rs.getString(9)));
      }
    }
    try (var ps = byTables(c, CONSTRAINTS, oids);
        var rs = ps.executeQuery()) {
      while (rs.next()) {
        Found table = found.get(rs.getLong(1));
        List<String> columns = table.names(rs.getArray(4));
        switch (rs.getString(3)) {
          case "p" -> table.primaryKey.addAll(columns);
          case "u" -> table.uniques.add(columns);
          case "c" -> table.checks.add(new Check(rs.getString(2), rs.getString(8)));
          default -> {
            Found target = found.get(rs.getLong(5));
            // a key to a table the login may not use is left out: its name is not the org's to see
            if (target != null) {
              table.foreignKeys.add(
                  new ForeignKey(
                      rs.getString(2),
                      columns,
                      target.schema + "." + target.name,
                      target.names(rs.getArray(6)),
                      onDelete(rs.getString(7))));
            }
          }
        }
      }
    }
    try (var ps = byTables(c, INDEXES, oids);
        var rs = ps.executeQuery()) {
      while (rs.next()) {
        Found table = found.get(rs.getLong(1));
        var keys = new ArrayList<String>();
        Short[] attributes = (Short[]) rs.getArray(7).getArray();
        String[] definitions = (String[]) rs.getArray(10).getArray();
        for (int k = 0; k < rs.getInt(6); k++) {
          keys.add(
              attributes[k] == 0
                  ? "(" + definitions[k] + ")"
                  : table.attributes.getOrDefault((int) attributes[k], definitions[k]));
        }
        table.indexes.add(
            new Index(
                rs.getString(2),
                keys,
                rs.getBoolean(3),
                rs.getBoolean(4),
                rs.getString(5),
                rs.getString(8),
                rs.getString(9)));
      }
    }
    try (var ps = byTables(c, POLICIES, oids);
        var rs = ps.executeQuery()) {
      while (rs.next()) {
        found
            .get(rs.getLong(1))
            .policies
            .add(
                new Policy(
                    rs.getString(2),
                    command(rs.getString(3)),
                    rs.getBoolean(4),
                    List.of((String[]) rs.getArray(5).getArray()),
                    rs.getString(6),
                    rs.getString(7)));
      }
    }
    var enums = new ArrayList<EnumType>();
    try (var ps = c.prepareStatement(ENUMS);
        var rs = ps.executeQuery()) {
      while (rs.next()) {
        enums.add(
            new EnumType(
                rs.getString(1), rs.getString(2), List.of((String[]) rs.getArray(3).getArray())));
      }
    }
    return new DatabaseSchema(found.values().stream().map(Found::table).toList(), enums);
  }

  private static PreparedStatement byTables(Connection c, String sql, String oids)
      throws SQLException {
    var ps = c.prepareStatement(sql);
    ps.setString(1, oids);
    return ps;
  }

  /** A table as its queries fill it in. */
  private static final class Found {
    final String schema;
    final String name;
    final String kind;
    final String comment;
    final Long rowEstimate;
    final boolean rowLevelSecurity;
    final List<String> privileges;
    final Map<Integer, String> attributes = new HashMap<>();
    final List<Column> columns = new ArrayList<>();
    final List<String> primaryKey = new ArrayList<>();
    final List<ForeignKey> foreignKeys = new ArrayList<>();
    final List<List<String>> uniques = new ArrayList<>();
    final List<Check> checks = new ArrayList<>();
    final List<Index> indexes = new ArrayList<>();
    final List<Policy> policies = new ArrayList<>();

    Found(
        String schema,
        String name,
        String kind,
        String comment,
        Long rowEstimate,
        boolean rowLevelSecurity,
        List<String> privileges) {
      this.schema = schema;
      this.name = name;
      this.kind = kind;
      this.comment = comment;
      this.rowEstimate = rowEstimate;
      this.rowLevelSecurity = rowLevelSecurity;
      this.privileges = privileges;
    }

    List<String> names(Array attributeNumbers) throws SQLException {
      if (attributeNumbers == null) return List.of();
      return Arrays.stream((Short[]) attributeNumbers.getArray())
          .map(n -> attributes.getOrDefault((int) n, "#" + n))
          .toList();
    }

    Table table() {
      return new Table(
          schema,
          name,
          kind,
          comment,
          rowEstimate,
          privileges,
          List.copyOf(columns),
          List.copyOf(primaryKey),
          List.copyOf(foreignKeys),
          List.copyOf(uniques),
          List.copyOf(checks),
          List.copyOf(indexes),
          rowLevelSecurity,
          List.copyOf(policies));
    }
  }

  private static String kind(String relkind) {
    return switch (relkind) {
      case "p" -> "partitioned table";
      case "v" -> "view";
      case "m" -> "materialized view";
      case "f" -> "foreign table";
      default -> "table";
    };
  }

  private static String onDelete(String action) {
    return switch (action) {
      case "c" -> "cascade";
      case "n" -> "set null";
      case "d" -> "set default";
      case "r" -> "restrict";
      default -> "no action";
    };
  }

  private static String command(String polcmd) {
    return switch (polcmd) {
      case "r" -> "select";
      case "a" -> "insert";
      case "w" -> "update";
      case "d" -> "delete";
      default -> "all";
    };
  }
}
