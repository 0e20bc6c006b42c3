package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.TestInstall;
import dev.slipway.testing.TestOrg;
import dev.slipway.testing.TestSlipway;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No session state passes from one request to the next. With one connection per org, so that every
 * request of an org lands on the same session, SQL that changes it (session-wide settings by {@code
 * set_config(..., false)} or {@code SET}, an advisory lock, a temporary table) leaves nothing for
 * the next request of its own org, and another org never lands on that session at all.
 */
class SessionStateTest {
  private static final String SET =
      """
      name: set-%1$s
      method: POST
      path: /%1$s/set
      steps:
        - id: dirty
          sql: >-
            select set_config('request.jwt.claims', '{"sub":"admin","role":"owner"}', false),
                   set_config('app.flag', 'left behind', false),
                   set_config('search_path', 'nowhere', false),
                   set_config('statement_timeout', '1min', false),
                   pg_advisory_lock(42),
                   pg_backend_pid() as pid
          expect: one
      response: { body: "${steps.dirty.row}" }
      """;
  private static final String GET =
      """
      name: get-%1$s
      method: GET
      path: /%1$s/get
      steps:
        - id: seen
          sql: >-
            select coalesce(current_setting('request.jwt.claims', true), '') as claims,
                   coalesce(current_setting('app.flag', true), '') as flag,
                   current_setting('search_path') as path,
                   current_setting('statement_timeout') as timeout,
                   (select count(*) from pg_locks where locktype like 'advis%%' and pid = pg_backend_pid()) as locks,
                   (select count(*) from pg_class where relpersistence = 't' and pg_table_is_visible(oid)) as temp_tables,
                   pg_backend_pid() as pid
          expect: one
      response: { body: "${steps.seen.row}" }
      """;
  private static final String SCRIPT_SET =
      """
      name: script-set-%1$s
      method: POST
      path: /%1$s/script-set
      steps:
        - id: dirty
          language: javascript
          script: |
            await ctx.db.query("set app.flag = 'from a script'");
            await ctx.db.query("create temp table if not exists scratch (x int)");
            await ctx.db.query("select set_config('request.jwt.claims', '{\\"sub\\":\\"admin\\"}', false)");
            return (await ctx.db.query("select pg_backend_pid() as pid"))[0];
      """;

  private static TestInstall install;
  private static TestSlipway slipway;
  private static TestOrg other;

  @BeforeAll
  static void start() throws Exception {
    install = TestInstall.start(TestInstall.Setup.EXTERNAL, Map.of("SLIPWAY_DB_POOL_SIZE", "1"));
    slipway = install.slipway();
    other = install.otherOrg("other");
    for (String spec : new String[] {SET, GET, SCRIPT_SET}) slipway.save(spec.formatted("a"));
    slipway.deploy("{}");
    other.save(GET.formatted("b"));
    other.deploy("{}");
  }

  @AfterAll
  static void stop() {
    install.close();
  }

  @Test
  void settings_an_endpoint_changes_for_its_session_are_gone_for_the_next_request_of_its_org() {
    // more rounds than the driver's prepare threshold (5): its server-prepared statements behave
    // otherwise
    for (int round = 0; round < 8; round++) {
      long pid = set("/a/set");
      JsonNode seen = slipway.data("GET", "/a/get").json();
      assertThat(seen.path("pid").asLong())
          .as("the same session (one connection per org)")
          .isEqualTo(pid);
      assertClean(seen);
    }

    slipway.data("POST", "/a/script-set");
    assertClean(slipway.data("GET", "/a/get").json());
    assertClean(slipway.control("GET", "/api/endpoints/get-a/preview/a/get").json());
  }

  @Test
  void another_org_never_shares_the_session_and_sees_none_of_it() {
    long pid = set("/a/set");
    JsonNode seen = slipway.data("GET", "/b/get").json();
    assertThat(seen.path("pid").asLong()).as("org B has a session of its own").isNotEqualTo(pid);
    assertClean(seen);
  }

  /** Calls an endpoint that changes its session; answers the session's backend pid. */
  private static long set(String path) {
    var reply = slipway.data("POST", path);
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    return reply.json().path("pid").asLong();
  }

  private static void assertClean(JsonNode seen) {
    assertThat(seen.path("claims").asText()).as(seen.toString()).isEmpty();
    assertThat(seen.path("flag").asText()).as(seen.toString()).isEmpty();
    assertThat(seen.path("path").asText()).as(seen.toString()).isEqualTo("\"$user\", public");
    assertThat(seen.path("timeout").asText()).as(seen.toString()).isEqualTo("5s");
    assertThat(seen.path("locks").asInt()).as(seen.toString()).isZero();
    assertThat(seen.path("temp_tables").asInt()).as(seen.toString()).isZero();
  }
}
