package dev.slipway.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server a test run makes its databases on, chosen once per run (the tests share one
 * JVM): the server at {@code SLIPWAY_TEST_PG=host:port} when that is set; else the one on
 * 127.0.0.1:5432 when it lets postgres in without a password, as on CI; else, and always with
 * {@code SLIPWAY_TEST_PG=embedded}, the embedded PostgreSQL that Slipway ships, on a free port with
 * its data in a temporary directory, stopped and deleted when the JVM exits. So the tests need no
 * PostgreSQL installed. On every one of them the tests are the superuser postgres, trusted.
 */
final class TestPostgres {
  private static final Logger LOG = LoggerFactory.getLogger(TestPostgres.class);
  private static final String LOCAL = "127.0.0.1:5432";

  private static String address;

  private TestPostgres() {}

  /**
   * The server's {@code host:port}; the first call may start the embedded server, which takes some
   * seconds.
   */
  static synchronized String address() {
    if (address == null) address = choose();
    return address;
  }

  /** The JDBC URL of a database on the server. */
  static String jdbcUrl(String database) {
    return "jdbc:postgresql://" + address() + "/" + database;
  }

  private static String choose() {
    String configured = System.getenv().getOrDefault("SLIPWAY_TEST_PG", "").strip();
    if (!configured.isEmpty() && !configured.equals("embedded")) return configured;
    if (configured.isEmpty()) {
      try (Connection c = connect(LOCAL)) {
        return LOCAL;
      } catch (SQLException e) {
        LOG.info(
            "no PostgreSQL lets postgres in at {} ({}): the tests run on an embedded one",
            LOCAL,
            e.getMessage());
      }
    }
    return startEmbedded();
  }

  private static Connection connect(String server) throws SQLException {
    var properties = new Properties();
    properties.setProperty("user", "postgres");
    properties.setProperty("connectTimeout", "2");
    properties.setProperty("loginTimeout", "5");
    return DriverManager.getConnection("jdbc:postgresql://" + server + "/postgres", properties);
  }

  private static String startEmbedded() {
    try {
      // the library registers a shutdown hook that stops the server and deletes its data directory
      var server = EmbeddedPostgres.builder().setPGStartupWait(Duration.ofSeconds(60)).start();
      String started = "127.0.0.1:" + server.getPort();
      LOG.info("started the tests' embedded PostgreSQL at {}", started);
      return started;
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot start the embedded PostgreSQL for the tests "
              + "(or set SLIPWAY_TEST_PG=host:port to a server where postgres is trusted)",
          e);
    }
  }
}
