package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.testing.TestInstall;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * User SQL never runs as a superuser or as the owner of Slipway's tables, on any path (the data
 * plane, a preview, draft tests and their fixtures, {@code /api/execute}, a script's {@code
 * ctx.db}), in the default embedded set-up and on an external PostgreSQL alike: it runs as its
 * org's own login, which cannot read Slipway's tables, the server's files or programs, nor {@code
 * SET ROLE} out of itself.
 */
@ParameterizedClass
@EnumSource(TestInstall.Setup.class)
class UserSqlConfinementTest {
  /** The set-up this run holds in (the class runs once for each). */
  @Parameter TestInstall.Setup setup;

  private static TestInstall install;
  private static TestSlipway slipway;
  private static String login;

  @BeforeParameterizedClassInvocation
  static void start(TestInstall.Setup setup) throws Exception {
    install = TestInstall.start(setup, Map.of());
    slipway = install.slipway();
    login = slipway.control("GET", "/api/org").json().path("databaseLogin").asText();
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    install.close();
  }

  @Test
  void the_health_check_says_user_sql_is_confined_in_a_login_per_org() {
    JsonNode userSql = slipway.control("GET", "/api/health").json().path("userSql");
    assertThat(userSql.path("confined").asBoolean()).isTrue();
    assertThat(userSql.path("perOrg").asBoolean()).isTrue();
    assertThat(userSql.path("orgsIsolated").asBoolean()).isTrue();
    assertThat(login)
        .matches("slipway_[a-z0-9]{6}_org_1")
        .isEqualTo(userSql.path("login").asText().replace("{org}", "1"));
  }

  @Test
  void every_path_runs_user_sql_as_the_orgs_own_login_which_is_no_superuser() {
    slipway.save(
        """
        name: who
        method: GET
        path: /who
        steps:
          - id: me
            sql: select current_user as u, session_user as s, current_setting('is_superuser') as su
            expect: one
        response: { body: "${steps.me.row}" }
        """);
    slipway.deploy("{\"endpoints\": [\"who\"]}");
    var expected = Map.of("u", login, "s", login, "su", "off");
    assertThat(fields(slipway.data("GET", "/who").json())).as("the data plane").isEqualTo(expected);
    assertThat(fields(slipway.control("GET", "/api/endpoints/who/preview/who").json()))
        .as("a preview")
        .isEqualTo(expected);
    assertThat(
            fields(
                execute(
                        "return (await ctx.db.query(\"select current_user as u, session_user as s, "
                            + "current_setting('is_superuser') as su\"))[0]")
                    .path("result")))
        .as("/api/execute")
        .isEqualTo(expected);

    // a draft test's fixture: its row is in the case's path, which the endpoint accepts only as the
    // org's login, not a superuser
    slipway.save(
        """
        name: echo
        method: GET
        path: /echo/:u/:su
        input:
          params: { u: { type: string, enum: [%s] }, su: { type: string, enum: ["off"] } }
        response: { body: { ok: true } }
        """
            .formatted(login));
    Reply run =
        slipway.control(
            "POST",
            "/api/tests/run",
            """
        {"endpoints": ["echo"],
         "fixtures": [{"name": "me", "sql": "select current_user as u, current_setting('is_superuser') as su"}],
         "tests": [{"name": "as the org", "method": "GET", "path": "/echo/{{me.u}}/{{me.su}}", "status": 200}]}
        """,
            "application/json");
    assertThat(run.json().path("failed").asInt()).as(run.body()).isZero();
    assertThat(run.json().path("passed").asInt()).isEqualTo(1);
  }

  @Test
  void a_script_endpoint_reaches_the_database_as_the_orgs_login_too() {
    slipway.save(
        """
        name: script-who
        method: GET
        path: /script-who
        steps:
          - id: me
            language: javascript
            script: |
              const rows = await ctx.db.query("select current_user as u, current_setting('is_superuser') as su");
              return rows[0];
        """);
    slipway.deploy("{\"endpoints\": [\"script-who\"]}");
    assertThat(fields(slipway.data("GET", "/script-who").json()))
        .isEqualTo(Map.of("u", login, "su", "off"));
  }

