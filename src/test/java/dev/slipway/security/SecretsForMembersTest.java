package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Secret values do not reach members: a draft that a member (or a key without admin and the {@code
 * secrets} scope) runs may name secrets but not read them, and reading one answers the whole
 * request 403 {@code secret_access_denied}. Admins' runs and the data plane read them.
 */
@ServerTest
class SecretsForMembersTest {
  private static final String PASSWORD = "correct horse battery";
  private static final String VALUE = "sk_live_MEMBERS_NEVER_SEE_7c1d";
  private static final String JWT_KEY = "a-jwt-signing-secret-of-at-least-32-bytes";
  private static TestDatabase database;
  private static TestSlipway slipway;
  private static String member;

  @BeforeAll
  static void start() throws Exception {
    slipway.control(
        "PUT", "/api/secrets/PAYMENTS", "{\"value\":\"" + VALUE + "\"}", "application/json");
    slipway.control(
        "PUT", "/api/secrets/JWT_KEY", "{\"value\":\"" + JWT_KEY + "\"}", "application/json");
    Reply added =
        slipway.control(
            "POST",
            "/api/members",
            "{\"email\":\"mia@members.test\",\"role\":\"member\",\"password\":\""
                + PASSWORD
                + "\"}",
            "application/json");
    assertThat(added.status()).as(added.toString()).isEqualTo(201);
    member =
        slipway
            .controlAs(
                null,
                "POST",
                "/api/auth/token",
                "{\"email\":\"mia@members.test\",\"password\":\"" + PASSWORD + "\"}")
            .json()
            .path("accessToken")
            .asText();

    slipway.save(
        """
        name: expression-secret
        method: GET
        path: /expression-secret
        response: { body: { key: "${secrets.PAYMENTS}" } }
        """);
    slipway.save(
        """
        name: cel-secret
        method: GET
        path: /cel-secret
        response: { body: "${'key: ' + secrets.PAYMENTS}" }
        """);
    slipway.save(
        """
        name: script-secret
        method: GET
        path: /script-secret
        steps:
          - id: read
            language: javascript
            script: |
              return { key: ctx.secrets.get('PAYMENTS') };
        """);
    slipway.save(
        """
        name: script-hides-its-refusal
        method: GET
        path: /script-hides-its-refusal
        steps:
          - id: read
            language: javascript
            script: |
              try { return { key: ctx.secrets.get('PAYMENTS') }; } catch (e) { return { fine: true }; }
        """);
    slipway.save(
        """
        name: sql-secret
        method: GET
        path: /sql-secret
        steps:
          - id: s
            sql: select :key as key
            params: { key: "${secrets.PAYMENTS}" }
            expect: one
        response: { body: "${steps.s.row}" }
        """);
    slipway.save(
        """
        name: jwt-secret
        method: GET
        path: /jwt-secret
        auth: { mode: jwt, jwt: { secret: "${secrets.JWT_KEY}" } }
        response: { body: { hello: "${auth.sub}" } }
        """);
    slipway.save(
        """
        name: no-secret
        method: GET
        path: /no-secret
        response: { body: "${'hello ' + input.query.name + ' of ' + string(size(secrets))}" }
        """);
  }

  @Test
  void a_members_preview_that_reads_a_secret_is_refused_and_never_holds_the_value() {
    for (String name :
        new String[] {
          "expression-secret",
          "cel-secret",
          "script-secret",
          "script-hides-its-refusal",
          "sql-secret"
        }) {
      assertRefused(
          slipway.controlAs(member, "GET", "/api/endpoints/" + name + "/preview/" + name, null),
          "PAYMENTS");
    }
    Reply jwt =
        slipway.controlWith(
            Map.of("Authorization", "Bearer " + member, "X-Slipway-Authorization", "Bearer a.b.c"),
            "GET",
            "/api/endpoints/jwt-secret/preview/jwt-secret",
            null);
    assertRefused(jwt, "JWT_KEY");
    assertThat(jwt.body()).doesNotContain(JWT_KEY);
    assertThat(
            slipway
                .control("GET", "/api/audit?action=secret.read&outcome=denied")
                .json()
                .findValuesAsText("target"))
        .contains("secret:PAYMENTS", "secret:JWT_KEY");
  }

