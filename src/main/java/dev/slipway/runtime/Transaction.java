package dev.slipway.runtime;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

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
   * a role is given, the session runs as that role.
   */
  record Identity(String claimsJson, Optional<String> role) {}

  /** @param identity the caller, for an endpoint that has one; null for a public one */
  Transaction(DataSource dataSource, boolean explicit, boolean rollbackOnly, Identity identity) {
    this.dataSource = dataSource;
    this.explicit = explicit || rollbackOnly;
    this.rollbackOnly = rollbackOnly;
    this.identity = identity;
  }

  Connection connection() throws SQLException {
    if (connection == null) {
      gate = enter(dataSource);
      try {
        connection = borrow(dataSource, identity, explicit);
      } catch (SQLException | RuntimeException e) {
        leave();
        throw e;
      }
    }
    return connection;
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

  /**
   * What each pooled connection's session holds: the identity key it was last set to. A caller's
   * claims and role are set on the session (not the transaction), so a single read stays one
   * round trip in autocommit, and a connection that already holds the caller's identity needs no
   * set-up at all; a request with another identity, or none, sets or clears it first. Only
   * {@link Transaction} borrows from the data plane's pool, so no one else meets that state.
   */
  private static final Cache<Object, Identity> SESSIONS = Caffeine.newBuilder().weakKeys().build();

  /** A connection from the pool whose session holds {@code identity} (null: none). */
  static Connection borrow(DataSource dataSource, Identity identity, boolean transaction) throws SQLException {
    Connection c = dataSource.getConnection();
    try {
      Object session = c.unwrap(PGConnection.class);
      Identity held = SESSIONS.getIfPresent(session);
      if (!Objects.equals(identity, held)) {
        SESSIONS.invalidate(session);
        try (var ps = c.prepareStatement("select set_config('request.jwt.claims', ?, false), set_config('role', ?, false)")) {
          ps.setString(1, identity == null ? "" : identity.claimsJson());
          ps.setString(2, identity == null ? "none" : identity.role().orElse("none"));
          ps.execute();
        }
        if (identity != null) SESSIONS.put(session, identity);
      }
      if (transaction) c.setAutoCommit(false);
      return c;
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
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
