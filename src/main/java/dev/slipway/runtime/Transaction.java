package dev.slipway.runtime;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
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
  private final Identity identity;
  private Connection connection;

  /**
   * The caller's identity for the database: the claims go to {@code request.jwt.claims} and, when
   * a role is given, the transaction runs as that role.
   */
  record Identity(String claimsJson, Optional<String> role) {}

  /** @param identity the caller, for an endpoint that has one; its work is always one transaction */
  Transaction(DataSource dataSource, boolean explicit, boolean rollbackOnly, Identity identity) {
    this.dataSource = dataSource;
    this.explicit = explicit || rollbackOnly || identity != null;
    this.rollbackOnly = rollbackOnly;
    this.identity = identity;
  }

  Connection connection() throws SQLException {
    if (connection == null) {
      connection = dataSource.getConnection();
      if (explicit) connection.setAutoCommit(false);
      if (identity != null) assume(connection, identity);
    }
    return connection;
  }

  /** One statement sets the claims and the role, for this transaction only. */
  private static void assume(Connection c, Identity identity) throws SQLException {
    try (var ps = c.prepareStatement(identity.role().isPresent()
        ? "select set_config('request.jwt.claims', ?, true), set_config('role', ?, true)"
        : "select set_config('request.jwt.claims', ?, true)")) {
      ps.setString(1, identity.claimsJson());
      if (identity.role().isPresent()) ps.setString(2, identity.role().get());
      ps.execute();
    }
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
