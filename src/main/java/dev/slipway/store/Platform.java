package dev.slipway.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Transactions on the platform tables. {@link #inOrg} is how the control plane works on one org's
 * rows: the transaction runs as the role {@code slipway_platform} with the org set, so the
 * row-level security policies of migration V3 hide every other org's rows even from a query that
 * forgot to name the org. {@link #system} runs as the tables' owner, for work that spans orgs.
 */
public final class Platform {
  /** Work inside one transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private final DataSource dataSource;

  public Platform(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  /** Runs {@code work} in one transaction confined to the org's rows; commits when it returns. */
  public <T> T inOrg(long orgId, Work<T> work) throws SQLException {
    return system(c -> {
      enterOrg(c, orgId);
      return work.run(c);
    });
  }

  /** Runs {@code work} in one transaction as the tables' owner; commits when it returns. */
  public <T> T system(Work<T> work) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        c.rollback();
        throw e;
      }
    }
  }

  /** From here to the end of the transaction, {@code c} sees only the org's rows. */
  public static void enterOrg(Connection c, long orgId) throws SQLException {
    try (var ps = c.prepareStatement("select set_config('slipway.org_id', ?, true), set_config('role', 'slipway_platform', true)")) {
      ps.setString(1, Long.toString(orgId));
      ps.execute();
    }
  }
}
