package dev.slipway.store;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database login endpoint SQL runs as: {@code slipway_endpoint}, a role with no rights of its
 * own but those of {@code slipway_caller} (which it inherits, and which endpoints with a caller
 * switch to). Endpoint authors write SQL, so that SQL must not run as the user that owns the
 * platform's tables: even {@code RESET ROLE} then only lands on this login, which cannot see
 * schema {@code slipway}. Created (with a generated password kept in {@code slipway.settings})
 * when the database user may create roles; otherwise endpoints run as that user, with a warning.
 */
final class EndpointLogin {
  private static final Logger LOG = LoggerFactory.getLogger(EndpointLogin.class);
  static final String ROLE = "slipway_endpoint";
  private static final String PASSWORD_SETTING = "endpoint_login_password";

  private EndpointLogin() {}

  /** The login for the data plane's pool, or empty when it cannot be made here. */
  static Optional<Database.JdbcTarget> ensure(DataSource platform, Database.JdbcTarget owner) throws SQLException {
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    String candidate = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    try (Connection c = platform.getConnection()) {
      c.setAutoCommit(false);
      String password;
      try (var ps = c.prepareStatement("""
          insert into slipway.settings (key, value) values (?, ?) on conflict (key) do update set key = excluded.key
          returning value""")) {
        ps.setString(1, PASSWORD_SETTING);
        ps.setString(2, candidate);
        try (var rs = ps.executeQuery()) {
          rs.next();
          password = rs.getString(1);
        }
      }
      try (var s = c.createStatement()) {
        s.execute("select pg_advisory_xact_lock(5112113)");  // one instance at a time creates the role
        s.execute("""
            do $$ begin
              if not exists (select from pg_roles where rolname = 'slipway_endpoint') then
                create role slipway_endpoint login inherit nosuperuser nocreatedb nocreaterole nobypassrls;
              end if;
            end $$""");
        // base64url: no quote can end the literal
        s.execute("alter role slipway_endpoint with login password '" + password + "'");
        s.execute("grant slipway_caller to slipway_endpoint");
      }
      c.commit();
      return Optional.of(new Database.JdbcTarget(owner.url(), ROLE, password));
    } catch (SQLException e) {
      if (!"42501".equals(e.getSQLState()) && !"42704".equals(e.getSQLState())) throw e;
      LOG.warn("cannot create the database login {} ({}): endpoint SQL runs as {}, which can read Slipway's own tables; "
          + "give this user CREATEROLE, or create a login that inherits slipway_caller and set SLIPWAY_ENDPOINT_DATABASE_URL",
          ROLE, e.getMessage(), owner.user());
      return Optional.empty();
    }
  }
}