  @Test
  void slipways_tables_are_refused_when_an_endpoint_is_saved_public_or_not() {
    for (String auth : new String[] {"public", "apiKey"}) {
      Reply reply =
          slipway.control(
              "POST",
              "/api/endpoints",
              """
          name: peek-%s
          method: GET
          path: /peek-%s
          auth: %s
          steps:
            - id: keys
              sql: select token_sha256 from slipway.api_keys
          """
                  .formatted(auth.toLowerCase(), auth.toLowerCase(), auth),
              "application/yaml");
      assertThat(reply.status()).as(auth).isEqualTo(422);
      assertThat(reply.body()).contains("permission denied for schema slipway", "/steps/0/sql");
    }
  }

  @Test
  void code_cannot_reach_slipways_tables_the_servers_files_or_a_stronger_role() {
    long auditRows =
        ((Number) install.scalar("select count(*) from slipway.audit_log")).longValue();
    // each with the database's refusal (a pattern: PostgreSQL 15 and 17 word some differently)
    Map<String, String> attacks =
        Map.ofEntries(
            Map.entry(
                "select token_sha256 from slipway.api_keys",
                "permission denied for schema slipway"),
            Map.entry("delete from slipway.audit_log", "permission denied for schema slipway"),
            Map.entry(
                "select pg_read_file('PG_VERSION')", "permission denied for function pg_read_file"),
            Map.entry("select pg_ls_dir('.')", "permission denied for function pg_ls_dir"),
            Map.entry("copy (select 1) to program 'true'", "copy to or from an external program"),
            Map.entry("set role postgres", "permission denied to set role"),
            Map.entry(
                "select set_config('role', 'postgres', true)", "permission denied to set role"),
            Map.entry(
                "set session authorization postgres",
                "permission denied to set session authorization"),
            Map.entry(
                "alter role current_user superuser",
                "(permission denied to alter role|must be superuser to alter superuser roles)"),
            Map.entry(
                "create role intruder superuser",
                "(permission denied to create role|must be superuser to create superusers)"),
            Map.entry("select count(*) from pg_authid", "permission denied for table pg_authid"));
    attacks.forEach(
        (sql, refusal) -> {
          Reply reply =
              slipway.control(
                  "POST",
                  "/api/execute",
                  Json.MAPPER
                      .createObjectNode()
                      .put("language", "javascript")
                      .put(
                          "code",
                          "await ctx.db.query('reset role'); return await ctx.db.query("
                              + Json.MAPPER.valueToTree(sql)
                              + ")")
                      .toString(),
                  "application/json");
          assertThat(reply.status()).as(sql + ": " + reply.body()).isEqualTo(422);
          assertThat(reply.body().toLowerCase()).as(sql).containsPattern(refusal);
        });
    assertThat(((Number) install.scalar("select count(*) from slipway.audit_log")).longValue())
        .as("no audit row deleted (executions were audited, so there are more)")
        .isGreaterThanOrEqualTo(auditRows);
    assertThat(install.scalar("select count(*) from pg_roles where rolname = 'intruder'"))
        .isEqualTo(0L);
  }

  @Test
  void an_endpoint_with_a_caller_cannot_switch_to_a_superuser_either() {
    slipway.save(
        """
        name: escalate
        method: GET
        path: /escalate
        auth: apiKey
        steps:
          - id: up
            sql: select set_config('role', 'postgres', true) as role, current_user as u
        """);
    String key =
        slipway
            .control(
                "POST",
                "/api/consumer-keys",
                "{\"name\":\"caller\",\"roles\":[\"reader\"]}",
                "application/json")
            .json()
            .path("token")
            .asText();
    Reply preview =
        slipway.send(
            "GET",
            "http://127.0.0.1:"
                + slipway.controlPort()
                + "/api/endpoints/escalate/preview/escalate",
            (String) null,
            null,
            Map.of(
                "Authorization",
                "Bearer " + TestSlipway.TOKEN,
                "X-Slipway-Authorization",
                "Bearer " + key));
    assertThat(preview.status()).as(preview.body()).isEqualTo(500);
    assertThat(preview.body()).contains("permission denied to set role");
  }

  private static JsonNode execute(String code) {
    Reply reply =
        slipway.control(
            "POST",
            "/api/execute",
            Json.MAPPER
                .createObjectNode()
                .put("language", "javascript")
                .put("code", code)
                .toString(),
            "application/json");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    return reply.json();
  }

  private static Map<String, String> fields(JsonNode row) {
    var fields = new java.util.TreeMap<String, String>();
    row.properties().forEach(e -> fields.put(e.getKey(), e.getValue().asText()));
    return fields;
  }
}
