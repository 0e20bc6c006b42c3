package dev.slipway.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.slipway.common.NamedThreads;
import dev.slipway.runtime.OrgConnections;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections orgs' SQL runs on. In the default set-up every org has a pool of its own, logged
 * in as the org's database login ({@link OrgLogins}), made when the org first needs it: no
 * connection ever serves two orgs, so neither rights nor session state pass from one org to
 * another. Where Slipway may not make logins, one pool serves every org as the login an operator
 * named ({@code SLIPWAY_ENDPOINT_DATABASE_URL}), or as the platform's own user when that risk was
 * accepted ({@code SLIPWAY_ALLOW_UNCONFINED_SQL}).
 *
 * <p>Each pool opens up to {@code SLIPWAY_DB_POOL_SIZE} connections and closes those idle for a
 * minute. So that many orgs busy in turn cannot take every connection the server allows, idle
 * connections of the least recently used pools are closed whenever all pools together hold more
 * than {@link #OPEN_LIMIT_PER_POOL_SIZE} times the pool size.
 */
public final class OrgPools implements OrgConnections, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OrgPools.class);
  static final int OPEN_LIMIT_PER_POOL_SIZE = 3;

  /** Who runs orgs' SQL: one login per org, or one login for all. */
  private sealed interface Mode {
    record PerOrg(OrgLogins logins) implements Mode {}

    record Shared(HikariDataSource pool, String login, boolean confined) implements Mode {}
  }

  /** An org's login, its pool, and when the pool was last asked for. */
  private static final class Entry {
    final OrgLogins.Login login;
    final HikariDataSource pool;
    volatile long lastUsed = System.nanoTime();

    Entry(OrgLogins.Login login, HikariDataSource pool) {
      this.login = login;
      this.pool = pool;
    }
  }

  /** Chosen once by {@link #open}, before the pools are handed out. */
  private volatile Mode mode;

  private final Database.JdbcTarget server;
  private final int size;
  private final ConcurrentHashMap<Long, Entry> pools = new ConcurrentHashMap<>();

  /**
   * Runs every pool's upkeep (Hikari's housekeeping) and the closing of quiet orgs' connections:
   * one thread for all.
   */
  private final ScheduledThreadPoolExecutor housekeeping;

  private OrgPools(Database.JdbcTarget server, int size) {
    this.server = server;
    this.size = size;
    this.housekeeping =
        new ScheduledThreadPoolExecutor(1, NamedThreads.daemon("slipway-org-pools"));
    housekeeping.setRemoveOnCancelPolicy(true);
    housekeeping.scheduleWithFixedDelay(this::closeLeastRecentlyUsed, 5, 5, TimeUnit.SECONDS);
  }

  /** Refused to start: user SQL would run as a login that is not confined. */
  public static final class UnconfinedSqlException extends RuntimeException {
    UnconfinedSqlException(String message) {
      super(message);
    }
  }

  /**
   * Chooses who runs orgs' SQL and checks it: per-org logins when the platform's user may make them
   * (their legacy grants moved to them, every existing org's login checked), else the operator's
   * login, else the platform's own user. Refuses with {@link UnconfinedSqlException} when that
   * login is not confined, unless {@code allowUnconfined}.
   *
   * @param server the database, without credentials
   * @param platform the platform's pool (its user owns Slipway's tables)
   * @param platformUser the platform's login, used for orgs' SQL only when nothing else can be
   * @param operatorLogin {@code SLIPWAY_ENDPOINT_DATABASE_URL}, when set
   */
  static OrgPools open(
      Database.JdbcTarget server,
      Database.JdbcTarget platformUser,
      DataSource platform,
      Optional<Database.JdbcTarget> operatorLogin,
      int size,
      long defaultOrg,
      boolean allowUnconfined)
      throws SQLException {
    OrgLogins logins = OrgLogins.open(platform);
    var pools = new OrgPools(server, size);
    try {
      if (operatorLogin.isEmpty() && logins.canCreate()) {
        pools.mode = new Mode.PerOrg(logins);
        logins.adoptCallerGrants(defaultOrg, org -> pools.open(logins, org).login);
        for (long org : orgs(platform)) {
          List<String> problems = logins.problems(pools.open(logins, org).login.role());
          if (!problems.isEmpty()) refuse(logins.roleOf(org), problems, allowUnconfined);
        }
        return pools;
      }
      pools.mode =
          pools.shared(
              logins,
              operatorLogin.orElse(platformUser),
              operatorLogin.isPresent(),
              allowUnconfined);
      return pools;
    } catch (SQLException | RuntimeException e) {
      pools.close();
      throw e;
    }
  }

  /** One pool for every org, as the operator's login or the platform's user; checked. */
  private Mode.Shared shared(
      OrgLogins logins, Database.JdbcTarget login, boolean byOperator, boolean allowUnconfined)
      throws SQLException {
    HikariDataSource pool = pool(login.user(), login.password(), "slipway-sql");
    try {
      String user = currentUser(pool);
      List<String> problems = logins.problems(user);
      if (!byOperator) {
        problems = new ArrayList<>(problems);
        problems.addFirst(
            "the platform's user "
                + user
                + " may not create roles, so Slipway cannot make a login per org "
                + "and runs every org's SQL as this user");
      }
      if (!problems.isEmpty()) refuse(user, problems, allowUnconfined);
      if (problems.isEmpty()) {
        LOG.warn(
            "every org's SQL runs as {} (SLIPWAY_ENDPOINT_DATABASE_URL): orgs share its rights in the database, so "
                + "keep one org on this install or give Slipway's database user CREATEROLE",
            user);
      }
      return new Mode.Shared(pool, user, problems.isEmpty());
    } catch (SQLException | RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  private static void refuse(String login, List<String> problems, boolean allowUnconfined) {
    String message =
        "user SQL would run as "
            + login
            + ", which is not confined: "
            + String.join("; ", problems)
            + ".";
    if (!allowUnconfined) {
      throw new UnconfinedSqlException(
          "Slipway will not serve: "
              + message
              + " Give Slipway's database user CREATEROLE "
              + "(it then makes a confined login per org), or set SLIPWAY_ENDPOINT_DATABASE_URL to a login that is confined "
              + "(see SECURITY.md), or set SLIPWAY_ALLOW_UNCONFINED_SQL=true to accept that every org's SQL may read and change "
              + "Slipway's own tables and every org's data.");
    }
    LOG.warn(
        "SLIPWAY_ALLOW_UNCONFINED_SQL=true: {} Every org's SQL may read and change Slipway's own tables.",
        message);
  }

  private static List<Long> orgs(DataSource platform) throws SQLException {
    var orgs = new ArrayList<Long>();
    try (Connection c = platform.getConnection();
        var rs = c.createStatement().executeQuery("select id from slipway.orgs order by id")) {
      while (rs.next()) orgs.add(rs.getLong(1));
    }
    return orgs;
  }

  @Override
  public DataSource of(long orgId) {
    return switch (mode) {
      case Mode.Shared shared -> shared.pool();
      case Mode.PerOrg perOrg -> {
        Entry entry = pools.get(orgId);
        if (entry == null) entry = open(perOrg.logins(), orgId);
        entry.lastUsed = System.nanoTime();
        yield entry.pool;
      }
    };
  }

  /**
   * The org's login and pool, made on the first call and checked: its first connection must be that
   * very login.
   */
  private synchronized Entry open(OrgLogins logins, long orgId) {
    Entry known = pools.get(orgId);
    if (known != null) return known;
    HikariDataSource pool;
    OrgLogins.Login login;
    try {
      login = logins.login(orgId);
      pool = pool(login.role(), login.password(), "slipway-org-" + orgId);
      String user = currentUser(pool);
      if (!user.equals(login.role())) {
        pool.close();
        throw new IllegalStateException(
            "org "
                + orgId
                + "'s connections log in as "
                + user
                + ", not as "
                + login.role()
                + " (does the database URL force a user?)");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open the connections of org " + orgId, e);
    }
    var entry = new Entry(login, pool);
    pools.put(orgId, entry);
    closeLeastRecentlyUsed();
    return entry;
  }

  /**
   * Closes idle connections of the least recently used pools while all pools hold more than their
   * share.
   */
  private void closeLeastRecentlyUsed() {
    try {
      int limit = OPEN_LIMIT_PER_POOL_SIZE * size;
      int open = pools.values().stream().mapToInt(e -> total(e.pool)).sum();
      if (open <= limit) return;
      var byAge = new ArrayList<>(pools.values());
      byAge.sort(Comparator.comparingLong(e -> e.lastUsed));
      for (Entry entry : byAge.subList(0, byAge.size() - 1)) {
        if (open <= limit) break;
        var bean = entry.pool.getHikariPoolMXBean();
        if (bean == null || bean.getIdleConnections() == 0) continue;
        open -= bean.getIdleConnections();
        bean.softEvictConnections();
      }
    } catch (RuntimeException e) {
      LOG.warn("closing idle connections of quiet orgs failed", e);
    }
  }

  private static int total(HikariDataSource pool) {
    var bean = pool.getHikariPoolMXBean();
    return bean == null ? 0 : bean.getTotalConnections();
  }

  private static String currentUser(DataSource pool) throws SQLException {
    try (Connection c = pool.getConnection();
        var rs = c.createStatement().executeQuery("select current_user")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private HikariDataSource pool(String user, String password, String name) {
    var hikari = new HikariConfig();
    hikari.setPoolName(name);
    hikari.setScheduledExecutor(housekeeping);
    hikari.setJdbcUrl(server.url());
    hikari.setUsername(user);
    hikari.setPassword(password);
    hikari.setMaximumPoolSize(size);
    hikari.setMinimumIdle(0);
    hikari.setIdleTimeout(60_000);
    hikari.setConnectionTimeout(10_000);
    hikari.setInitializationFailTimeout(-1);
    // Strings bind untyped so PostgreSQL reads them as the column's type (uuid, date, enum...).
    hikari.addDataSourceProperty("stringtype", "unspecified");
    hikari.addDataSourceProperty("ApplicationName", name);
    hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
    return new HikariDataSource(hikari);
  }

  /**
   * Whether orgs' SQL runs confined (no superuser, nothing of Slipway's), and how: for {@code
   * /api/health}.
   */
  public Map<String, Object> describe() {
    var body = new LinkedHashMap<String, Object>();
    switch (mode) {
      case Mode.PerOrg perOrg -> {
        body.put("login", perOrg.logins().pattern());
        body.put("perOrg", true);
        body.put("confined", true);
        body.put("orgsIsolated", true);
      }
      case Mode.Shared shared -> {
        body.put("login", shared.login());
        body.put("perOrg", false);
        body.put("confined", shared.confined());
        body.put("orgsIsolated", false);
      }
    }
    return body;
  }

  /** The login an org's SQL runs as. */
  public String loginOf(long orgId) {
    return switch (mode) {
      case Mode.PerOrg perOrg -> perOrg.logins().roleOf(orgId);
      case Mode.Shared shared -> shared.login();
    };
  }

  /** Connection figures summed over the pools, for {@code /api/health}. */
  public Map<String, Object> connections() {
    List<HikariDataSource> all =
        switch (mode) {
          case Mode.Shared shared -> List.of(shared.pool());
          case Mode.PerOrg perOrg -> pools.values().stream().map(e -> e.pool).toList();
        };
    int active = 0;
    int idle = 0;
    int total = 0;
    int waiting = 0;
    for (HikariDataSource pool : all) {
      var bean = pool.getHikariPoolMXBean();
      if (bean == null) continue;
      active += bean.getActiveConnections();
      idle += bean.getIdleConnections();
      total += bean.getTotalConnections();
      waiting += bean.getThreadsAwaitingConnection();
    }
    return Map.of(
        "active",
        active,
        "idle",
        idle,
        "total",
        total,
        "waiting",
        waiting,
        "max",
        size,
        "pools",
        all.size());
  }

  /** Grants an org's login what the demo needs (with a shared login, the operator grants it). */
  void grantDemo(long orgId) throws SQLException {
    if (mode instanceof Mode.PerOrg perOrg)
      perOrg.logins().grantDemo(open(perOrg.logins(), orgId).login);
  }

  @Override
  public void close() {
    housekeeping.shutdownNow();
    if (mode instanceof Mode.Shared shared) shared.pool().close();
    pools.values().forEach(e -> e.pool.close());
  }
}