  @Test
  void a_members_preview_that_reads_no_secret_runs() {
    Reply reply =
        slipway.controlAs(
            member, "GET", "/api/endpoints/no-secret/preview/no-secret?name=mia", null);
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    assertThat(reply.json().asText()).isEqualTo("hello mia of 2");
  }

  @Test
  void a_members_test_run_that_reads_a_secret_is_refused_as_a_whole() {
    Reply run =
        slipway.controlAs(
            member,
            "POST",
            "/api/tests/run",
            """
        {"endpoints": ["no-secret", "script-hides-its-refusal"],
         "tests": [{"name": "plain", "method": "GET", "path": "/no-secret?name=x", "status": 200},
                   {"name": "reads", "method": "GET", "path": "/script-hides-its-refusal", "status": 200, "fields": ["fine"]}]}""");
    assertRefused(run, "PAYMENTS");

    Reply plain =
        slipway.controlAs(
            member,
            "POST",
            "/api/tests/run",
            """
        {"endpoints": ["no-secret"], "tests": [{"name": "plain", "method": "GET", "path": "/no-secret?name=x", "status": 200}]}""");
    assertThat(plain.status()).as(plain.toString()).isEqualTo(200);
    assertThat(plain.json().path("passed").asInt()).isEqualTo(1);
  }

  @Test
  void an_admins_preview_and_the_data_plane_read_secrets() {
    assertThat(
            slipway
                .control("GET", "/api/endpoints/expression-secret/preview/expression-secret")
                .json()
                .path("key")
                .asText())
        .isEqualTo(VALUE);
    assertThat(
            slipway
                .control("GET", "/api/endpoints/script-secret/preview/script-secret")
                .json()
                .path("key")
                .asText())
        .isEqualTo(VALUE);
    assertThat(
            slipway
                .control("GET", "/api/endpoints/sql-secret/preview/sql-secret")
                .json()
                .path("key")
                .asText())
        .isEqualTo(VALUE);
    Reply run =
        slipway.control(
            "POST",
            "/api/tests/run",
            """
        {"endpoints": ["script-hides-its-refusal"],
         "tests": [{"name": "reads", "method": "GET", "path": "/script-hides-its-refusal", "status": 200, "fields": ["key"]}]}""",
            "application/json");
    assertThat(run.json().path("passed").asInt()).as(run.toString()).isEqualTo(1);

    slipway.deploy("{\"endpoints\": [\"sql-secret\"]}");
    assertThat(slipway.data("GET", "/sql-secret").json().path("key").asText()).isEqualTo(VALUE);
  }

  @Test
  void an_admin_key_needs_the_secrets_scope_to_read_secrets_in_previews_and_execute() {
    String previewOnly =
        key("{\"name\":\"previewer\",\"role\":\"admin\",\"scopes\":[\"preview\",\"execute\"]}");
    Reply preview =
        slipway.controlAs(previewOnly, "GET", "/api/endpoints/sql-secret/preview/sql-secret", null);
    assertRefused(preview, "PAYMENTS");
    assertThat(preview.json().path("detail").asText()).contains("'secrets'");
    assertRefused(
        slipway.controlAs(
            previewOnly,
            "POST",
            "/api/execute",
            "{\"language\":\"javascript\",\"code\":\"try { return ctx.secrets.get('PAYMENTS') } catch (e) { return 'caught' }\"}"),
        "PAYMENTS");

    String withSecrets =
        key(
            "{\"name\":\"previewer-with-secrets\",\"role\":\"admin\",\"scopes\":[\"preview\",\"secrets\"]}");
    Reply allowed =
        slipway.controlAs(withSecrets, "GET", "/api/endpoints/sql-secret/preview/sql-secret", null);
    assertThat(allowed.json().path("key").asText()).as(allowed.toString()).isEqualTo(VALUE);
  }

  private static String key(String request) {
    Reply created = slipway.control("POST", "/api/keys", request, "application/json");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json().path("token").asText();
  }

  private static void assertRefused(Reply reply, String secret) {
    assertThat(reply.status()).as(reply.toString()).isEqualTo(403);
    assertThat(reply.contentType()).startsWith("application/problem+json");
    assertThat(reply.json().path("code").asText()).isEqualTo("secret_access_denied");
    assertThat(reply.json().path("detail").asText()).contains("'" + secret + "'");
    assertThat(reply.body()).doesNotContain(VALUE);
    reply
        .headers()
        .values()
        .forEach(values -> assertThat(String.join(",", values)).doesNotContain(VALUE));
  }
}
