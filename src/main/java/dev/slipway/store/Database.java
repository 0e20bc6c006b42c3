package dev.slipway.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.slipway.common.Resources;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
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

  /**
   * Connections for orgs' SQL: a pool per org, logged in as the org's own login (see {@link
   * OrgPools}).
   */
  private final OrgPools orgs;

  /**
   * Connections for the platform's own tables (control plane, deploys, notifications' catch-up).
   */
  private final HikariDataSource platformPool;

  private final Optional<EmbeddedPostgres> embedded;
  private final String jdbcUrl;

  private Database(
      OrgPools orgs,
      HikariDataSource platformPool,
      Optional<EmbeddedPostgres> embedded,
      String jdbcUrl) {
    this.orgs = orgs;
    this.platformPool = platformPool;
    this.embedded = embedded;
    this.jdbcUrl = jdbcUrl;
  }

  /**
   * What the database needs of the configuration (SLIPWAY_DATABASE_URL and the other settings of
   * the same names).
   *
   * @param databaseUrl the PostgreSQL to use; empty: the embedded one, with its data in {@code
   *     dataDir/postgres}
   * @param embeddedUnsafeFast the embedded PostgreSQL without fsync and synchronous commit
   * @param demoData create the demo on the first start of an empty embedded database
   * @param endpointDatabaseUrl where endpoints' SQL runs when not in Slipway's own database
   * @param poolSize connections per pool
   * @param allowUnconfinedSql serve even when orgs' SQL cannot be confined to their own logins
   */
  public record Settings(
      Optional<String> databaseUrl,
      Path dataDir,
      boolean embeddedUnsafeFast,
      boolean demoData,
      Optional<String> endpointDatabaseUrl,
      int poolSize,
      boolean allowUnconfinedSql) {}

  /**
   * Opens the database: starts the embedded server when no URL is configured, migrates Slipway's
   * schema, chooses and checks the logins orgs' SQL runs as (refusing to serve with {@link
   * OrgPools.UnconfinedSqlException} when they are not confined), and on the first start of an
   * empty embedded database creates the demo, which belongs to the default org.
   */
  public static Database open(Settings settings, long defaultOrg) throws IOException, SQLException {
    Optional<EmbeddedPostgres> embedded = Optional.empty();
    JdbcTarget target;
    if (settings.databaseUrl().isPresent()) {
      target = JdbcTarget.parse(settings.databaseUrl().get());
    } else {
      Path dir = settings.dataDir().resolve("postgres");
      LOG.info("starting embedded PostgreSQL with its data in {}", dir);
      var server = EmbeddedServer.start(dir, settings.embeddedUnsafeFast());
      embedded = Optional.of(server);
      // no user in the URL: a URL's user would win over every pool's own, the orgs' logins included
      target =
          new JdbcTarget(
              "jdbc:postgresql://localhost:" + server.getPort() + "/postgres", "postgres", "");
    }
    var platformPool = platformPool(target);
    OrgPools orgs = null;
    try {
      boolean demo = migrate(platformPool, settings.demoData() && embedded.isPresent());
      orgs =
          OrgPools.open(
              target.withoutCredentials(),
              target,
              platformPool,
              settings.endpointDatabaseUrl().map(JdbcTarget::parse),
              settings.poolSize(),
              defaultOrg,
              settings.allowUnconfinedSql());
      if (demo) {
        createDemo(platformPool);
        orgs.grantDemo(defaultOrg);
      }
      return new Database(orgs, platformPool, embedded, target.url());
    } catch (RuntimeException | SQLException e) {
      if (orgs != null) orgs.close();
      platformPool.close();
      embedded.ifPresent(Database::stop);
      throw e;
    }
  }

  private static final int PLATFORM_POOL_SIZE = 4;

  private static HikariDataSource platformPool(JdbcTarget target) {
    var hikari = new HikariConfig();
    hikari.setPoolName("slipway-platform");
    hikari.setJdbcUrl(target.url());
    hikari.setUsername(target.user());
    hikari.setPassword(target.password());
    hikari.setMaximumPoolSize(PLATFORM_POOL_SIZE);
    hikari.setMinimumIdle(1);
    hikari.setConnectionTimeout(10_000);
    hikari.addDataSourceProperty("stringtype", "unspecified");
    hikari.addDataSourceProperty("ApplicationName", "slipway-platform");
    hikari.setConnectionInitSql("set statement_timeout = '30s'");
    return new HikariDataSource(hikari);
  }

  /**
   * Migrates Slipway's schema; answers whether the demo is to be made (wanted, and the database was
   * empty).
   */
  private static boolean migrate(HikariDataSource platformPool, boolean demoWanted)
      throws SQLException {
    boolean fresh;
    try (Connection c = platformPool.getConnection();
        var rs =
            c.createStatement()
                .executeQuery(
                    "select count(*) from information_schema.schemata where schema_name in ('slipway', 'app')")) {
      rs.next();
      fresh = rs.getInt(1) == 0;
    }
    var result =
        Flyway.configure()
            .dataSource(platformPool)
            .schemas(PLATFORM_SCHEMA)
            .createSchemas(true)
            .locations("classpath:db/migration")
            .load()
            .migrate();
    if (result.migrationsExecuted > 0)
      LOG.info("applied {} migration(s) to schema {}", result.migrationsExecuted, PLATFORM_SCHEMA);
    return fresh && demoWanted;
  }

  private static void createDemo(HikariDataSource platformPool) throws SQLException {
    try (Connection c = platformPool.getConnection();
        Statement s = c.createStatement()) {
      s.execute(Resources.text("demo/demo.sql"));
    }
    LOG.info(
        "created the demo schema 'app' (projects, teams, team_members, activity); SLIPWAY_DEMO_DATA=false skips this");
  }

  /** Where orgs' SQL gets its connections. */
  public OrgPools orgs() {
    return orgs;
  }

  /** The platform's pool as Hikari (its credentials are the owner's). */
  public HikariDataSource platformPool() {
    return platformPool;
  }

  /** The platform's pool: stores, deploys, settings. */
  public DataSource platformDataSource() {
    return platformPool;
  }

  public String jdbcUrl() {
    return jdbcUrl;
  }

  public boolean embedded() {
    return embedded.isPresent();
  }

  @Override
  public void close() {
    orgs.close();
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

  /**
   * A JDBC URL and the credentials to use with it, read from a {@code postgres://} or {@code
   * jdbc:postgresql:} URL. A {@code user} or {@code password} in the URL's query moves to the
   * credentials: in the URL they would win over every pool's own user.
   */
  record JdbcTarget(String url, String user, String password) {
    static JdbcTarget parse(String url) {
      if (url.startsWith("jdbc:")) {
        int question = url.indexOf('?');
        if (question < 0) return new JdbcTarget(url, null, null);
        String user = null;
        String password = null;
        var kept = new java.util.ArrayList<String>();
        for (String pair : url.substring(question + 1).split("&")) {
          String name = pair.substring(0, Math.max(0, pair.indexOf('=')));
          String value =
              URLDecoder.decode(pair.substring(pair.indexOf('=') + 1), StandardCharsets.UTF_8);
          if (name.equals("user")) user = value;
          else if (name.equals("password")) password = value;
          else kept.add(pair);
        }
        return new JdbcTarget(
            url.substring(0, question) + (kept.isEmpty() ? "" : "?" + String.join("&", kept)),
            user,
            password);
      }
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
      return parse("jdbc:postgresql://" + host + port + uri.getRawPath() + query)
          .withUser(user, password);
    }

    private JdbcTarget withUser(String user, String password) {
      return new JdbcTarget(
          url, user != null ? user : this.user, password != null ? password : this.password);
    }

    /** The same server and database, with no user of its own. */
    JdbcTarget withoutCredentials() {
      return new JdbcTarget(url, null, null);
    }
  }
}
