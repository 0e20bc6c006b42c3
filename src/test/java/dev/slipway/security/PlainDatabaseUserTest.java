package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.store.IdentityStore;
import dev.slipway.store.Platform;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.sql.SQLException;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On a database whose user may not create roles (a managed PostgreSQL, say), the migrations still
 * run and orgs are still kept apart underneath, by row-level security forced on the tables' owner.
 */
class PlainDatabaseUserTest {
  private static TestDatabase database;
  private static TestSlipway slipway;

  @BeforeAll
  static void start() throws Exception {
    database = new TestDatabase(true);
    slipway = TestSlipway.start(database);
  }

  @AfterAll
  static void stop() {
    slipway.close();
    database.close();
  }

  @Test
  void orgs_are_kept_apart_without_the_platform_role() throws SQLException {
    slipway.save("""
        name: plain
        method: GET
        path: /plain
        response: { body: { ok: true } }
        """);
    slipway.deploy("{}");
    assertThat(slipway.data("GET", "/plain").status()).isEqualTo(200);

    {
      var platform = new Platform(database.ownerDataSource());
      Bootstrap.createUser(platform, new IdentityStore(), "owner@other.test", "a long enough password", Optional.of("other"));
      long other = platform.system(x -> new IdentityStore().orgBySlug(x, "other").orElseThrow().id());
      long seen = platform.inOrg(other, x -> {
        try (var rs = x.createStatement().executeQuery("select count(*) from slipway.endpoints")) {
          rs.next();
          return rs.getLong(1);
        }
      });
      long all = platform.system(x -> {
        try (var rs = x.createStatement().executeQuery("select count(*) from slipway.endpoints")) {
          rs.next();
          return rs.getLong(1);
        }
      });
      assertThat(seen).isZero();
      assertThat(all).isEqualTo(1);
    }
    // the plain owner can read Slipway's tables, so by itself it is also what endpoint SQL runs as
    assertThat(slipway.control("POST", "/api/endpoints", """
        name: peek
        method: GET
        path: /peek
        steps:
          - id: keys
            sql: select count(*) from slipway.api_keys
        """, "application/yaml").status()).isEqualTo(201);
        String token = slipway.controlAs(null, "POST", "/api/auth/token",
        "{\"email\":\"owner@other.test\",\"password\":\"a long enough password\"}").json().path("accessToken").asText();
    assertThat(slipway.controlAs(token, "GET", "/api/endpoints", null).json()).isEmpty();
    assertThat(slipway.controlAs(token, "GET", "/api/endpoints/plain", null).status()).isEqualTo(404);
  }

  @Test
  void an_endpoint_login_made_by_the_operator_confines_endpoint_sql() throws Exception {
    String login = "plain_endpoint_" + Long.toHexString(System.nanoTime());
    database.execute("create role " + login + " login inherit; grant slipway_caller to " + login);
    try (var confined = TestSlipway.start(database.url(), null,
        java.util.Map.of("SLIPWAY_ENDPOINT_DATABASE_URL", database.url().replaceFirst("//[^@]+@", "//" + login + "@")))) {
      var refused = confined.control("POST", "/api/endpoints", """
          name: peek-again
          method: GET
          path: /peek-again
          steps:
            - id: keys
              sql: select count(*) from slipway.api_keys
          """, "application/yaml");
      assertThat(refused.status()).isEqualTo(422);
      assertThat(refused.body()).contains("permission denied for schema slipway");
      assertThat(confined.control("POST", "/api/execute", "{\"language\":\"javascript\",\"code\":\"return (await ctx.db.query('select current_user as u'))[0].u\"}",
          "application/json").json().path("result").asText()).isEqualTo(login);
    } finally {
      database.execute("drop owned by " + login + "; drop role " + login);
    }
  }
}
