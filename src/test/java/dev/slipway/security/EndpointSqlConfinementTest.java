package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Endpoint authors write SQL; it must not reach Slipway's own tables (other orgs' endpoints,
 * users, key hashes, sealed secrets), not even after resetting its role.
 */
class EndpointSqlConfinementTest {
  private static TestDatabase database;
  private static TestSlipway slipway;

  @BeforeAll
  static void start() throws Exception {
    database = new TestDatabase();
    slipway = TestSlipway.start(database);
  }

  @AfterAll
  static void stop() {
    slipway.close();
    database.close();
  }

  @Test
  void sql_that_names_the_platform_tables_is_refused_when_saved() {
    Reply reply = slipway.control("POST", "/api/endpoints", """
        name: peek
        method: GET
        path: /peek
        steps:
          - id: keys
            sql: select token_sha256 from slipway.api_keys
        """, "application/yaml");
    assertThat(reply.status()).isEqualTo(422);
    assertThat(reply.body()).contains("permission denied for schema slipway");
  }

  @Test
  void code_that_resets_its_role_still_cannot_read_them() {
    Reply who = slipway.control("POST", "/api/execute", """
        {"language": "javascript", "code": "await ctx.db.query(\\"select set_config('role', 'none', false)\\"); return (await ctx.db.query('select current_user as u'))[0].u"}
        """, "application/json");
    assertThat(who.status()).as(who.body()).isEqualTo(200);
    assertThat(who.json().path("result").asText()).isEqualTo("slipway_endpoint");

    Reply peek = slipway.control("POST", "/api/execute", """
        {"language": "javascript", "code": "await ctx.db.query('reset role'); return await ctx.db.query('select count(*) as n from slipway.users')"}
        """, "application/json");
    assertThat(peek.status()).isEqualTo(422);
    assertThat(peek.body()).contains("permission denied for schema slipway");

    Reply escalate = slipway.control("POST", "/api/execute", """
        {"language": "javascript", "code": "await ctx.db.query('set role postgres'); return 1"}
        """, "application/json");
    assertThat(escalate.status()).isEqualTo(422);
    assertThat(escalate.body()).contains("permission denied to set role");
  }
}
