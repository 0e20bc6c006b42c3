package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.store.IdentityStore;
import dev.slipway.store.Platform;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Walks the whole role × action matrix over real HTTP, and tries every route that names a
 * resource with another org's ids. The requests are chosen so that a caller let through gets a
 * 2xx or a 4xx about the request itself, never a change: the matrix is about who is let through.
 */
class AccessMatrixTest {
  private static final String PASSWORD = "correct horse battery";
  private static TestDatabase database;
  private static TestSlipway slipway;
  private static final Map<Role, String> tokens = new EnumMap<>(Role.class);
  private static long releaseId;
  private static long keyId;
  private static long memberId;
  private static long consumerKeyId;

  /**
   * One route, called with a body that changes nothing, and the least role that may call it: the
   * matrix as SECURITY.md writes it (viewer reads; member edits drafts and previews; admin runs
   * code, deploys, rolls back, manages keys and reads the audit log; owner manages members and
   * the org), written out here rather than read from {@link Action}.
   */
  record Call(String method, String path, String body, Role least) {}

  @BeforeAll
  static void start() throws Exception {
    database = new TestDatabase();
    slipway = TestSlipway.start(database);
    for (Role role : Role.values()) {
      String email = role.id() + "@alpha.test";
      Reply added = slipway.control("POST", "/api/members",
          "{\"email\":\"" + email + "\",\"role\":\"" + role.id() + "\",\"password\":\"" + PASSWORD + "\"}", "application/json");
      assertThat(added.status()).as(added.toString()).isEqualTo(201);
      if (role == Role.VIEWER) memberId = added.json().path("userId").asLong();
      tokens.put(role, signIn(email, Optional.empty()));
    }
    slipway.save("""
        name: hello
        method: GET
        path: /hello
        response: { body: { hello: world } }
        """);
    releaseId = slipway.deploy("{}").path("id").asLong();
    keyId = slipway.control("POST", "/api/keys", "{\"name\":\"ci\"}", "application/json").json().path("id").asLong();
    slipway.control("POST", "/api/consumer-keys", "{\"name\":\"app\"}", "application/json");
    consumerKeyId = slipway.control("GET", "/api/consumer-keys").json().get(0).path("id").asLong();
    slipway.control("PUT", "/api/secrets/ALPHA_ONLY", "{\"value\":\"alpha secret value\"}", "application/json");
  }

  @AfterAll
  static void stop() {
    slipway.close();
    database.close();
  }

  static String signIn(String email, Optional<String> org) {
    Reply reply = slipway.controlAs(null, "POST", "/api/auth/token", "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\""
        + org.map(o -> ",\"org\":\"" + o + "\"").orElse("") + "}");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    return reply.json().path("accessToken").asText();
  }

