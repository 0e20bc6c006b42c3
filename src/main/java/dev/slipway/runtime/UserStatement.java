package dev.slipway.runtime;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * One statement of a request's SQL, prepared by {@link Transaction#prepare}. Its parameters are
 * numbered from 1 as in the SQL it was given, and its results are its own: the session reset a
 * request's first statement carries ahead of it stays out of sight.
 */
final class UserStatement implements AutoCloseable {
  private final PreparedStatement statement;
  private final int firstParameter;
  private final int resultsAhead;
  private final Transaction transaction;

  UserStatement(PreparedStatement statement, int parametersAhead, int resultsAhead, Transaction transaction) {
    this.statement = statement;
    this.firstParameter = parametersAhead + 1;
    this.resultsAhead = resultsAhead;
    this.transaction = transaction;
  }

  /** Binds the statement's {@code index}th parameter (from 1). */
  void bind(int index, Object value) throws SQLException {
    SqlValues.bind(statement, firstParameter + index - 1, value);
  }

  /** Runs the statement: true when its result is rows ({@link #rows}), false for a count ({@link #count}). */
  boolean execute() throws SQLException {
    boolean rows = statement.execute();
    for (int i = 0; i < resultsAhead; i++) rows = statement.getMoreResults();
    if (resultsAhead > 0) transaction.sessionWasReset();
    return rows;
  }

  ResultSet rows() throws SQLException {
    return statement.getResultSet();
  }

  long count() throws SQLException {
    return statement.getLargeUpdateCount();
  }

  @Override
  public void close() throws SQLException {
    statement.close();
  }
}
