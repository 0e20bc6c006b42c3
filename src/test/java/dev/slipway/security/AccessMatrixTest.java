package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestOrg;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Walks the whole role × action matrix over real HTTP, against a table written out here (not
 * derived from {@link Role}, {@link Action} or {@link Access}), and tries every route that names a
 * resource with another org's ids, checking that nothing of the first org changed.
 */
@ServerTest
class AccessMatrixTest {
  private static final List<String> ROLES = List.of("viewer", "member", "admin", "owner");

  /**
   * Who may call each route: SECURITY.md's role × action matrix, route by route. A row is {@code
   * METHOD PATH [BODY] | viewer | member | admin | owner}, ✓ where that role may. The bodies and
   * ids are chosen so that a caller let through gets a 2xx or a 4xx about the request itself, never
   * a change; {@code {release}} is a release of the org.
   */
  private static final String MATRIX =
      """
      GET    /api/auth/me                                            | ✓ | ✓ | ✓ | ✓
      POST   /api/auth/password {}                                   | ✓ | ✓ | ✓ | ✓
      GET    /api/endpoints                                          | ✓ | ✓ | ✓ | ✓
      GET    /api/endpoints/hello                                    | ✓ | ✓ | ✓ | ✓
      GET    /api/endpoints/hello/versions                           | ✓ | ✓ | ✓ | ✓
      GET    /api/endpoints/hello/versions/1                         | ✓ | ✓ | ✓ | ✓
      GET    /api/releases                                           | ✓ | ✓ | ✓ | ✓
      GET    /api/releases/live                                      | ✓ | ✓ | ✓ | ✓
      GET    /api/releases/{release}                                 | ✓ | ✓ | ✓ | ✓
      GET    /api/logs                                               | ✓ | ✓ | ✓ | ✓
      GET    /api/logs/no-such-call                                  | ✓ | ✓ | ✓ | ✓
      GET    /api/analytics                                          | ✓ | ✓ | ✓ | ✓
      GET    /api/usage                                              | ✓ | ✓ | ✓ | ✓
      GET    /api/quotas                                             | ✓ | ✓ | ✓ | ✓
      GET    /api/pauses                                             | ✓ | ✓ | ✓ | ✓
      GET    /api/org/auto-pause                                     | ✓ | ✓ | ✓ | ✓
      GET    /api/alerts                                             | ✓ | ✓ | ✓ | ✓
      GET    /api/members                                            | ✓ | ✓ | ✓ | ✓
      GET    /api/org                                                | ✓ | ✓ | ✓ | ✓
      GET    /api/org/egress                                         | ✓ | ✓ | ✓ | ✓
      GET    /api/secrets                                            | ✓ | ✓ | ✓ | ✓
      GET    /api/jobs                                               | ✓ | ✓ | ✓ | ✓
      GET    /api/jobs/999999                                        | ✓ | ✓ | ✓ | ✓
      GET    /api/schedules                                          | ✓ | ✓ | ✓ | ✓
      GET    /api/schedules/none                                     | ✓ | ✓ | ✓ | ✓
      GET    /api/webhooks/deliveries                                | ✓ | ✓ | ✓ | ✓
      GET    /api/webhooks/deliveries/999999                         | ✓ | ✓ | ✓ | ✓
      POST   /api/validation {}                                      | ✓ | ✓ | ✓ | ✓
      GET    /api/templates                                          | ✓ | ✓ | ✓ | ✓
      GET    /api/templates/crud-endpoint                            | ✓ | ✓ | ✓ | ✓
      POST   /api/endpoints {"name":"bad"}                           |   | ✓ | ✓ | ✓
      PUT    /api/endpoints/hello {"name":"bad"}                     |   | ✓ | ✓ | ✓
      GET    /api/endpoints/hello/preview/hello                      |   | ✓ | ✓ | ✓
      GET    /api/endpoints/hello/versions/1/preview/hello           |   | ✓ | ✓ | ✓
      POST   /api/tests/run {}                                       |   | ✓ | ✓ | ✓
      POST   /api/logs/no-such-call/replay {}                        |   | ✓ | ✓ | ✓
      POST   /api/jobs {}                                            |   | ✓ | ✓ | ✓
      POST   /api/jobs/999999/retry {}                               |   | ✓ | ✓ | ✓
      POST   /api/jobs/999999/cancel {}                              |   | ✓ | ✓ | ✓
      POST   /api/schedules/none/pause {}                            |   | ✓ | ✓ | ✓
      POST   /api/schedules/none/resume {}                           |   | ✓ | ✓ | ✓
      POST   /api/webhooks/deliveries/999999/resend {}               |   | ✓ | ✓ | ✓
      POST   /api/execute {}                                         |   |   | ✓ | ✓
      POST   /api/deploy {"endpoints":[{"bad":1}]}                   |   |   | ✓ | ✓
      POST   /api/releases/999999/rollback                           |   |   | ✓ | ✓
      POST   /api/create-endpoint {}                                 |   |   | ✓ | ✓
      GET    /api/keys                                               |   |   | ✓ | ✓
      POST   /api/keys {}                                            |   |   | ✓ | ✓
      DELETE /api/keys/999999                                        |   |   | ✓ | ✓
      GET    /api/consumer-keys                                      |   |   | ✓ | ✓
      POST   /api/consumer-keys {}                                   |   |   | ✓ | ✓
      DELETE /api/consumer-keys/999999                               |   |   | ✓ | ✓
      PUT    /api/secrets/NOT_SET {}                                 |   |   | ✓ | ✓
      DELETE /api/secrets/NOT_SET                                    |   |   | ✓ | ✓
      GET    /api/audit                                              |   |   | ✓ | ✓
      POST   /api/endpoints/nothing/pause {}                         |   |   | ✓ | ✓
      POST   /api/endpoints/nothing/resume {}                        |   |   | ✓ | ✓
      POST   /api/alerts {}                                          |   |   | ✓ | ✓
      DELETE /api/alerts/999999                                      |   |   | ✓ | ✓
      POST   /api/alerts/999999/test {}                              |   |   | ✓ | ✓
      POST   /api/members {}                                         |   |   |   | ✓
      PATCH  /api/members/999999 {"role":"viewer"}                   |   |   |   | ✓
      DELETE /api/members/999999                                     |   |   |   | ✓
      PATCH  /api/org {}                                             |   |   |   | ✓
      PUT    /api/org/egress {}                                      |   |   |   | ✓
      PUT    /api/org/auto-pause {"after":"x"}                       |   |   |   | ✓
      """;

