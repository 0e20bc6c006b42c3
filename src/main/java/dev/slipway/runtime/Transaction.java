package dev.slipway.runtime;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database work of one request: a connection taken from the org's pool only when a step first
 * needs one. A pipeline with a single SQL statement runs it in autocommit (one round trip);
 * anything more runs in one transaction, committed when the request succeeds and rolled back
 * otherwise, or always rolled back for a preview that must leave no trace.
 *
 * <p>No session state passes from one request to the next. An org's connections serve only that org
 * ({@code store.OrgPools}), and within it every connection goes back to its pool as a request found
 * it: the caller's identity ({@code request.jwt.claims}) is set on the session when it differs from
 * what the session holds, and SQL that may change the session ({@link SessionEffects}: a {@code
 * SET}, {@code set_config}, a temporary table, an advisory lock...) makes the request end with
 * {@code DISCARD ALL}. The common statements (plain selects and writes) cost no round trip for
 * this; those that may change the session cost one when the request ends.
 */
final class Transaction implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Transaction.class);
  private final OrgConnections connections;
  private final long orgId;
  private final boolean explicit;
  private final boolean rollbackOnly;
  private final String claims;
  private final Duration statementTimeout;
  private DataSource dataSource;
  private Connection connection;

  /**
   * Whether SQL this request ran may have changed its session: it is discarded when the request
   * ends.
   */
  private boolean sessionChanged;

  /**
   * @param claims the caller's claims as JSON, for {@code request.jwt.claims}; empty for a public
   *     endpoint
   * @param statementTimeout how long each statement may run (the endpoint's {@code
   *     statementTimeout})
   */
  Transaction(
      OrgConnections connections,
      long orgId,
      boolean explicit,
      boolean rollbackOnly,
      String claims,
      Duration statementTimeout) {
    this.connections = connections;
    this.statementTimeout = statementTimeout;
    this.orgId = orgId;
    this.explicit = explicit || rollbackOnly;
    this.rollbackOnly = rollbackOnly;
    this.claims = claims;
  }

  Connection connection() throws SQLException {
    if (connection == null) {
      dataSource = connections.of(orgId);
      gate = enter(dataSource);
      try {
        connection = borrow(dataSource, new Session(claims, statementTimeout.toMillis()), explicit);
      } catch (SQLException | RuntimeException e) {
        leave();
        throw e;
      }
    }
    return connection;
  }

  /**
   * Prepares a statement of the request's SQL on its connection.
   *
   * @param changesSession whether the statement may change its session ({@link SessionEffects}):
   *     then the request discards the session when it ends
   */
  PreparedStatement prepare(String sql, boolean changesSession) throws SQLException {
    Connection c = connection();
    sessionChanged |= changesSession;
    return c.prepareStatement(sql);
  }

  /**
   * One permit per connection of a pool, taken before borrowing and given back after. Requests that
   * find every connection busy wait here, not in the pool: a pool with waiting borrowers hands each
   * returned connection over through a queue and asks its connection-adder thread, once per waiting
   * borrower, whether to open another. On W1 (64 connections onto 16) that set in for seconds at a
   * time, doubling the context switches and holding calls up to seconds (p99 0.4-2 s in a third of
   * the rounds); behind an unfair semaphore, p99 5.6-8.3 ms in every round and no less throughput
   * (a fair one cost 40% of it). The data plane queues its requests in order ahead of this, as many
   * running at once as there are permits, so there few wait here.
   */
  private static final Cache<HikariDataSource, Semaphore> GATES =
      Caffeine.newBuilder().weakKeys().build();

  private Semaphore gate;

  private static Semaphore enter(DataSource dataSource) throws SQLException {
    if (!(dataSource instanceof HikariDataSource pool)) return null;
    Semaphore gate = GATES.get(pool, p -> new Semaphore(p.getMaximumPoolSize()));
    try {
      if (gate.tryAcquire(pool.getConnectionTimeout(), TimeUnit.MILLISECONDS)) return gate;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new SQLTransientConnectionException(
        pool.getPoolName()
            + " - Connection is not available, request timed out after "
            + pool.getConnectionTimeout()
            + "ms (total="
            + pool.getMaximumPoolSize()
            + ")");
  }

  private void leave() {
    if (gate != null) {
      gate.release();
      gate = null;
    }
  }

  /**
   * What a request sets on its connection's session: the caller's claims and the statement timeout.
   */
  private record Session(String claims, long statementTimeoutMillis) {}

  /**
   * What each pooled connection's session holds. The caller's claims and the statement timeout are
   * set on the session (not the transaction), so a single read stays one round trip in autocommit,
   * and a connection that already holds the request's needs no set-up at all; a request that needs
   * others sets them first, in autocommit, before its transaction begins. What a session holds is
   * known because a request whose SQL may change it discards it ({@link #close}).
   */
  private static final Cache<Object, Session> SESSIONS = Caffeine.newBuilder().weakKeys().build();

  /** A connection from the pool whose session holds {@code wanted}. */
  private static Connection borrow(DataSource dataSource, Session wanted, boolean transaction)
      throws SQLException {
    Connection c = dataSource.getConnection();
    try {
      Object session = c.unwrap(PGConnection.class);
      if (!wanted.equals(SESSIONS.getIfPresent(session))) {
        SESSIONS.invalidate(session);
        try (var ps =
            c.prepareStatement(
                "select set_config('request.jwt.claims', ?, false), set_config('role', 'none', false), "
                    + "set_config('statement_timeout', ?, false)")) {
          ps.setString(1, wanted.claims());
          ps.setString(2, Long.toString(wanted.statementTimeoutMillis()));
          ps.execute();
        }
        SESSIONS.put(session, wanted);
      }
      if (transaction) c.setAutoCommit(false);
      return c;
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /**
   * Forgets what {@code c}'s session holds: work the cache did not see (a rolled-back test run) may
   * have changed it.
   */
  static void forget(Connection c) {
    try {
      SESSIONS.invalidate(c.unwrap(PGConnection.class));
    } catch (SQLException e) {
      // not a PostgreSQL connection: nothing was known of it
    }
  }

  /**
   * Takes a webhook delivery's event id for the endpoint in this request's transaction (migration
   * V18); false when the org took it before (a replay), or took it in a request that committed
   * while this one waited.
   */
  boolean claimDelivery(String endpoint, String eventId) throws SQLException {
    try (var ps = prepare("select slipway_runtime.claim_delivery(?, ?)", false)) {
      ps.setString(1, endpoint);
      ps.setString(2, eventId);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** Gives back an event id this request claimed: it answered a failure, so a retry runs again. */
  void releaseDelivery(String endpoint, String eventId) throws SQLException {
    try (var ps = prepare("select slipway_runtime.release_delivery(?, ?)", false)) {
      ps.setString(1, endpoint);
      ps.setString(2, eventId);
      ps.execute();
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

  /**
   * Returns the connection; work not committed by {@link #succeed} is rolled back, and a session
   * the request's SQL may have changed is discarded first ({@code DISCARD ALL}: settings, role,
   * temporary tables, prepared statements, advisory locks, notifications). A connection that cannot
   * be discarded is closed instead of going back to the pool.
   */
  @Override
  public void close() {
    if (connection == null) return;
    try (Connection c = connection) {
      if (explicit && !c.getAutoCommit()) c.rollback();
      if (sessionChanged) discard(c);
    } catch (SQLException ignored) {
      // the pool discards a broken connection; nothing more to undo
    }
    connection = null;
    leave();
  }

  private void discard(Connection c) throws SQLException {
    if (dataSource instanceof SharedConnection shared) {
      shared.sessionChanged();
      return;
    }
    try {
      if (!c.getAutoCommit()) c.setAutoCommit(true);
      reset(c);
    } catch (SQLException | RuntimeException e) {
      LOG.warn(
          "a session that endpoint SQL may have changed could not be reset; its connection is closed: {}",
          e.getMessage());
      if (dataSource instanceof HikariDataSource pool) pool.evictConnection(c);
    }
  }

  /**
   * Puts {@code c}'s session back as a new one's ({@code DISCARD ALL}, outside any transaction).
   */
  static void reset(Connection c) throws SQLException {
    forget(c);
    try (var s = c.createStatement()) {
      s.execute("discard all");
    }
  }
}
