package dev.slipway.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Transactions on the platform tables. {@link #inOrg} is how the control plane works on one org's
 * rows: the transaction sets the org and, where the database user may, runs as the role {@code
 * slipway_platform}, so the row-level security policies of migration V3 hide every other org's rows
 * even from a query that forgot to name the org. {@link #system} sets no org, for work that spans
 * orgs.
 */
public final class PlatformTransactions {
  /** Work inside one transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private static final String ROLE_USABLE =
      """
      select case when exists (select from pg_roles where rolname = ?)
                  then pg_has_role(current_user, ?, 'member') else false end""";

  private final DataSource dataSource;
  private final String enterOrg;

  /**
   * Checks once whether this database user may switch to {@code slipway_platform} (migration V3
   * creates it only with CREATEROLE). Without the role, org-scoped work runs as the tables' owner,
   * whom the forced policies bind just the same (a superuser always has the role).
   */
  public PlatformTransactions(DataSource dataSource) throws SQLException {
    this.dataSource = dataSource;
    this.enterOrg =
        canAssume("slipway_platform")
            ? "select set_config('slipway.org_id', ?, true), set_config('role', 'slipway_platform', true)"
            : "select set_config('slipway.org_id', ?, true)";
  }

  /** Whether the database user may {@code SET ROLE} to {@code role}. */
  public boolean canAssume(String role) throws SQLException {
    try (Connection c = dataSource.getConnection();
        var ps = c.prepareStatement(ROLE_USABLE)) {
      ps.setString(1, role);
      ps.setString(2, role);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** Runs {@code work} in one transaction confined to the org's rows; commits when it returns. */
  public <T> T inOrg(long orgId, Work<T> work) throws SQLException {
    return system(
        c -> {
          enterOrg(c, orgId);
          return work.run(c);
        });
  }

  /** Runs {@code work} in one transaction with no org set; commits when it returns. */
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
  public void enterOrg(Connection c, long orgId) throws SQLException {
    try (var ps = c.prepareStatement(enterOrg)) {
      ps.setString(1, Long.toString(orgId));
      ps.execute();
    }
  }
}