  static List<Call> calls() {
    var calls = new ArrayList<Call>();
    calls.add(new Call("GET", "/api/auth/me", null, Role.VIEWER));
    calls.add(new Call("POST", "/api/auth/password", "{}", Role.VIEWER));
    calls.add(new Call("GET", "/api/endpoints", null, Role.VIEWER));
    calls.add(new Call("GET", "/api/endpoints/hello", null, Role.VIEWER));
    calls.add(new Call("GET", "/api/endpoints/hello/versions", null, Role.VIEWER));
    calls.add(new Call("GET", "/api/endpoints/hello/versions/1", null, Role.VIEWER));
    calls.add(new Call("GET", "/api/releases", null, Role.VIEWER));
    calls.add(new Call("GET", "/api/releases/live", null, Role.VIEWER));
    calls.add(new Call("GET", "/api/releases/" + releaseId, null, Role.VIEWER));
    calls.add(new Call("GET", "/api/logs", null, Role.VIEWER));
    calls.add(new Call("GET", "/api/members", null, Role.VIEWER));
    calls.add(new Call("GET", "/api/org", null, Role.VIEWER));
    calls.add(new Call("POST", "/api/endpoints", "{\"name\":\"bad\"}", Role.MEMBER));
    calls.add(new Call("PUT", "/api/endpoints/hello", "{\"name\":\"bad\"}", Role.MEMBER));
    calls.add(new Call("GET", "/api/endpoints/hello/preview/hello", null, Role.MEMBER));
    calls.add(new Call("GET", "/api/endpoints/hello/versions/1/preview/hello", null, Role.MEMBER));
    calls.add(new Call("POST", "/api/execute", "{}", Role.ADMIN));
    calls.add(new Call("POST", "/api/deploy", "{\"endpoints\":[{\"bad\":1}]}", Role.ADMIN));
    calls.add(new Call("POST", "/api/releases/999999/rollback", null, Role.ADMIN));
    calls.add(new Call("GET", "/api/keys", null, Role.ADMIN));
    calls.add(new Call("POST", "/api/keys", "{}", Role.ADMIN));
    calls.add(new Call("DELETE", "/api/keys/999999", null, Role.ADMIN));
    calls.add(new Call("GET", "/api/audit", null, Role.ADMIN));
    calls.add(new Call("GET", "/api/consumer-keys", null, Role.ADMIN));
    calls.add(new Call("POST", "/api/consumer-keys", "{}", Role.ADMIN));
    calls.add(new Call("DELETE", "/api/consumer-keys/999999", null, Role.ADMIN));
    calls.add(new Call("GET", "/api/secrets", null, Role.VIEWER));
    calls.add(new Call("PUT", "/api/secrets/NOT_SET", "{}", Role.ADMIN));
    calls.add(new Call("DELETE", "/api/secrets/NOT_SET", null, Role.ADMIN));
    calls.add(new Call("POST", "/api/members", "{}", Role.OWNER));
    calls.add(new Call("PATCH", "/api/members/999999", "{\"role\":\"viewer\"}", Role.OWNER));
    calls.add(new Call("DELETE", "/api/members/999999", null, Role.OWNER));
    calls.add(new Call("PATCH", "/api/org", "{}", Role.OWNER));
    calls.add(new Call("GET", "/api/org/egress", null, Role.VIEWER));
    calls.add(new Call("PUT", "/api/org/egress", "{}", Role.OWNER));
    calls.add(new Call("POST", "/api/validation", "{}", Role.VIEWER));
    calls.add(new Call("GET", "/api/templates", null, Role.VIEWER));
    calls.add(new Call("GET", "/api/templates/crud-endpoint", null, Role.VIEWER));
    calls.add(new Call("POST", "/api/create-endpoint", "{}", Role.ADMIN));
    calls.add(new Call("POST", "/api/tests/run", "{}", Role.MEMBER));
    return calls;
  }

