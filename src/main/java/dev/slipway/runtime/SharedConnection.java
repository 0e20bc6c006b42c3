package dev.slipway.runtime;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Savepoint;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * One connection in one transaction, handed to every request of a test run as if from a pool: a
 * request's commit keeps its work for the next case, a rollback undoes only the current case (back
 * to the savepoint {@link #startCase} took), and closing it does nothing. {@link #close} rolls
 * everything back, so the run leaves no trace. One case at a time.
 */
public final class SharedConnection implements DataSource, AutoCloseable {

  private final Connection real;
  private final Connection shared;
  private Savepoint caseStart;

  /**
   * Whether the current case's request committed: its work stays, and a rollback after it (a
   * request's connection is rolled back when it goes back, in case) undoes nothing.
   */
  private boolean committed;

  /** Whether SQL of the run may have changed the session, beyond what rolling back undoes. */
  private boolean sessionChanged;

  /**
   * @param real a connection in a transaction (see {@link OrgConnections#clean}), closed by {@link
   *     #close}
   */
  public SharedConnection(Connection real) {
    this.real = real;
    this.shared =
        (Connection)
            Proxy.newProxyInstance(
                Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "close", "setAutoCommit" -> null;
                      case "commit" -> {
                        committed = true;
                        yield null;
                      }
                      case "getAutoCommit" -> false;
                      case "isClosed" -> false;
                      case "rollback" -> {
                        // after a commit there is nothing to undo, as on a real connection
                        if (args == null || args.length == 0) {
                          if (!committed) real.rollback(caseStart);
                        } else {
                          real.rollback((Savepoint) args[0]);
                        }
                        yield null;
                      }
                      default -> {
                        try {
                          yield method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                          throw e.getCause();
                        }
                      }
                    });
  }

  /** Marks where the next case begins. */
  public void startCase() throws SQLException {
    caseStart = real.setSavepoint();
    committed = false;
  }

  /**
   * Ends the case: its work stays for the cases after it when it succeeded, and is undone when it
   * failed (as a failed request's would be; a failed statement also leaves the transaction unusable
   * until then).
   */
  public void finishCase(boolean keep) throws SQLException {
    if (keep) {
      real.releaseSavepoint(caseStart);
    } else {
      real.rollback(caseStart);
    }
  }

  @Override
  public Connection getConnection() {
    return shared;
  }

  @Override
  public Connection getConnection(String username, String password) {
    return getConnection();
  }

  /**
   * SQL of the run may have changed its session ({@link SessionEffects}): {@link #close} discards
   * it.
   */
  void sessionChanged() {
    sessionChanged = true;
  }

  /**
   * Notes SQL the run sends around the pipeline (a fixture): {@link #close} discards the session if
   * it may have changed it.
   */
  public void ran(String sql) {
    if (SessionEffects.mayChange(sql)) sessionChanged = true;
  }

  /**
   * Rolls back all the run did and returns the connection to its pool, its session discarded if the
   * run's SQL may have changed it (an advisory lock or a prepared statement outlives a rollback).
   */
  @Override
  public void close() throws SQLException {
    try {
      real.rollback();
      real.setAutoCommit(true);
      if (sessionChanged) Transaction.reset(real);
    } finally {
      // the rollback undid the callers' claims the run's requests set: what the session holds is
      // unknown
      Transaction.forget(real);
      real.close();
    }
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    throw new SQLException("not a wrapper");
  }

  @Override
  public boolean isWrapperFor(Class<?> type) {
    return false;
  }
}