  private static TestDatabase database;
  private static TestSlipway slipway;

  /** An access token per role name, all members of the default org. */
  private static final Map<String, String> tokens = new LinkedHashMap<>();

  private static long viewerId;

  /** The first of the default org's two releases; the second is live. */
  private static long firstRelease;

  private static long liveRelease;
  private static long keyId;
  private static String keyToken;
  private static long consumerKeyId;
  private static String consumerKeyToken;

  /** One route, and whether each role (viewer, member, admin, owner, in that order) may call it. */
  record Row(String method, String path, String body, List<Boolean> allowed) {
    static Row parse(String line) {
      String[] columns = line.split("\\|");
      String[] call = columns[0].strip().split("\\s+", 3);
      var allowed = new ArrayList<Boolean>();
      for (int i = 1; i < columns.length; i++) allowed.add(columns[i].strip().equals("✓"));
      if (allowed.size() != ROLES.size())
        throw new IllegalArgumentException("a row needs a column per role: " + line);
      return new Row(
          call[0],
          call[1].replace("{release}", Long.toString(firstRelease)),
          call.length > 2 ? call[2] : null,
          allowed);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    for (String role : ROLES) {
      TestSlipway.Member member = slipway.addMember(role + "@alpha.test", role);
      if (role.equals("viewer")) viewerId = member.userId();
      tokens.put(role, member.accessToken());
    }
    slipway.control(
        "PUT", "/api/secrets/ALPHA_ONLY", "{\"value\":\"alpha secret value\"}", "application/json");
    slipway.save(
        """
        name: hello
        method: GET
        path: /hello
        response: { body: { hello: world } }
        """);
    slipway.save(
        """
        name: alpha-keyed
        method: GET
        path: /alpha-keyed
        auth: { mode: apiKey }
        response: { body: { caller: "${auth.sub}" } }
        """);
    firstRelease = slipway.deploy("{}").path("id").asLong();
    slipway.save(
        """
        name: hello
        method: GET
        path: /hello
        response: { body: { hello: world, release: 2 } }
        """);
    liveRelease = slipway.deploy("{}").path("id").asLong();
    Reply key =
        slipway.control(
            "POST", "/api/keys", "{\"name\":\"ci\",\"role\":\"viewer\"}", "application/json");
    keyId = key.json().path("id").asLong();
    keyToken = key.json().path("token").asText();
    consumerKeyToken =
        slipway
            .control("POST", "/api/consumer-keys", "{\"name\":\"app\"}", "application/json")
            .json()
            .path("token")
            .asText();
    consumerKeyId = slipway.control("GET", "/api/consumer-keys").json().get(0).path("id").asLong();
  }