  @Test
  void every_role_is_let_through_exactly_where_the_matrix_says() {
    var wrong = new ArrayList<String>();
    for (Role role : Role.values()) {
      for (Call call : calls()) {
        Reply reply = slipway.controlAs(tokens.get(role), call.method(), call.path(), call.body());
        boolean allowed = role.atLeast(call.least());
        boolean refused = reply.status() == 403 && reply.json().path("code").asText().equals("forbidden");
        if (allowed == refused || reply.status() == 401 || reply.status() >= 500) {
          wrong.add(role.id() + " " + call.method() + " " + call.path() + " -> " + reply.status() + " " + reply.body());
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void a_key_limited_to_scopes_may_do_only_those() {
    String token = slipway.control("POST", "/api/keys", "{\"name\":\"reader\",\"role\":\"admin\",\"scopes\":[\"read\"]}",
        "application/json").json().path("token").asText();
    assertThat(slipway.controlAs(token, "GET", "/api/endpoints", null).status()).isEqualTo(200);
    Reply deploy = slipway.controlAs(token, "POST", "/api/deploy", "{}");
    assertThat(deploy.status()).isEqualTo(403);
    assertThat(deploy.json().path("detail").asText()).contains("'deploy'");
  }

  @Test
  void refusals_are_audited() {
    slipway.controlAs(tokens.get(Role.VIEWER), "POST", "/api/deploy", "{}");
    var denied = slipway.control("GET", "/api/audit?outcome=denied&action=access");
    assertThat(denied.json().findValuesAsText("actor")).anyMatch(actor -> actor.contains("viewer@alpha.test"));
  }

  @Test
  void another_orgs_ids_are_404_on_every_route_that_names_a_resource() throws SQLException {
    Bootstrap.createUser(new Platform(database.dataSource()), new IdentityStore(), "owner@beta.test", PASSWORD, Optional.of("beta"));
    String beta = signIn("owner@beta.test", Optional.of("beta"));

    List<Call> named = List.of(
        new Call("GET", "/api/endpoints/hello", null, Role.VIEWER),
        new Call("GET", "/api/endpoints/hello/versions", null, Role.VIEWER),
        new Call("GET", "/api/endpoints/hello/versions/1", null, Role.VIEWER),
        new Call("GET", "/api/endpoints/hello/preview/hello", null, Role.MEMBER),
        new Call("GET", "/api/endpoints/hello/versions/1/preview/hello", null, Role.MEMBER),
        new Call("POST", "/api/deploy", "{\"endpoints\":[\"hello\"]}", Role.ADMIN),
        new Call("GET", "/api/releases/" + releaseId, null, Role.VIEWER),
        new Call("POST", "/api/releases/" + releaseId + "/rollback", null, Role.ADMIN),
        new Call("DELETE", "/api/keys/" + keyId, null, Role.ADMIN),
        new Call("PATCH", "/api/members/" + memberId, "{\"role\":\"owner\"}", Role.OWNER),
        new Call("DELETE", "/api/members/" + memberId, null, Role.OWNER),
        new Call("DELETE", "/api/consumer-keys/" + consumerKeyId, null, Role.ADMIN),
        new Call("DELETE", "/api/secrets/ALPHA_ONLY", null, Role.ADMIN));
    for (Call call : named) {
      Reply reply = slipway.controlAs(beta, call.method(), call.path(), call.body());
      assertThat(reply.status()).as(call.method() + " " + call.path() + ": " + reply.body()).isEqualTo(404);
    }
    // lists show only beta's own things
    assertThat(slipway.controlAs(beta, "GET", "/api/endpoints", null).json()).isEmpty();
    assertThat(slipway.controlAs(beta, "GET", "/api/releases", null).json()).isEmpty();
    assertThat(slipway.controlAs(beta, "GET", "/api/keys", null).json()).isEmpty();
    assertThat(slipway.controlAs(beta, "GET", "/api/consumer-keys", null).json()).isEmpty();
    assertThat(slipway.controlAs(beta, "GET", "/api/secrets", null).json()).isEmpty();
    assertThat(slipway.controlAs(beta, "GET", "/api/logs", null).json()).isEmpty();
    assertThat(slipway.controlAs(beta, "GET", "/api/members", null).json().findValuesAsText("email")).containsExactly("owner@beta.test");
    assertThat(slipway.controlAs(beta, "GET", "/api/audit", null).json().findValuesAsText("actor"))
        .allMatch(actor -> actor.contains("beta.test"));
    assertThat(slipway.controlAs(beta, "GET", "/api/releases/live", null).status()).isEqualTo(404);
    // beta may have its own 'hello', but not alpha's live route
    assertThat(slipway.controlAs(beta, "POST", "/api/endpoints",
        "{\"name\":\"hello\",\"method\":\"GET\",\"path\":\"/hello\",\"response\":{\"body\":\"beta\"}}").status()).isEqualTo(201);
    Reply taken = slipway.controlAs(beta, "POST", "/api/deploy", "{}");
    assertThat(taken.status()).isEqualTo(409);
    assertThat(taken.json().path("code").asText()).isEqualTo("route_taken");
    assertThat(slipway.data("GET", "/hello").json().path("hello").asText()).isEqualTo("world");
    // nothing of alpha's changed
    assertThat(slipway.control("GET", "/api/keys").json().findValuesAsText("name")).contains("ci");
    assertThat(slipway.control("GET", "/api/members").json().findValuesAsText("email")).contains("viewer@alpha.test");
  }

  @Test
  void row_level_security_hides_other_orgs_rows_from_a_query_that_names_no_org() throws SQLException {
    database.execute("insert into slipway.orgs (slug, name) values ('gamma', 'Gamma') on conflict do nothing");
    try (var c = database.connect(); var s = c.createStatement()) {
      assertThat(count(s, "select count(*) from slipway.endpoints")).isPositive();
      s.execute("select set_config('slipway.org_id', (select id::text from slipway.orgs where slug = 'gamma'), false)");
      s.execute("set role slipway_platform");
      for (String table : List.of("endpoints", "endpoint_versions", "releases", "activations", "api_keys", "memberships", "audit_log")) {
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
