package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A platform API key never acts with more than whoever made it has now: its creator's current role
 * in the org, and what the key that minted it may do. Checked twice: when a member's role changes
 * (the stored keys change with it) and on every call (the key is capped as it is used).
 */
@ServerTest
class KeyLimitsTest {
  private static final String PASSWORD = TestSlipway.PASSWORD;
  private static final String SECRET = "the original secret value";
  private static TestDatabase database;
  private static TestSlipway slipway;

  @BeforeAll
  static void start() throws Exception {
    assertThat(
            slipway
                .control(
                    "PUT",
                    "/api/secrets/PAYMENTS",
                    "{\"value\":\"" + SECRET + "\"}",
                    "application/json")
                .status())
        .isEqualTo(201);
    // reads the secret on the data plane with SQL alone, to see it unchanged without the sandbox
    slipway.save(
        """
        name: payments-unchanged
        method: GET
        path: /payments-unchanged
        steps:
          - id: s
            sql: select cast(:key as text) = cast(:original as text) as unchanged
            params: { key: "${secrets.PAYMENTS}", original: "%s" }
            expect: one
        response: { body: "${steps.s.row}" }
        """
            .formatted(SECRET));
    slipway.deploy("{}");
  }

  @Test
  void an_admins_keys_are_demoted_with_them_and_revoked_when_they_leave() {
    long ada = slipway.addUser("ada@keys.test", "admin");
    String adaToken = signIn("ada@keys.test");
    JsonNode adaKey = createKey(adaToken, "{\"name\":\"ada-ci\",\"role\":\"admin\"}");
    String key = adaKey.path("token").asText();
    // a key that ada's key made is ada's too
    JsonNode minted = createKey(key, "{\"name\":\"ada-ci-child\",\"role\":\"admin\"}");
    assertThat(minted.path("createdBy").asLong()).isEqualTo(ada);
    assertThat(minted.path("createdByKey").asLong()).isEqualTo(adaKey.path("id").asLong());
    assertThat(
            slipway
                .controlAs(key, "PUT", "/api/secrets/ADA_OWN", "{\"value\":\"ada's own value\"}")
                .status())
        .isEqualTo(201);

    assertThat(
            slipway
                .control(
                    "PATCH", "/api/members/" + ada, "{\"role\":\"viewer\"}", "application/json")
                .status())
        .isEqualTo(200);

    assertThat(storedKey(adaKey).path("role").asText()).isEqualTo("viewer");
    assertThat(storedKey(minted).path("role").asText()).isEqualTo("viewer");
    for (String token : new String[] {key, minted.path("token").asText()}) {
      assertForbidden(execute(token, "return 1 + 1"));
      assertForbidden(
          slipway.controlAs(token, "PUT", "/api/secrets/PAYMENTS", "{\"value\":\"replaced\"}"));
      assertThat(slipway.controlAs(token, "GET", "/api/endpoints", null).status()).isEqualTo(200);
    }
    assertThat(
            slipway
                .control("GET", "/api/audit?action=key.demote")
                .json()
                .findValuesAsText("target"))
        .contains("key:" + adaKey.path("id").asLong(), "key:" + minted.path("id").asLong());

    assertThat(slipway.control("DELETE", "/api/members/" + ada).status()).isEqualTo(204);

    assertThat(storedKey(adaKey).path("revoked").asBoolean()).isTrue();
    assertThat(storedKey(minted).path("revoked").asBoolean()).isTrue();
    for (String token : new String[] {key, minted.path("token").asText()}) {
      assertThat(slipway.controlAs(token, "GET", "/api/endpoints", null).status()).isEqualTo(401);
      assertThat(
              slipway
                  .controlAs(token, "PUT", "/api/secrets/PAYMENTS", "{\"value\":\"replaced\"}")
                  .status())
          .isEqualTo(401);
    }
    assertThat(
            slipway
                .control("GET", "/api/audit?action=key.revoke")
                .json()
                .findValuesAsText("target"))
        .contains("key:" + adaKey.path("id").asLong(), "key:" + minted.path("id").asLong());
    assertSecretUnchanged();
  }

  @Test
  void a_key_is_capped_by_its_creators_current_role_even_where_its_stored_role_was_not_lowered() {
    long bob = slipway.addUser("bob@keys.test", "admin");
    String key =
        createKey(signIn("bob@keys.test"), "{\"name\":\"bob-ci\",\"role\":\"admin\"}")
            .path("token")
            .asText();
    assertThat(slipway.controlAs(key, "GET", "/api/audit", null).status()).isEqualTo(200);

    // a role changed past the API (by hand in the database) leaves the key's stored role alone
    database.execute("update slipway.memberships set role = 'viewer' where user_id = " + bob);
    assertForbidden(execute(key, "return 1"));
    assertForbidden(
        slipway.controlAs(key, "PUT", "/api/secrets/PAYMENTS", "{\"value\":\"replaced\"}"));
    assertThat(slipway.controlAs(key, "GET", "/api/auth/me", null).json().path("role").asText())
        .isEqualTo("viewer");

    database.execute("delete from slipway.memberships where user_id = " + bob);
    Reply gone = slipway.controlAs(key, "GET", "/api/auth/me", null);
    assertThat(gone.status()).isEqualTo(401);
    assertThat(gone.contentType()).startsWith("application/problem+json");
    assertThat(gone.json().path("code").asText()).isEqualTo("invalid_token");
    assertSecretUnchanged();
  }

