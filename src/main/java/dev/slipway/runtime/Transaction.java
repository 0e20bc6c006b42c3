package dev.slipway.runtime;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The database work of one request: a connection taken from the pool only when a step first needs
 * one. A pipeline with a single SQL statement runs it in autocommit (one round trip); anything
 * more runs in one transaction, committed when the request succeeds and rolled back otherwise, or
 * always rolled back for a preview that must leave no trace.
 */
final class Transaction implements AutoCloseable {
  private final DataSource dataSource;
  private final boolean explicit;
  private final boolean rollbackOnly;
  private Connection connection;

  Transaction(DataSource dataSource, boolean explicit, boolean rollbackOnly) {
    this.dataSource = dataSource;
    this.explicit = explicit || rollbackOnly;
    this.rollbackOnly = rollbackOnly;
  }

  Connection connection() throws SQLException {
    if (connection == null) {
      connection = dataSource.getConnection();
      if (explicit) connection.setAutoCommit(false);
    }
    return connection;
  }

  /** Commits (or, for a preview, rolls back) the work of a request that succeeded. */
  void succeed() throws SQLException {
    if (connection != null && explicit) {
      if (rollbackOnly) connection.rollback();
      else connection.commit();
    }
  }

  /** Returns the connection; work not committed by {@link #succeed} is rolled back. */
  @Override
  public void close() {
    if (connection == null) return;
    try (Connection c = connection) {
      if (explicit && !c.getAutoCommit()) c.rollback();
    } catch (SQLException ignored) {
      // the pool discards a broken connection; nothing more to undo
    }
    connection = null;
  }
}
