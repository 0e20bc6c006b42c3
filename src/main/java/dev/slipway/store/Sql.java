package dev.slipway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The JDBC shapes the stores repeat: a write that counts rows, an insert that returns its id, a
 * query whose rows are read one way.
 */
final class Sql {
  private Sql() {}

  /** Runs a write with positional arguments; answers how many rows it touched. */
  static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      return ps.executeUpdate();
    }
  }

  /** Runs a statement that returns one row with a bigint (an insert's {@code returning id}). */
  static long id(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Reads a row into a value. */
  @FunctionalInterface
  interface Row<T> {
    T read(java.sql.ResultSet rs) throws SQLException;
  }

  /** Runs a query with positional arguments; answers its rows, each read by {@code row}. */
  static <T> java.util.List<T> list(Connection c, String sql, Row<T> row, Object... args)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      var rows = new java.util.ArrayList<T>();
      try (var rs = ps.executeQuery()) {
        while (rs.next()) rows.add(row.read(rs));
      }
      return rows;
    }
  }

  static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
  }

  /**
   * Rows as one array per column, of the given SQL element types, for an insert that reads them
   * with {@code unnest(?::type[], ...)}: a batch in one statement.
   */
  static Object[] columns(Connection c, String[] types, java.util.List<Object[]> rows)
      throws SQLException {
    var arrays = new Object[types.length];
    for (int column = 0; column < types.length; column++) {
      var values = new Object[rows.size()];
      for (int i = 0; i < values.length; i++) values[i] = rows.get(i)[column];
      arrays[column] = c.createArrayOf(types[column], values);
    }
    return arrays;
  }
}