  @Test
  void a_key_limited_to_keys_may_mint_only_keys_limited_to_keys_and_none_of_them_runs_code() {
    JsonNode keysOnly =
        createKey(
            TestSlipway.TOKEN, "{\"name\":\"key-maker\",\"role\":\"admin\",\"scopes\":[\"keys\"]}");
    String maker = keysOnly.path("token").asText();

    Reply unlimited =
        slipway.controlAs(
            maker, "POST", "/api/keys", "{\"name\":\"unlimited\",\"role\":\"admin\"}");
    assertThat(unlimited.status()).as(unlimited.toString()).isEqualTo(403);
    assertThat(unlimited.contentType()).startsWith("application/problem+json");
    assertThat(unlimited.json().path("code").asText()).isEqualTo("scope_not_held");
    assertThat(unlimited.errorPaths()).containsExactly("/scopes");
    Reply executing =
        slipway.controlAs(
            maker, "POST", "/api/keys", "{\"name\":\"runner\",\"scopes\":[\"keys\",\"execute\"]}");
    assertThat(executing.status()).as(executing.toString()).isEqualTo(403);
    assertThat(executing.errorPaths()).containsExactly("/scopes/1");
    assertThat(slipway.control("GET", "/api/keys").json().findValuesAsText("name"))
        .doesNotContain("unlimited", "runner");

    JsonNode child =
        createKey(maker, "{\"name\":\"key-maker-child\",\"role\":\"admin\",\"scopes\":[\"keys\"]}");
    assertThat(child.path("createdByKey").asLong()).isEqualTo(keysOnly.path("id").asLong());
    String childToken = child.path("token").asText();
    assertForbidden(execute(childToken, "return 1"));
    assertForbidden(execute(maker, "return 1"));
    assertThat(slipway.controlAs(childToken, "GET", "/api/keys", null).status()).isEqualTo(200);
  }

  @Test
  void a_minted_key_never_does_more_than_its_minting_key_does_now() {
    JsonNode keysOnly =
        createKey(
            TestSlipway.TOKEN,
            "{\"name\":\"narrow-maker\",\"role\":\"admin\",\"scopes\":[\"keys\"]}");
    JsonNode child =
        createKey(
            keysOnly.path("token").asText(), "{\"name\":\"narrow-child\",\"scopes\":[\"keys\"]}");
    String childToken = child.path("token").asText();

    // widened past the API, the key is still held to the key that made it
    database.execute(
        "update slipway.api_keys set scopes = '{}' where id = " + child.path("id").asLong());
    assertThat(
            slipway
                .controlAs(childToken, "GET", "/api/auth/me", null)
                .json()
                .path("scopes")
                .toString())
        .isEqualTo("[\"keys\"]");
    assertForbidden(execute(childToken, "return 1"));

    assertThat(slipway.control("DELETE", "/api/keys/" + keysOnly.path("id").asLong()).status())
        .isEqualTo(204);
    assertThat(slipway.controlAs(childToken, "GET", "/api/keys", null).status()).isEqualTo(401);
  }

  private static String signIn(String email) {
    Reply reply =
        slipway.controlAs(
            null,
            "POST",
            "/api/auth/token",
            "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    return reply.json().path("accessToken").asText();
  }

  private static JsonNode createKey(String bearer, String request) {
    Reply created = slipway.controlAs(bearer, "POST", "/api/keys", request);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json();
  }

  /** The key as the owner's key list shows it now. */
  private static JsonNode storedKey(JsonNode created) {
    for (JsonNode key : slipway.control("GET", "/api/keys").json()) {
      if (key.path("id").asLong() == created.path("id").asLong()) return key;
    }
    throw new AssertionError("no key " + created.path("id"));
  }

  private static Reply execute(String bearer, String code) {
    return slipway.controlAs(
        bearer, "POST", "/api/execute", "{\"language\":\"javascript\",\"code\":\"" + code + "\"}");
  }

  private static void assertForbidden(Reply reply) {
    assertThat(reply.status()).as(reply.toString()).isEqualTo(403);
    assertThat(reply.contentType()).startsWith("application/problem+json");
  }

  private static void assertSecretUnchanged() {
    Reply same = slipway.data("GET", "/payments-unchanged");
    assertThat(same.json().path("unchanged").asBoolean()).as(same.toString()).isTrue();
    assertThat(slipway.control("GET", "/api/audit?action=secret.update").json()).isEmpty();
  }

  @Test
  void a_member_request_with_several_mistakes_is_answered_with_the_first_in_reading_order() {
    Reply badEmailNoRole =
        slipway.control(
            "POST", "/api/members", "{\"email\": \"not-an-address\"}", "application/json");
    assertThat(badEmailNoRole.status()).isEqualTo(422);
    assertThat(badEmailNoRole.errorPaths()).containsExactly("/email");
    Reply unknownRoleBadPassword =
        slipway.control(
            "POST",
            "/api/members",
            "{\"email\": \"x@y.test\", \"role\": \"emperor\", \"password\": 5}",
            "application/json");
    assertThat(unknownRoleBadPassword.errorPaths()).containsExactly("/role");
    Reply newUserWithoutPassword =
        slipway.control(
            "POST",
            "/api/members",
            "{\"email\": \"new@y.test\", \"role\": \"member\", \"name\": 5}",
            "application/json");
    assertThat(newUserWithoutPassword.json().path("code").asText()).isEqualTo("password_required");
  }

  @Test
  void a_key_request_whose_scopes_are_not_a_list_is_a_422() {
    Reply scopesObject =
        slipway.control(
            "POST",
            "/api/keys",
            "{\"name\": \"odd\", \"scopes\": {\"a\": \"read\"}}",
            "application/json");
    assertThat(scopesObject.status()).as(scopesObject.toString()).isEqualTo(422);
    assertThat(scopesObject.errorPaths()).containsExactly("/scopes");
  }
}
