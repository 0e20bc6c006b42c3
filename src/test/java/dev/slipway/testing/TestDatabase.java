package dev.slipway.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh PostgreSQL database for one test class, on the run's server ({@link TestPostgres}: the
 * machine's, or an embedded one), holding the demo schema. Dropped on close, so no test sees what
 * another left.
 */
public final class TestDatabase implements AutoCloseable {

  private final String name =
      "slipway_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);

  /** The user Slipway connects as: postgres, or a plain login role that owns the database. */
  private final String user;

  public TestDatabase() {
    this(false);
  }

  /**
   * A fresh database with the demo schema. {@code plainOwner}: owned by, and used through, a new
   * login role without superuser, CREATEROLE or BYPASSRLS, as on a managed PostgreSQL.
   */
  public TestDatabase(boolean plainOwner) {
    this.user = plainOwner ? name + "_owner" : "postgres";
    if (plainOwner) admin("create role " + user + " login nosuperuser nocreaterole nobypassrls");
    admin("create database " + name + (plainOwner ? " owner " + user : ""));
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      // as a database set up for an earlier Slipway would be: the demo schema, and the tables tests
      // add to it later, granted to slipway_caller, whose rights Slipway hands to the default org's
      // login when it starts (OrgLogins.adoptCallerGrants)
      s.execute(
          "do $$ begin if not exists (select from pg_roles where rolname = 'slipway_caller') then "
              + "create role slipway_caller nologin noinherit; end if; end $$");
      if (plainOwner) s.execute("set role " + user);
      s.execute(resource("/demo/demo.sql"));
      if (!plainOwner) {
        s.execute("grant usage on schema app to slipway_caller");
        s.execute(
            "grant select, insert, update, delete on all tables in schema app to slipway_caller");
        s.execute(
            "alter default privileges in schema app grant select, insert, update, delete on tables to slipway_caller");
        s.execute(
            "alter default privileges in schema app grant usage, select on sequences to slipway_caller");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot load the demo schema", e);
    }
  }

  /** A {@code postgres://} URL, the form users configure. */
  public String url() {
    return "postgres://" + user + "@" + TestPostgres.address() + "/" + name;
  }

  /** The database as a plain (unpooled) data source for the user Slipway connects as. */
  public javax.sql.DataSource ownerDataSource() {
    return dataSource(user);
  }

  /** The database as a plain (unpooled) data source, user postgres. */
  public javax.sql.DataSource dataSource() {
    return dataSource("postgres");
  }

  private javax.sql.DataSource dataSource(String as) {
    var source = new org.postgresql.ds.PGSimpleDataSource();
    source.setURL(TestPostgres.jdbcUrl(name));
    source.setUser(as);
    return source;
  }

  /** A connection as postgres (a superuser). */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(TestPostgres.jdbcUrl(name), "postgres", "");
  }

  /** The first column of the first row of a query. */
  public Object scalar(String sql) {
    try (Connection c = connect();
        var rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getObject(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  public void execute(String sql) {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /**
   * Drops the database, and the logins Slipway made for its orgs (roles are the server's, not the
   * database's).
   */
  @Override
  public void close() {
    var logins = new java.util.ArrayList<String>();
    try (Connection c = connect();
        var rs = c.createStatement().executeQuery("select role_name from slipway.org_logins")) {
      while (rs.next()) logins.add(rs.getString(1));
    } catch (SQLException e) {
      // Slipway never started on it
    }
    admin("drop database if exists " + name + " with (force)");
    for (String login : logins) admin("drop role if exists \"" + login + "\"");
    if (!user.equals("postgres")) admin("drop role if exists " + user);
  }

  private static void admin(String sql) {
    try (Connection c =
            DriverManager.getConnection(TestPostgres.jdbcUrl("postgres"), "postgres", "");
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "the tests' PostgreSQL at " + TestPostgres.address() + " refused: " + e.getMessage(), e);
    }
  }

  private static String resource(String name) {
    try (InputStream in = TestDatabase.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
