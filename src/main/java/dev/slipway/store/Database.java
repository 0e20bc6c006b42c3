package dev.slipway.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.slipway.Resources;
import dev.slipway.config.SlipwayConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL Slipway runs on: the server at {@code SLIPWAY_DATABASE_URL}, or an embedded one
 * whose data lives under the data directory and survives restarts. Opening migrates Slipway's
 * schema and, on the first start of an empty embedded database, creates the demo data.
 */
public final class Database implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);
  public static final String PLATFORM_SCHEMA = "slipway";

  /** Connections for deployed endpoints: SLIPWAY_DB_POOL_SIZE, the data plane's database concurrency. */
  private final HikariDataSource pool;
  /** Connections for the platform's own tables (control plane, deploys, notifications' catch-up). */
  private final HikariDataSource platformPool;
  private final Optional<EmbeddedPostgres> embedded;
  private final String jdbcUrl;

  private Database(HikariDataSource pool, HikariDataSource platformPool, Optional<EmbeddedPostgres> embedded, String jdbcUrl) {
    this.pool = pool;
    this.platformPool = platformPool;
    this.embedded = embedded;
    this.jdbcUrl = jdbcUrl;
  }

  public static Database open(SlipwayConfig config) throws IOException, SQLException {
    Optional<EmbeddedPostgres> embedded = Optional.empty();
    JdbcTarget target;
    if (config.databaseUrl().isPresent()) {
      target = JdbcTarget.parse(config.databaseUrl().get());
    } else {
      Path dir = config.dataDir().resolve("postgres");
      Files.createDirectories(dir);
      LOG.info("starting embedded PostgreSQL with its data in {}", dir);
      var server = EmbeddedPostgres.builder()
          .setDataDirectory(dir)
          .setCleanDataDirectory(false)
          .setPGStartupWait(java.time.Duration.ofSeconds(60))
          .start();
      embedded = Optional.of(server);
      target = new JdbcTarget(server.getJdbcUrl("postgres", "postgres"), "postgres", "");
    }
    var platformPool = pool(target, "slipway-platform", PLATFORM_POOL_SIZE, 1);
    try {
      migrate(platformPool, config.demoData() && embedded.isPresent());
      var endpointTarget = config.endpointDatabaseUrl().isPresent()
          ? JdbcTarget.parse(config.endpointDatabaseUrl().get())
          : EndpointLogin.ensure(platformPool, target).orElse(target);
      var pool = pool(endpointTarget, "slipway", config.poolSize(), Math.min(4, config.poolSize()));
      return new Database(pool, platformPool, embedded, target.url());
    } catch (RuntimeException | SQLException e) {
      platformPool.close();
      embedded.ifPresent(Database::stop);
      throw e;
    }
  }

  private static final int PLATFORM_POOL_SIZE = 4;

  private static HikariDataSource pool(JdbcTarget target, String name, int size, int minimumIdle) {
    var hikari = new HikariConfig();
    hikari.setPoolName(name);
    hikari.setJdbcUrl(target.url());
    hikari.setUsername(target.user());
    hikari.setPassword(target.password());
    hikari.setMaximumPoolSize(size);
    hikari.setMinimumIdle(minimumIdle);
    hikari.setConnectionTimeout(10_000);
    // Strings bind untyped so PostgreSQL reads them as the column's type (uuid, date, enum...).
    hikari.addDataSourceProperty("stringtype", "unspecified");
    hikari.addDataSourceProperty("ApplicationName", name);
    hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
    hikari.setConnectionInitSql("set statement_timeout = '30s'");
    return new HikariDataSource(hikari);
  }

  private static void migrate(HikariDataSource platformPool, boolean demoWanted) throws SQLException {
    boolean fresh;
    try (Connection c = platformPool.getConnection(); var rs = c.createStatement().executeQuery(
        "select count(*) from information_schema.schemata where schema_name in ('slipway', 'app')")) {
      rs.next();
      fresh = rs.getInt(1) == 0;
    }
    var result = Flyway.configure()
        .dataSource(platformPool)
        .schemas(PLATFORM_SCHEMA)
        .createSchemas(true)
        .locations("classpath:db/migration")
        .load()
        .migrate();
    if (result.migrationsExecuted > 0) LOG.info("applied {} migration(s) to schema {}", result.migrationsExecuted, PLATFORM_SCHEMA);
    if (fresh && demoWanted) {
      try (Connection c = platformPool.getConnection(); Statement s = c.createStatement()) {
        s.execute(Resources.text("demo/demo.sql"));
      }
      LOG.info("created the demo schema 'app' (projects, teams, team_members, activity); SLIPWAY_DEMO_DATA=false skips this");
    }
  }

  /** The data plane's pool: only endpoint transactions borrow from it (they manage its sessions' identity). */
  public DataSource dataSource() {
    return pool;
  }

  /** The platform's pool as Hikari (its credentials are the owner's). */
  public HikariDataSource platformPool() {
    return platformPool;
  }

  /** The platform's pool: stores, deploys, settings. */
  public DataSource platformDataSource() {
    return platformPool;
  }

  public HikariDataSource pool() {
    return pool;
  }

  public String jdbcUrl() {
    return jdbcUrl;
  }

  public boolean embedded() {
    return embedded.isPresent();
  }

  @Override
  public void close() {
    pool.close();
    platformPool.close();
    embedded.ifPresent(Database::stop);
  }

  private static void stop(EmbeddedPostgres server) {
    try {
      server.close();
    } catch (IOException e) {
      LOG.warn("embedded PostgreSQL did not stop cleanly", e);
    }
  }

  /** A JDBC URL with its credentials, read from a {@code postgres://} or {@code jdbc:postgresql:} URL. */
  record JdbcTarget(String url, String user, String password) {
    static JdbcTarget parse(String url) {
      if (url.startsWith("jdbc:")) return new JdbcTarget(url, null, null);
      URI uri = URI.create(url);
      String user = null;
      String password = null;
      if (uri.getRawUserInfo() != null) {
        String[] parts = uri.getRawUserInfo().split(":", 2);
        user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
        if (parts.length > 1) password = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
      }
      String host = uri.getHost() == null ? "localhost" : uri.getHost();
      String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
      String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
      return new JdbcTarget("jdbc:postgresql://" + host + port + uri.getRawPath() + query, user, password);
    }
  }
}
