package dev.slipway.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * A Slipway in one of the set-ups a security guarantee must hold in: the default one (no database
 * URL: Slipway's embedded PostgreSQL, in a fresh data directory) or on a server given by URL (a
 * fresh {@link TestDatabase} on the tests' server). It gives the test superuser access to the
 * database underneath, and a second org to attack from.
 */
public final class TestInstall implements AutoCloseable {
  /** Where the database comes from. */
  public enum Setup {
    EMBEDDED,
    EXTERNAL
  }

  private final TestSlipway slipway;
  private final Optional<TestDatabase> database;
  private final Optional<Path> dataDir;

  private TestInstall(
      TestSlipway slipway, Optional<TestDatabase> database, Optional<Path> dataDir) {
    this.slipway = slipway;
    this.database = database;
    this.dataDir = dataDir;
  }

  public static TestInstall start(Setup setup, Map<String, String> settings) throws Exception {
    if (setup == Setup.EXTERNAL) {
      var database = new TestDatabase();
      try {
        return new TestInstall(
            TestSlipway.start(database.url(), null, settings),
            Optional.of(database),
            Optional.empty());
      } catch (Exception | Error e) {
        database.close();
        throw e;
      }
    }
    Path dataDir = Files.createTempDirectory("slipway-install-");
    try {
      return new TestInstall(
          TestSlipway.start(null, dataDir, settings), Optional.empty(), Optional.of(dataDir));
    } catch (Exception | Error e) {
      delete(dataDir);
      throw e;
    }
  }

  public TestSlipway slipway() {
    return slipway;
  }

  /** A connection to Slipway's database as the superuser postgres. */
  public Connection superuser() throws SQLException {
    if (database.isPresent()) return database.get().connect();
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + embeddedPort() + "/postgres", "postgres", "");
  }

  /** The database as the superuser, as a data source (for the platform's own classes). */
  public DataSource superuserDataSource() {
    if (database.isPresent()) return database.get().dataSource();
    var source = new org.postgresql.ds.PGSimpleDataSource();
    source.setURL("jdbc:postgresql://127.0.0.1:" + embeddedPort() + "/postgres");
    source.setUser("postgres");
    return source;
  }

  /** Runs SQL as the superuser. */
  public void execute(String sql) {
    try (Connection c = superuser();
        var s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** The first column of the first row of a query run as the superuser. */
  public Object scalar(String sql) {
    try (Connection c = superuser();
        var rs = c.createStatement().executeQuery(sql)) {
      return rs.next() ? rs.getObject(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** Makes another org ({@code slug}) with its owner signed in: the control plane as that org. */
  public TestOrg otherOrg(String slug) {
    return TestOrg.create(slipway, superuserDataSource(), slug);
  }

  /** The port of the embedded server, from its postmaster.pid (line 4). */
  private int embeddedPort() {
    try {
      return Integer.parseInt(
          Files.readAllLines(dataDir.orElseThrow().resolve("postgres/postmaster.pid"))
              .get(3)
              .strip());
    } catch (IOException e) {
      throw new IllegalStateException("the embedded PostgreSQL is not running", e);
    }
  }

  @Override
  public void close() {
    try {
      slipway.close();
    } finally {
      database.ifPresent(TestDatabase::close);
      dataDir.ifPresent(TestInstall::delete);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind
    }
  }
}
