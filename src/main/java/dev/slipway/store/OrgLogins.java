package dev.slipway.store;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongFunction;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database logins that orgs' SQL runs as: one per org, {@code slipway_<install>_org_<id>},
 * created the first time the org needs it, with a generated password kept in {@code
 * slipway.org_logins} (which only the platform's own user reads).
 *
 * <p>Such a login is no superuser, makes no roles or databases, bypasses no row-level security,
 * replicates nothing, is a member of no other role and owns nothing; it holds what its org was
 * granted and what PUBLIC has: the tables {@code create-endpoint} made for the org, the demo schema
 * for the default org, and what an operator grants it. So one org's SQL cannot reach another org's
 * tables, nor Slipway's, and cannot {@code SET ROLE} out of its login. {@link #problems} checks all
 * of that against the catalog, for these logins and for one an operator names.
 *
 * <p>The install's short random id in the name keeps two Slipway databases on one PostgreSQL server
 * from sharing (and resetting the passwords of) each other's logins: roles are server-wide.
 */
public final class OrgLogins {
  private static final Logger LOG = LoggerFactory.getLogger(OrgLogins.class);

  /**
   * The role the first versions of Slipway ran every org's SQL as; {@link #adoptCallerGrants} moves
   * its rights.
   */
  static final String LEGACY_CALLER_ROLE = "slipway_caller";

  private static final long CREATE_LOCK = 5112114;

  /** The default statement timeout of an org's sessions; a request sets its own on top. */
  public static final String DEFAULT_STATEMENT_TIMEOUT = "30s";

  /**
   * Predefined roles that read or write past privileges, reach the server's files or programs, or
   * see other sessions.
   */
  private static final List<String> POWERFUL_PREDEFINED =
      List.of(
          "pg_read_all_data",
          "pg_write_all_data",
          "pg_read_server_files",
          "pg_write_server_files",
          "pg_execute_server_program",
          "pg_signal_backend",
          "pg_read_all_settings",
          "pg_read_all_stats",
          "pg_stat_scan_tables",
          "pg_monitor",
          "pg_checkpoint",
          "pg_create_subscription",
          "pg_use_reserved_connections",
          "pg_maintain");

  /** An org's login: its role name and password. */
  public record Login(long orgId, String role, String password) {
    @Override
    public String toString() {
      return "Login[" + role + "]";
    }
  }

  private final DataSource platform;
  private final String prefix;

  private OrgLogins(DataSource platform, String prefix) {
    this.platform = platform;
    this.prefix = prefix;
  }

  /** The logins of this database's install; makes the install's id on the first start. */
  static OrgLogins open(DataSource platform) throws SQLException {
    var settings = new SettingsStore(platform);
    settings.putIfAbsent("install_id", randomId());
    return new OrgLogins(platform, "slipway_" + settings.get("install_id").orElseThrow() + "_org_");
  }

  /** The login name of an org: {@code slipway_<install>_org_<id>}. */
  public String roleOf(long orgId) {
    return prefix + orgId;
  }

  /** The name with {@code {org}} for the org's id, for answers that describe every org's login. */
  public String pattern() {
    return prefix + "{org}";
  }

  /**
   * Whether the platform's database user may create the logins (it is a superuser or has
   * CREATEROLE).
   */
  boolean canCreate() throws SQLException {
    try (Connection c = platform.getConnection();
        var rs =
            c.createStatement()
                .executeQuery(
                    "select rolsuper or rolcreaterole from pg_roles where rolname = current_user")) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  /**
   * The org's login, created (or, when its role went missing, made again with its password) on the
   * first call for an org. Instances that start together take turns under an advisory lock.
   */
  Login login(long orgId) throws SQLException {
    try (Connection c = platform.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (var s = c.createStatement()) {
          s.execute("select pg_advisory_xact_lock(" + CREATE_LOCK + ")");
        }
        Optional<Login> stored = stored(c, orgId);
        String role = stored.map(Login::role).orElse(roleOf(orgId));
        String password = stored.map(Login::password).orElseGet(OrgLogins::randomPassword);
        boolean exists;
        try (var ps = c.prepareStatement("select from pg_roles where rolname = ?")) {
          ps.setString(1, role);
          try (var rs = ps.executeQuery()) {
            exists = rs.next();
          }
        }
        if (!exists || stored.isEmpty()) {
          try (var s = c.createStatement()) {
            // the name is [a-z0-9_] and the password base64url: neither can end its quotes
            s.execute(
                (exists ? "alter role " : "create role ")
                    + quoted(role)
                    + " with login password '"
                    + password
                    + "'"
                    + " nosuperuser nocreatedb nocreaterole noinherit nobypassrls noreplication");
            s.execute(
                "alter role "
                    + quoted(role)
                    + " set statement_timeout = '"
                    + DEFAULT_STATEMENT_TIMEOUT
                    + "'");
            grantConnect(c, role);
          }
          if (stored.isEmpty()) {
            Sql.update(
                c,
                "insert into slipway.org_logins (org_id, role_name, password) values (?, ?, ?)",
                orgId,
                role,
                password);
          }
          LOG.info(
              "{} the database login {} for org {}", exists ? "reset" : "created", role, orgId);
        }
        grantRuntime(c, role);
        c.commit();
        return new Login(orgId, role, password);
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  private static Optional<Login> stored(Connection c, long orgId) throws SQLException {
    try (var ps =
        c.prepareStatement("select role_name, password from slipway.org_logins where org_id = ?")) {
      ps.setLong(1, orgId);
      try (var rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(new Login(orgId, rs.getString(1), rs.getString(2)))
            : Optional.empty();
      }
    }
  }

  /**
   * Lets the login call what Slipway offers an org's SQL (schema {@code slipway_runtime}, migration
   * V16: {@code enqueue}; V18: {@code claim_delivery}, {@code release_delivery}), each of which
   * finds the org by the login; nothing else of Slipway's. Granted on every start, so logins made
   * before a function was added get it too.
   */
  private static void grantRuntime(Connection c, String role) throws SQLException {
    try (var s = c.createStatement()) {
      s.execute("grant usage on schema slipway_runtime to " + quoted(role));
      // every function there is one an org's SQL is meant to call (each finds its org itself)
      s.execute("grant execute on all functions in schema slipway_runtime to " + quoted(role));
    }
  }

  /**
   * PUBLIC may connect to a database by default; one whose operator revoked that still lets the
   * org's login in.
   */
  private static void grantConnect(Connection c, String role) throws SQLException {
    var savepoint = c.setSavepoint();
    try (var s = c.createStatement()) {
      s.execute(
          "do $$ begin execute format('grant connect on database %I to "
              + role
              + "', current_database()); end $$");
      c.releaseSavepoint(savepoint);
    } catch (SQLException e) {
      c.rollback(savepoint);
      LOG.warn(
          "cannot grant connect on this database to {} ({}); it relies on PUBLIC's",
          role,
          e.getMessage());
    }
  }

  /**
   * What makes {@code role} unfit to run untrusted SQL; empty when it is confined. It must not be a
   * superuser or able to make roles, bypass row-level security or replicate, and no role it is a
   * member of (which it could {@code SET ROLE} to) may be either, own or use Slipway's schema, be
   * the platform's own user, or be a predefined role that reads past privileges, the server's files
   * or other sessions.
   */
  public List<String> problems(String role) throws SQLException {
    var problems = new ArrayList<String>();
    try (Connection c = platform.getConnection();
        var ps =
            c.prepareStatement(
                """
        select r.rolname, r.rolname = ? as itself, r.rolsuper, r.rolcreaterole, r.rolbypassrls, r.rolreplication,
               r.rolname = current_user as platform,
               r.rolname = any(?) as predefined,
               exists (select from pg_namespace n where n.nspname = 'slipway' and n.nspowner = r.oid)
                 or exists (select from pg_class t join pg_namespace n on n.oid = t.relnamespace
                            where n.nspname = 'slipway' and t.relowner = r.oid)
                 or exists (select from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                            where n.nspname = 'slipway' and p.proowner = r.oid) as owns,
               coalesce(has_schema_privilege(r.oid, 'slipway', 'usage'), false) as uses
        from pg_roles r
        where pg_has_role((select oid from pg_roles where rolname = ?), r.oid, 'member')
        order by 2 desc, 1""")) {
      ps.setString(1, role);
      ps.setArray(2, c.createArrayOf("text", POWERFUL_PREDEFINED.toArray()));
      ps.setString(3, role);
      boolean found = false;
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          found = true;
          String name = rs.getString(1);
          String who = rs.getBoolean(2) ? role : role + " may SET ROLE " + name + ", which";
          if (rs.getBoolean(3)) problems.add(who + " is a superuser");
          if (rs.getBoolean(4)) problems.add(who + " may create roles");
          if (rs.getBoolean(5)) problems.add(who + " bypasses row-level security");
          if (rs.getBoolean(6)) problems.add(who + " may replicate");
          if (rs.getBoolean(7)) problems.add(who + " is the user Slipway's own tables belong to");
          if (rs.getBoolean(8)) problems.add(who + " is the predefined role " + name);
          if (rs.getBoolean(9)) problems.add(who + " owns objects of Slipway's schema");
          if (rs.getBoolean(10) && !rs.getBoolean(9) && !rs.getBoolean(7))
            problems.add(who + " may use Slipway's schema");
        }
      }
      if (!found) problems.add("there is no role " + role);
    }
    return problems;
  }

  /**
   * Moves what the legacy role {@code slipway_caller} was granted in this database to the orgs'
   * logins, then revokes it: a table that {@code create-endpoint} made (the audit log says for
   * which org) goes to that org, a sequence to the org of the table that owns it, everything else
   * (the demo schema, an operator's grants, default privileges) to the default org; row-level
   * security policies naming the role name the org's login instead. A database without such grants
   * is left as it is, so this runs on every start and does work only on the first start after an
   * upgrade.
   */
  void adoptCallerGrants(long defaultOrg, LongFunction<Login> logins) throws SQLException {
    try (Connection c = platform.getConnection()) {
      c.setAutoCommit(false);
      try {
        if (!callerExists(c)) {
          c.rollback();
          return;
        }
        Map<String, Long> tableOrgs = templateTables(c);
        var moves = new ArrayList<List<String>>();
        Map<String, Set<Long>> schemaOrgs = new LinkedHashMap<>();
        try (var rs =
            c.createStatement()
                .executeQuery(
                    """
            select quote_ident(n.nspname) || '.' || quote_ident(t.relname), n.nspname || '.' || t.relname, n.nspname,
                   t.relkind = 'S', string_agg(distinct a.privilege_type, ', '),
                   (select o_n.nspname || '.' || o.relname from pg_depend d join pg_class o on o.oid = d.refobjid
                      join pg_namespace o_n on o_n.oid = o.relnamespace
                    where d.classid = 'pg_class'::regclass and d.objid = t.oid and d.refclassid = 'pg_class'::regclass
                      and d.deptype in ('a', 'i') limit 1)
            from pg_class t join pg_namespace n on n.oid = t.relnamespace cross join lateral aclexplode(t.relacl) a
            where a.grantee = 'slipway_caller'::regrole
            group by t.oid, n.nspname, t.relname, t.relkind""")) {
          while (rs.next()) {
            String owner = rs.getString(6);
            long org = tableOrgs.getOrDefault(owner != null ? owner : rs.getString(2), defaultOrg);
            schemaOrgs.computeIfAbsent(rs.getString(3), s -> new LinkedHashSet<>()).add(org);
            String kind = rs.getBoolean(4) ? "sequence " : "table ";
            moves.add(
                List.of(
                    "grant "
                        + rs.getString(5)
                        + " on "
                        + kind
                        + rs.getString(1)
                        + " to "
                        + quoted(logins.apply(org).role()),
                    "revoke all on " + kind + rs.getString(1) + " from slipway_caller"));
          }
        }
        try (var rs =
            c.createStatement()
                .executeQuery(
                    """
            select n.nspname, quote_ident(n.nspname), string_agg(distinct a.privilege_type, ', ')
            from pg_namespace n cross join lateral aclexplode(n.nspacl) a
            where a.grantee = 'slipway_caller'::regrole group by n.nspname""")) {
          while (rs.next()) {
            var move = new ArrayList<String>();
            for (long org : schemaOrgs.getOrDefault(rs.getString(1), Set.of(defaultOrg))) {
              move.add(
                  "grant "
                      + rs.getString(3)
                      + " on schema "
                      + rs.getString(2)
                      + " to "
                      + quoted(logins.apply(org).role()));
            }
            move.add("revoke all on schema " + rs.getString(2) + " from slipway_caller");
            moves.add(move);
          }
        }
        String defaultRole = quoted(logins.apply(defaultOrg).role());
        try (var rs =
            c.createStatement()
                .executeQuery(
                    """
            select p.oid::regprocedure::text from pg_proc p cross join lateral aclexplode(p.proacl) a
            where a.grantee = 'slipway_caller'::regrole group by p.oid""")) {
          while (rs.next()) {
            moves.add(
                List.of(
                    "grant execute on function " + rs.getString(1) + " to " + defaultRole,
                    "revoke all on function " + rs.getString(1) + " from slipway_caller"));
          }
        }
        try (var rs =
            c.createStatement()
                .executeQuery(
                    """
            select quote_ident(r.rolname), quote_ident(n.nspname),
                   case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions'
                                        when 'T' then 'types' when 'n' then 'schemas' end,
                   string_agg(distinct a.privilege_type, ', ')
            from pg_default_acl d join pg_roles r on r.oid = d.defaclrole left join pg_namespace n on n.oid = d.defaclnamespace
              cross join lateral aclexplode(d.defaclacl) a
            where a.grantee = 'slipway_caller'::regrole group by r.rolname, n.nspname, d.defaclobjtype""")) {
          while (rs.next()) {
            String scope =
                "alter default privileges for role "
                    + rs.getString(1)
                    + (rs.getString(2) == null ? "" : " in schema " + rs.getString(2));
            moves.add(
                List.of(
                    scope
                        + " grant "
                        + rs.getString(4)
                        + " on "
                        + rs.getString(3)
                        + " to "
                        + defaultRole,
                    scope + " revoke all on " + rs.getString(3) + " from slipway_caller"));
          }
        }
        try (var rs =
            c.createStatement()
                .executeQuery(
                    """
            select quote_ident(p.polname), quote_ident(n.nspname) || '.' || quote_ident(t.relname), n.nspname || '.' || t.relname,
                   array(select case when r = 'slipway_caller'::regrole then null else quote_ident(r::regrole::text) end
                         from unnest(p.polroles) r)
            from pg_policy p join pg_class t on t.oid = p.polrelid join pg_namespace n on n.oid = t.relnamespace
            where 'slipway_caller'::regrole = any(p.polroles)""")) {
          while (rs.next()) {
            var roles = new ArrayList<String>();
            for (Object r : (Object[]) rs.getArray(4).getArray())
              if (r != null) roles.add((String) r);
            roles.add(
                quoted(logins.apply(tableOrgs.getOrDefault(rs.getString(3), defaultOrg)).role()));
            moves.add(
                List.of(
                    "alter policy "
                        + rs.getString(1)
                        + " on "
                        + rs.getString(2)
                        + " to "
                        + String.join(", ", roles)));
          }
        }
        int moved = 0;
        for (List<String> move : moves) {
          // one object at a time: a grant this user may not make leaves that object's grant where
          // it was
          var savepoint = c.setSavepoint();
          try (var s = c.createStatement()) {
            for (String statement : move) s.execute(statement);
            c.releaseSavepoint(savepoint);
            moved++;
          } catch (SQLException e) {
            c.rollback(savepoint);
            LOG.warn(
                "cannot move a grant of {} to an org's login ({}): {}",
                LEGACY_CALLER_ROLE,
                move.getFirst(),
                e.getMessage());
          }
        }
        c.commit();
        if (moved > 0)
          LOG.info(
              "moved {} grant(s) of {} to the orgs' database logins", moved, LEGACY_CALLER_ROLE);
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  private static boolean callerExists(Connection c) throws SQLException {
    try (var rs =
        c.createStatement().executeQuery("select from pg_roles where rolname = 'slipway_caller'")) {
      return rs.next();
    }
  }

  /**
   * The tables {@code create-endpoint} made, as {@code schema.table}, with the org that made each
   * (its latest).
   */
  private static Map<String, Long> templateTables(Connection c) throws SQLException {
    var tables = new LinkedHashMap<String, Long>();
    try (var rs =
        c.createStatement()
            .executeQuery(
                """
        select substr(target, strpos(target, ':') + 1), org_id from slipway.audit_log
        where action = 'template.migrate' and outcome = 'success' and org_id is not null order by id""")) {
      while (rs.next()) tables.put(rs.getString(1), rs.getLong(2));
    }
    return tables;
  }

  /** Grants an org's login what the demo's endpoints need: the whole schema {@code app}. */
  void grantDemo(Login login) throws SQLException {
    try (Connection c = platform.getConnection();
        var s = c.createStatement()) {
      String role = quoted(login.role());
      s.execute("grant usage on schema app to " + role);
      s.execute("grant select, insert, update, delete on all tables in schema app to " + role);
      s.execute("grant usage, select on all sequences in schema app to " + role);
    }
  }

  static String quoted(String role) {
    return '"' + role.replace("\"", "\"\"") + '"';
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private static String randomPassword() {
    byte[] random = new byte[24];
    RANDOM.nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  /** Six characters of [a-z0-9]. */
  private static String randomId() {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    var id = new StringBuilder();
    for (int i = 0; i < 6; i++) id.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    return id.toString();
  }
}