  @Test
  void every_role_is_let_through_exactly_where_the_matrix_says() {
    var wrong = new ArrayList<String>();
    for (String line : MATRIX.strip().split("\n")) {
      Row row = Row.parse(line);
      for (int i = 0; i < ROLES.size(); i++) {
        String role = ROLES.get(i);
        Reply reply = slipway.controlAs(tokens.get(role), row.method(), row.path(), row.body());
        boolean refused =
            reply.status() == 403 && reply.json().path("code").asText().equals("forbidden");
        if (row.allowed().get(i) == refused || reply.status() == 401 || reply.status() >= 500) {
          wrong.add(
              role
                  + " "
                  + row.method()
                  + " "
                  + row.path()
                  + " -> "
                  + reply.status()
                  + " "
                  + reply.body());
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void a_key_may_not_have_a_role_above_its_creators() {
    Reply refused =
        slipway.controlAs(
            tokens.get("admin"), "POST", "/api/keys", "{\"name\":\"too-high\",\"role\":\"owner\"}");
    assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
    assertThat(
            slipway
                .controlAs(
                    tokens.get("admin"),
                    "POST",
                    "/api/keys",
                    "{\"name\":\"as-high\",\"role\":\"admin\"}")
                .status())
        .isEqualTo(201);
    assertThat(slipway.control("GET", "/api/keys").json().findValuesAsText("name"))
        .doesNotContain("too-high");
  }

  @Test
  void a_key_limited_to_scopes_may_do_only_those() {
    String token =
        slipway
            .control(
                "POST",
                "/api/keys",
                "{\"name\":\"reader\",\"role\":\"admin\",\"scopes\":[\"read\"]}",
                "application/json")
            .json()
            .path("token")
            .asText();
    assertThat(slipway.controlAs(token, "GET", "/api/endpoints", null).status()).isEqualTo(200);
    Reply deploy = slipway.controlAs(token, "POST", "/api/deploy", "{}");
    assertThat(deploy.status()).isEqualTo(403);
    assertThat(deploy.json().path("detail").asText()).contains("'deploy'");
  }

  @Test
  void refusals_are_audited() {
    slipway.controlAs(tokens.get("viewer"), "POST", "/api/deploy", "{}");
    var denied = slipway.control("GET", "/api/audit?outcome=denied&action=access");
    assertThat(denied.json().findValuesAsText("actor"))
        .anyMatch(actor -> actor.contains("viewer@alpha.test"));
  }

  @Test
  void another_orgs_ids_are_404_on_every_route_that_names_a_resource_and_change_nothing() {
    TestOrg beta = TestOrg.create(slipway, database, "beta");
    List<String> named =
        List.of(
            "GET /api/endpoints/hello",
            "GET /api/endpoints/hello/versions",
            "GET /api/endpoints/hello/versions/1",
            "GET /api/endpoints/hello/preview/hello",
            "GET /api/endpoints/hello/versions/1/preview/hello",
            "POST /api/deploy {\"endpoints\":[\"hello\"]}",
            "GET /api/releases/" + firstRelease,
            "POST /api/releases/" + firstRelease + "/rollback",
            "DELETE /api/keys/" + keyId,
            "PATCH /api/members/" + viewerId + " {\"role\":\"owner\"}",
            "DELETE /api/members/" + viewerId,
            "DELETE /api/consumer-keys/" + consumerKeyId,
            "DELETE /api/secrets/ALPHA_ONLY");
    for (String call : named) {
      String[] parts = call.split(" ", 3);
      Reply reply = beta.call(parts[0], parts[1], parts.length > 2 ? parts[2] : null);
      assertThat(reply.status()).as(call + ": " + reply.body()).isEqualTo(404);
    }
    // a secret of the same name in beta is beta's own
    assertThat(beta.call("PUT", "/api/secrets/ALPHA_ONLY", "{\"value\":\"beta's value\"}").status())
        .isEqualTo(201);

    // lists show only beta's own things
    assertThat(beta.call("GET", "/api/endpoints", null).json()).isEmpty();
    assertThat(beta.call("GET", "/api/releases", null).json()).isEmpty();
    assertThat(beta.call("GET", "/api/keys", null).json()).isEmpty();
    assertThat(beta.call("GET", "/api/consumer-keys", null).json()).isEmpty();
    assertThat(beta.call("GET", "/api/logs", null).json()).isEmpty();
    assertThat(beta.call("GET", "/api/members", null).json().findValuesAsText("email"))
        .containsExactly("owner@beta.test");
    assertThat(beta.call("GET", "/api/audit", null).json().findValuesAsText("actor"))
        .allMatch(actor -> actor.contains("beta.test"));
    assertThat(beta.call("GET", "/api/releases/live", null).status()).isEqualTo(404);
    // beta may have its own 'hello', but not alpha's live route
    assertThat(
            beta.call(
                    "POST",
                    "/api/endpoints",
                    "{\"name\":\"hello\",\"method\":\"GET\",\"path\":\"/hello\",\"response\":{\"body\":\"beta\"}}")
                .status())
        .isEqualTo(201);
    Reply taken = beta.call("POST", "/api/deploy", "{}");
    assertThat(taken.status()).isEqualTo(409);
    assertThat(taken.json().path("code").asText()).isEqualTo("route_taken");

    // and nothing of alpha's changed: the live release and what it serves
    assertThat(slipway.control("GET", "/api/releases/live").json().path("id").asLong())
        .isEqualTo(liveRelease);
    assertThat(slipway.data("GET", "/hello").json().path("release").asInt()).isEqualTo(2);
    assertThat(slipway.control("GET", "/api/endpoints/hello").json().path("versions")).hasSize(2);
    // the keys still work
    assertThat(slipway.controlAs(keyToken, "GET", "/api/auth/me", null).status()).isEqualTo(200);
    Reply keyed =
        slipway.send(
            "GET",
            "http://127.0.0.1:" + slipway.dataPort() + "/alpha-keyed",
            (byte[]) null,
            null,
            Map.of("X-API-Key", consumerKeyToken));
    assertThat(keyed.status()).as(keyed.toString()).isEqualTo(200);
    // the viewer is still a viewer of alpha
    JsonNode viewer =
        slipway.control("GET", "/api/members").json().findParents("email").stream()
            .filter(m -> m.path("email").asText().equals("viewer@alpha.test"))
            .findFirst()
            .orElseThrow();
    assertThat(viewer.path("role").asText()).isEqualTo("viewer");
    assertThat(
            slipway
                .controlAs(tokens.get("viewer"), "GET", "/api/auth/me", null)
                .json()
                .path("role")
                .asText())
        .isEqualTo("viewer");
    // the secret is still there, with its value, as stored
    assertThat(slipway.control("GET", "/api/secrets").json().findValuesAsText("name"))
        .containsExactly("ALPHA_ONLY");
    long alpha = slipway.control("GET", "/api/org").json().path("id").asLong();
    assertThat(TestSlipway.storedSecrets(database).values(alpha))
        .isEqualTo(Map.of("ALPHA_ONLY", "alpha secret value"));
    assertThat(TestSlipway.storedSecrets(database).values(beta.id()))
        .isEqualTo(Map.of("ALPHA_ONLY", "beta's value"));
  }

  @Test
  void row_level_security_hides_other_orgs_rows_from_a_query_that_names_no_org()
      throws SQLException {
    database.execute(
        "insert into slipway.orgs (slug, name) values ('gamma', 'Gamma') on conflict do nothing");
    try (var c = database.connect();
        var s = c.createStatement()) {
      assertThat(count(s, "select count(*) from slipway.endpoints")).isPositive();
      s.execute(
          "select set_config('slipway.org_id', (select id::text from slipway.orgs where slug = 'gamma'), false)");
      s.execute("set role slipway_platform");
      for (String table :
          List.of(
              "endpoints",
              "endpoint_versions",
              "releases",
              "activations",
              "api_keys",
              "memberships",
              "audit_log")) {
        assertThat(count(s, "select count(*) from slipway." + table)).as(table).isZero();
      }
      assertThat(count(s, "select count(*) from slipway.users")).isZero();
      s.execute("reset role");
    }
  }

  private static long count(java.sql.Statement s, String sql) throws SQLException {
    try (var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
