package dev.slipway.runtime;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Where an org's SQL gets its database connections: endpoint steps, a script's {@code ctx.db},
 * previews, draft tests, {@code /api/execute} and save-time checks all run with the rights of the
 * connection this gives for the org, and of nothing else.
 */
@FunctionalInterface
public interface OrgConnections {
  /** The org's connections; may create them on the first call for an org, so it may block. */
  DataSource of(long orgId);

  /**
   * A connection of the org's for the control plane's own work with its SQL (save-time checks,
   * draft-test runs, reading its tables' columns), in a transaction the caller ends, with every
   * session setting an earlier request changed reset first. (Requests reset theirs with their first
   * statement instead, for no extra round trip: see {@link Transaction}.)
   */
  default Connection clean(long orgId) throws SQLException {
    Connection c = of(orgId).getConnection();
    try {
      c.setAutoCommit(false);
      try (var s = c.createStatement()) {
        s.execute("reset all; set role none");
      }
      return c;
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
  }
}
