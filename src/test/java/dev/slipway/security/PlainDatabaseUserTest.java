package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.store.IdentityStore;
import dev.slipway.store.OrgPools;
import dev.slipway.store.PlatformTransactions;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On a database whose user may not create roles (a managed PostgreSQL, say), Slipway cannot make a
 * login per org. It then refuses to serve rather than run user SQL as the user that owns its
 * tables, unless the operator names a confined login for it (or accepts the risk, explicitly); the
 * migrations still run and orgs are still kept apart on the platform's tables underneath, by
 * row-level security forced on the tables' owner.
 */
class PlainDatabaseUserTest {
  private static TestDatabase database;

  @BeforeAll
  static void start() {
    database = new TestDatabase(true);
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  @Test
  void it_refuses_to_run_user_sql_as_the_owner_of_its_tables() {
    assertThatThrownBy(() -> TestSlipway.start(database).close())
        .isInstanceOf(OrgPools.UnconfinedSqlException.class)
        .hasMessageContaining("may not create roles")
        .hasMessageContaining("owns objects of Slipway's schema")
        .hasMessageContaining("SLIPWAY_ENDPOINT_DATABASE_URL")
        .hasMessageContaining("SLIPWAY_ALLOW_UNCONFINED_SQL=true");
  }

  @Test
  void it_refuses_a_superuser_named_as_the_login_for_user_sql() {
    assertThatThrownBy(
            () ->
                TestSlipway.start(
                        database.url(),
                        null,
                        Map.of(
                            "SLIPWAY_ENDPOINT_DATABASE_URL",
                            database.url().replaceFirst("//[^@]+@", "//postgres@")))
                    .close())
        .isInstanceOf(OrgPools.UnconfinedSqlException.class)
        .hasMessageContaining("user SQL would run as postgres")
        .hasMessageContaining("is a superuser");
  }

  @Test
  void orgs_are_kept_apart_on_the_platform_tables_when_the_risk_is_accepted() throws Exception {
    try (var slipway =
        TestSlipway.start(database.url(), null, Map.of("SLIPWAY_ALLOW_UNCONFINED_SQL", "true"))) {
      var userSql = slipway.control("GET", "/api/health").json().path("userSql");
      assertThat(userSql.path("confined").asBoolean()).isFalse();
      assertThat(userSql.path("perOrg").asBoolean()).isFalse();
      slipway.save(
          """
          name: plain
          method: GET
          path: /plain
          response: { body: { ok: true } }
          """);
      slipway.deploy("{}");
      assertThat(slipway.data("GET", "/plain").status()).isEqualTo(200);

      var platform = new PlatformTransactions(database.ownerDataSource());
      Bootstrap.createUser(
          platform,
          new IdentityStore(),
          "owner@other.test",
          "a long enough password",
          Optional.of("other"));
      long other =
          platform.system(x -> new IdentityStore().orgBySlug(x, "other").orElseThrow().id());
      assertThat(count(platform, other)).isZero();
      assertThat(count(platform, null)).isEqualTo(1);
      // accepted: the plain owner can read Slipway's tables, and it is what user SQL runs as
      assertThat(
              slipway
                  .control(
                      "POST",
                      "/api/endpoints",
                      """
          name: peek
          method: GET
          path: /peek
          steps:
            - id: keys
              sql: select count(*) from slipway.api_keys
          """,
                      "application/yaml")
                  .status())
          .isEqualTo(201);
      String token =
          slipway
              .controlAs(
                  null,
                  "POST",
                  "/api/auth/token",
                  "{\"email\":\"owner@other.test\",\"password\":\"a long enough password\"}")
              .json()
              .path("accessToken")
              .asText();
      assertThat(slipway.controlAs(token, "GET", "/api/endpoints", null).json()).isEmpty();
      assertThat(slipway.controlAs(token, "GET", "/api/endpoints/plain", null).status())
          .isEqualTo(404);
    }
  }

  private static long count(PlatformTransactions platform, Long org) throws SQLException {
    PlatformTransactions.Work<Long> count =
        x -> {
          try (var rs =
              x.createStatement().executeQuery("select count(*) from slipway.endpoints")) {
            rs.next();
            return rs.getLong(1);
          }
        };
    return org == null ? platform.system(count) : platform.inOrg(org, count);
  }

  @Test
  void a_login_made_by_the_operator_confines_user_sql() throws Exception {
    String login = "plain_endpoint_" + Long.toHexString(System.nanoTime());
    database.execute("create role " + login + " login noinherit");
    try (var confined =
        TestSlipway.start(
            database.url(),
            null,
            Map.of(
                "SLIPWAY_ENDPOINT_DATABASE_URL",
                database.url().replaceFirst("//[^@]+@", "//" + login + "@")))) {
      var userSql = confined.control("GET", "/api/health").json().path("userSql");
      assertThat(userSql.path("login").asText()).isEqualTo(login);
      assertThat(userSql.path("confined").asBoolean()).isTrue();
      assertThat(userSql.path("orgsIsolated").asBoolean()).as("one login for every org").isFalse();
      var refused =
          confined.control(
              "POST",
              "/api/endpoints",
              """
          name: peek-again
          method: GET
          path: /peek-again
          steps:
            - id: keys
              sql: select count(*) from slipway.api_keys
          """,
              "application/yaml");
      assertThat(refused.status()).isEqualTo(422);
      assertThat(refused.body()).contains("permission denied for schema slipway");
      assertThat(
              confined
                  .control(
                      "POST",
                      "/api/execute",
                      "{\"language\":\"javascript\",\"code\":\"return (await ctx.db.query('select current_user as u'))[0].u\"}",
                      "application/json")
                  .json()
                  .path("result")
                  .asText())
          .isEqualTo(login);
    } finally {
      database.execute("drop owned by " + login + "; drop role " + login);
    }
  }
}
