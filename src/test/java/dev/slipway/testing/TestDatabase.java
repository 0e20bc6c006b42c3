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
 * A fresh PostgreSQL database for one test class, on the server at {@code SLIPWAY_TEST_PG}
 * (default {@code 127.0.0.1:5432}, user postgres, trust auth), holding the demo schema. Dropped on
 * close, so no test sees what another left.
 */
public final class TestDatabase implements AutoCloseable {
  private static final String SERVER = System.getenv().getOrDefault("SLIPWAY_TEST_PG", "127.0.0.1:5432");

  private final String name = "slipway_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);

  public TestDatabase() {
    admin("create database " + name);
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute(resource("/demo/demo.sql"));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot load the demo schema", e);
    }
  }

  /** A {@code postgres://} URL, the form users configure. */
  public String url() {
    return "postgres://postgres@" + SERVER + "/" + name;
  }

  /** The database as a plain (unpooled) data source, user postgres. */
  public javax.sql.DataSource dataSource() {
    var source = new org.postgresql.ds.PGSimpleDataSource();
    source.setURL("jdbc:postgresql://" + SERVER + "/" + name);
    source.setUser("postgres");
    return source;
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://" + SERVER + "/" + name, "postgres", "");
  }

  /** The first column of the first row of a query. */
  public Object scalar(String sql) {
    try (Connection c = connect(); var rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getObject(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  public void execute(String sql) {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  @Override
  public void close() {
    admin("drop database if exists " + name + " with (force)");
  }

  private static void admin(String sql) {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + SERVER + "/postgres", "postgres", "");
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL at " + SERVER + " is needed for the tests: " + e.getMessage(), e);
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
