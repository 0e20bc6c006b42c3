package dev.slipway.runtime;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * The database work of one request: a connection taken from the org's pool only when a step first
 * needs one. A pipeline with a single SQL statement runs it in autocommit (one round trip); anything
 * more runs in one transaction, committed when the request succeeds and rolled back otherwise, or
 * always rolled back for a preview that must leave no trace.
 *
 * <p>No session state passes from one request to the next: the request's first statement carries
 * {@link #SESSION_RESET} ahead of it, in the same network write, so it costs no round trip of its
 * own. It resets every setting an earlier request's SQL may have changed for the session
 * ({@code set_config(..., false)}, {@code SET}), then sets the caller's claims, the login's own
 * role and the statement timeout. They are set for the session, not the transaction: once the
 * driver prepares the statements on the server, it runs each of a multi-statement string in a
 * transaction of its own in autocommit, so a transaction-local setting would be gone before the
 * request's statement runs (and the next request resets them all anyway). (An org's connections
 * serve only that org: see {@code store.OrgPools}.)
 */
final class Transaction implements AutoCloseable {
  /** Sent with a request's first statement: its parameters are the claims and the statement timeout. */
  static final String SESSION_RESET = "reset all; select set_config('request.jwt.claims', ?, false), set_config('role', 'none', false), "
      + "set_config('statement_timeout', ?, false); ";
  /** How many parameters and results {@link #SESSION_RESET} puts ahead of the statement's own. */
  static final int RESET_PARAMETERS = 2;
  static final int RESET_RESULTS = 2;
  /** How long one statement of endpoint SQL may run. */
  static final String STATEMENT_TIMEOUT = "30s";

  private final OrgConnections connections;
  private final long orgId;
  private final boolean explicit;
  private final boolean rollbackOnly;
  private final String claims;
  private Connection connection;
  /** Whether a statement of this request already ran with {@link #SESSION_RESET}. */
  private boolean sessionReset;

  /**
   * @param claims the caller's claims as JSON, for {@code request.jwt.claims}; empty for a public
   *               endpoint
   */
  Transaction(OrgConnections connections, long orgId, boolean explicit, boolean rollbackOnly, String claims) {
    this.connections = connections;
    this.orgId = orgId;
    this.explicit = explicit || rollbackOnly;
    this.rollbackOnly = rollbackOnly;
    this.claims = claims;
  }

  Connection connection() throws SQLException {
    if (connection == null) {
      DataSource dataSource = connections.of(orgId);
      gate = enter(dataSource);
      try {
        Connection c = dataSource.getConnection();
        try {
          if (explicit) c.setAutoCommit(false);
        } catch (SQLException | RuntimeException e) {
          c.close();
          throw e;
        }
        connection = c;
      } catch (SQLException | RuntimeException e) {
        leave();
        throw e;
      }
    }
    return connection;
  }

  /**
   * Prepares a statement of the request's SQL on its connection; the request's first goes with
   * {@link #SESSION_RESET}. Bind it and run it through the {@link UserStatement}, which hides the
   * reset's parameters and results.
   */
  UserStatement prepare(String sql) throws SQLException {
    Connection c = connection();
    if (sessionReset) return new UserStatement(c.prepareStatement(sql), 0, 0, this);
    PreparedStatement ps = c.prepareStatement(SESSION_RESET + sql);
    try {
      ps.setString(1, claims);
      ps.setString(2, STATEMENT_TIMEOUT);
    } catch (SQLException e) {
      ps.close();
      throw e;
    }
    return new UserStatement(ps, RESET_PARAMETERS, RESET_RESULTS, this);
  }

  /** A statement with the reset ran; the request's next ones need none (a failed one leaves it to the next). */
  void sessionWasReset() {
    sessionReset = true;
  }

  /**
   * One permit per connection of a pool, taken before borrowing and given back after. Requests
   * that find every connection busy wait here, not in the pool: a pool with waiting borrowers
   * hands each returned connection over through a queue and asks its connection-adder thread,
   * once per waiting borrower, whether to open another. On W1 (64 connections onto 16) that
   * set in for seconds at a time, doubling the context switches and holding calls up to seconds
   * (p99 0.4-2 s in a third of the rounds); behind an unfair semaphore, p99 5.6-8.3 ms in every
   * round and no less throughput (a fair one cost 40% of it). The data plane queues its requests
   * in order ahead of this, as many running at once as there are permits, so there few wait here.
   */
  private static final Cache<HikariDataSource, Semaphore> GATES = Caffeine.newBuilder().weakKeys().build();
  private Semaphore gate;

  private static Semaphore enter(DataSource dataSource) throws SQLException {
    if (!(dataSource instanceof HikariDataSource pool)) return null;
    Semaphore gate = GATES.get(pool, p -> new Semaphore(p.getMaximumPoolSize()));
    try {
      if (gate.tryAcquire(pool.getConnectionTimeout(), TimeUnit.MILLISECONDS)) return gate;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new SQLTransientConnectionException(pool.getPoolName() + " - Connection is not available, request timed out after "
        + pool.getConnectionTimeout() + "ms (total=" + pool.getMaximumPoolSize() + ")");
  }

  private void leave() {
    if (gate != null) {
      gate.release();
      gate = null;
    }
  }

  /** Whether a step borrowed a connection, so that finishing means a round trip to the database. */
  boolean holdsConnection() {
    return connection != null;
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
    leave();
  }
}
