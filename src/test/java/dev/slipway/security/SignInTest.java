package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The three ways into the control plane (session cookie, JWT pair, API key) and their attacks. */
@ServerTest
class SignInTest {
  private static final String PASSWORD = TestSlipway.PASSWORD;
  private static TestDatabase database;
  private static TestSlipway slipway;

  private static Reply post(String path, String json) {
    return slipway.controlAs(null, "POST", path, json);
  }

  private static String credentials(String email, String password) {
    return "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}";
  }

  @Test
  void a_session_cookie_is_httponly_lax_needs_csrf_on_unsafe_methods_and_ends_at_logout() {
    slipway.addUser("sess@test.dev", "admin");
    Reply login = post("/api/auth/login", credentials("sess@test.dev", PASSWORD));
    assertThat(login.status()).as(login.toString()).isEqualTo(200);
    String setCookie = login.header("Set-Cookie");
    assertThat(setCookie)
        .contains("slipway_session=")
        .contains("HttpOnly")
        .contains("SameSite=Lax")
        .doesNotContain("Secure");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    String csrf = login.json().path("csrfToken").asText();

    assertThat(
            slipway.controlWith(Map.of("Cookie", cookie), "GET", "/api/endpoints", null).status())
        .isEqualTo(200);
    Reply noCsrf =
        slipway.controlWith(Map.of("Cookie", cookie), "POST", "/api/keys", "{\"name\":\"k\"}");
    assertThat(noCsrf.status()).isEqualTo(403);
    assertThat(noCsrf.json().path("code").asText()).isEqualTo("csrf_token_missing");
    Reply wrongCsrf =
        slipway.controlWith(
            Map.of("Cookie", cookie, "X-CSRF-Token", "nope"),
            "POST",
            "/api/keys",
            "{\"name\":\"k\"}");
    assertThat(wrongCsrf.status()).isEqualTo(403);
    assertThat(
            slipway
                .controlWith(
                    Map.of("Cookie", cookie, "X-CSRF-Token", csrf),
                    "POST",
                    "/api/keys",
                    "{\"name\":\"k\"}")
                .status())
        .isEqualTo(201);

    assertThat(
            slipway
                .controlWith(
                    Map.of("Cookie", cookie, "X-CSRF-Token", csrf),
                    "POST",
                    "/api/auth/logout",
                    null)
                .status())
        .isEqualTo(204);
    Reply after = slipway.controlWith(Map.of("Cookie", cookie), "GET", "/api/endpoints", null);
    assertThat(after.status()).isEqualTo(401);
    assertThat(after.json().path("code").asText()).isEqualTo("session_expired");
  }

  @Test
  void behind_tls_the_cookie_is_secure() {
    slipway.addUser("tls@test.dev", "viewer");
    Reply login =
        slipway.controlWith(
            Map.of("X-Forwarded-Proto", "https"),
            "POST",
            "/api/auth/login",
            credentials("tls@test.dev", PASSWORD));
    assertThat(login.header("Set-Cookie")).contains("Secure");
  }

  @Test
  void a_session_ends_after_its_idle_time_and_after_its_absolute_lifetime() {
    slipway.addUser("idle@test.dev", "viewer");
    for (String expiry :
        new String[] {
          "last_seen_at = now() - interval '31 minutes'", "expires_at = now() - interval '1 second'"
        }) {
      String setCookie =
          post("/api/auth/login", credentials("idle@test.dev", PASSWORD)).header("Set-Cookie");
      String cookie = setCookie.substring(0, setCookie.indexOf(';'));
      assertThat(slipway.controlWith(Map.of("Cookie", cookie), "GET", "/api/org", null).status())
          .isEqualTo(200);
      database.execute(
          "update slipway.sessions set "
              + expiry
              + " where revoked_at is null and user_id = "
              + "(select id from slipway.users where email = 'idle@test.dev')");
      assertThat(slipway.controlWith(Map.of("Cookie", cookie), "GET", "/api/org", null).status())
          .as(expiry)
          .isEqualTo(401);
    }
  }

  @Test
  void a_refresh_token_rotates_and_a_replayed_one_revokes_its_family() {
    slipway.addUser("jwt@test.dev", "member");
    Reply first = post("/api/auth/token", credentials("jwt@test.dev", PASSWORD));
    assertThat(first.status()).isEqualTo(200);
    String access = first.json().path("accessToken").asText();
    assertThat(first.json().path("expiresIn").asLong()).isEqualTo(900);
    assertThat(slipway.controlAs(access, "GET", "/api/auth/me", null).json().path("role").asText())
        .isEqualTo("member");

    String refresh1 = first.json().path("refreshToken").asText();
    Reply second = post("/api/auth/refresh", "{\"refreshToken\":\"" + refresh1 + "\"}");
    assertThat(second.status()).isEqualTo(200);
    String refresh2 = second.json().path("refreshToken").asText();
    assertThat(refresh2).isNotEqualTo(refresh1);

    // the thief (or the owner) replays the used token: the whole family is revoked
    assertThat(post("/api/auth/refresh", "{\"refreshToken\":\"" + refresh1 + "\"}").status())
        .isEqualTo(401);
    assertThat(post("/api/auth/refresh", "{\"refreshToken\":\"" + refresh2 + "\"}").status())
        .isEqualTo(401);
    assertThat(
            slipway
                .controlAs(second.json().path("accessToken").asText(), "GET", "/api/auth/me", null)
                .status())
        .isEqualTo(401);
    assertThat(slipway.control("GET", "/api/audit?action=token.replay").json()).hasSize(1);
  }

  @Test
  void logout_and_a_password_change_revoke_access_tokens() {
    slipway.addUser("rev@test.dev", "member");
    String access =
        post("/api/auth/token", credentials("rev@test.dev", PASSWORD))
            .json()
            .path("accessToken")
            .asText();
    assertThat(slipway.controlAs(access, "POST", "/api/auth/logout", null).status()).isEqualTo(204);
    assertThat(slipway.controlAs(access, "GET", "/api/auth/me", null).status()).isEqualTo(401);

    String other =
        post("/api/auth/token", credentials("rev@test.dev", PASSWORD))
            .json()
            .path("accessToken")
            .asText();
    Reply weak =
        slipway.controlAs(
            other,
            "POST",
            "/api/auth/password",
            "{\"currentPassword\":\"" + PASSWORD + "\",\"newPassword\":\"short\"}");
    assertThat(weak.status()).isEqualTo(422);
    assertThat(weak.errorPaths()).containsExactly("/newPassword");
    Reply changed =
        slipway.controlAs(
            other,
            "POST",
            "/api/auth/password",
            "{\"currentPassword\":\""
                + PASSWORD
                + "\",\"newPassword\":\"another long passphrase\"}");
    assertThat(changed.status()).isEqualTo(204);
    assertThat(slipway.controlAs(other, "GET", "/api/auth/me", null).status()).isEqualTo(401);
    assertThat(post("/api/auth/token", credentials("rev@test.dev", PASSWORD)).status())
        .isEqualTo(401);
    assertThat(
            post("/api/auth/token", credentials("rev@test.dev", "another long passphrase"))
                .status())
        .isEqualTo(200);
  }

  @Test
  void tampered_expired_foreign_and_unsigned_tokens_are_refused() throws Exception {
    slipway.addUser("forge@test.dev", "owner");
    Reply pair = post("/api/auth/token", credentials("forge@test.dev", PASSWORD));
    String good = pair.json().path("accessToken").asText();
    long userId = pair.json().path("user").path("id").asLong();
    byte[] key =
        Base64.getDecoder()
            .decode(
                (String)
                    database.scalar(
                        "select value from slipway.settings where key = 'jwt_hs256_key'"));
    String family = SignedJWT.parse(good).getJWTClaimsSet().getStringClaim("fam");

    String[] parts = good.split("\\.");
    String tampered =
        parts[0]
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    new String(Base64.getUrlDecoder().decode(parts[1]))
                        .replace("\"org\":1", "\"org\":2")
                        .getBytes())
            + "."
            + parts[2];
    String expired =
        new Tokens(
                key,
                Duration.ofMinutes(15),
                Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC))
            .issue(userId, 1, family);
    String wrongIssuer =
        sign(
            key,
            new JWTClaimsSet.Builder()
                .issuer("someone-else")
                .audience(Tokens.AUDIENCE)
                .subject("" + userId)
                .claim("org", 1)
                .claim("fam", family)
                .issueTime(new Date())
                .expirationTime(Date.from(Instant.now().plusSeconds(600)))
                .build());
    String otherKey =
        new Tokens(new byte[32], Duration.ofMinutes(15), Clock.systemUTC())
            .issue(userId, 1, family);
    String unsigned =
        Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes())
            + "."
            + parts[1]
            + ".";

    assertThat(slipway.controlAs(good, "GET", "/api/auth/me", null).status()).isEqualTo(200);
    for (String token : new String[] {tampered, expired, wrongIssuer, otherKey, unsigned}) {
      Reply reply = slipway.controlAs(token, "GET", "/api/auth/me", null);
      assertThat(reply.status()).as(token).isEqualTo(401);
      assertThat(reply.header("WWW-Authenticate")).isEqualTo("Bearer");
    }
  }

  private static String sign(byte[] key, JWTClaimsSet claims) throws Exception {
    var jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(key));
    return jwt.serialize();
  }

  @Test
  void wrong_email_and_wrong_password_look_alike_and_repeated_failures_lock_out_either() {
    slipway.addUser("lock@test.dev", "viewer");
    Reply wrongPassword = post("/api/auth/token", credentials("lock@test.dev", "wrong password!"));
    Reply noSuchUser = post("/api/auth/token", credentials("nobody@test.dev", "wrong password!"));
    assertThat(wrongPassword.status()).isEqualTo(401);
    assertThat(noSuchUser.status()).isEqualTo(401);
    assertThat(wrongPassword.json().path("detail").asText())
        .isEqualTo(noSuchUser.json().path("detail").asText());
    for (int i = 0; i < SignIn.EMAIL_FAILURES; i++) {
      post("/api/auth/token", credentials("lock@test.dev", "wrong password!"));
      post("/api/auth/token", credentials("nobody@test.dev", "wrong password!"));
    }
    Reply locked = post("/api/auth/token", credentials("lock@test.dev", PASSWORD));
    Reply lockedMissing = post("/api/auth/token", credentials("nobody@test.dev", PASSWORD));
    assertThat(locked.status()).isEqualTo(429);
    assertThat(lockedMissing.status()).isEqualTo(429);
    assertThat(locked.header("Retry-After")).isNotBlank();
    assertThat(locked.json().path("code").asText())
        .isEqualTo(lockedMissing.json().path("code").asText());
  }

  @Test
  void
      fifty_failures_from_one_address_over_many_emails_lock_that_address_out_even_with_a_right_password()
          throws Exception {
    slipway.addUser("right@test.dev", "viewer");
    // another loopback address, so that the lockout does not reach this class's other sign-ins
    InetAddress attacker = InetAddress.getByName("127.0.0.9");
    for (int i = 1; i <= 50; i++) {
      Reply failed =
          postFrom(
              attacker,
              "/api/auth/token",
              credentials("guess" + i + "@test.dev", "wrong password!"));
      if (i < 50) assertThat(failed.status()).as("failure %d of 50: %s", i, failed).isEqualTo(401);
    }
    Reply locked = postFrom(attacker, "/api/auth/token", credentials("right@test.dev", PASSWORD));
    assertThat(locked.status()).as(locked.toString()).isEqualTo(429);
    assertThat(locked.json().path("code").asText()).isEqualTo("too_many_attempts");
    assertThat(Long.parseLong(locked.header("Retry-After"))).isBetween(1L, 15 * 60L);
    // the lock is the address's: the same sign-in from elsewhere succeeds
    assertThat(post("/api/auth/token", credentials("right@test.dev", PASSWORD)).status())
        .isEqualTo(200);
  }

  /** A POST from another local address (any of 127/8 reaches the server's 127.0.0.1 on Linux). */
  private static Reply postFrom(InetAddress from, String path, String json) throws Exception {
    var client = HttpClient.newBuilder().localAddress(from).build();
    var request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + slipway.controlPort() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
    return new Reply(response.statusCode(), response.headers().map(), response.body());
  }

  @Test
  void an_api_key_is_shown_once_kept_hashed_and_can_expire_and_be_revoked() {
    Reply created =
        slipway.control(
            "POST",
            "/api/keys",
            "{\"name\":\"deploy-bot\",\"role\":\"admin\"}",
            "application/json");
    assertThat(created.status()).isEqualTo(201);
    String token = created.json().path("token").asText();
    long id = created.json().path("id").asLong();
    assertThat(token)
        .startsWith("slw_")
        .startsWith(created.json().path("prefix").asText().replace("…", ""));
    assertThat(slipway.control("GET", "/api/keys").body()).doesNotContain(token);
    assertThat(
            database.scalar(
                "select count(*) from slipway.api_keys where token_sha256 like '%" + token + "%'"))
        .isEqualTo(0L);

    assertThat(slipway.controlAs(token, "GET", "/api/endpoints", null).status()).isEqualTo(200);
    assertThat(slipway.control("GET", "/api/keys").json().findValue("lastUsedAt")).isNotNull();
    var listed = slipway.control("GET", "/api/keys").json();
    for (var key : listed)
      if (key.path("id").asLong() == id) assertThat(key.path("lastUsedAt").isNull()).isFalse();

    // a key cannot outrank its creator
    Reply mine =
        slipway.controlAs(token, "POST", "/api/keys", "{\"name\":\"escalate\",\"role\":\"owner\"}");
    assertThat(mine.status()).isEqualTo(403);

    assertThat(slipway.control("DELETE", "/api/keys/" + id).status()).isEqualTo(204);
    assertThat(slipway.controlAs(token, "GET", "/api/endpoints", null).status()).isEqualTo(401);

    String expiring =
        slipway
            .control(
                "POST",
                "/api/keys",
                "{\"name\":\"short\",\"expiresAt\":\"" + Instant.now().plusSeconds(60) + "\"}",
                "application/json")
            .json()
            .path("token")
            .asText();
    assertThat(slipway.controlAs(expiring, "GET", "/api/endpoints", null).status()).isEqualTo(200);
    database.execute(
        "update slipway.api_keys set expires_at = now() - interval '1 second' where name = 'short'");
    assertThat(slipway.controlAs(expiring, "GET", "/api/endpoints", null).status()).isEqualTo(401);
  }

  @Test
  void changes_are_audited_and_the_audit_log_cannot_be_changed() {
    slipway.save(
        """
        name: audited
        method: GET
        path: /audited
        response: { body: { ok: true } }
        """);
    long release = slipway.deploy("{\"endpoints\":[\"audited\"]}").path("id").asLong();
    var records = slipway.control("GET", "/api/audit?limit=50").json();
    assertThat(records.findValuesAsText("action")).contains("endpoint.save", "release.deploy");
    var deploy = slipway.control("GET", "/api/audit?action=release.deploy").json().get(0);
    assertThat(deploy.path("target").asText()).isEqualTo("release:" + release);
    assertThat(deploy.path("actor").asText()).startsWith("key:");
    assertThat(deploy.path("requestId").asText()).isNotBlank();
    assertThat(deploy.path("sourceIp").asText()).isNotBlank();
    assertThat(deploy.path("outcome").asText()).isEqualTo("success");

    // a change that fails is recorded too
    assertThat(slipway.control("POST", "/api/releases/999999/rollback").status()).isEqualTo(404);
    var failed = slipway.control("GET", "/api/audit?outcome=failure").json();
    assertThat(failed.findValuesAsText("action")).contains("api.post /api/releases/{id}/rollback");

    assertThat(slipway.control("DELETE", "/api/audit").status()).isIn(404, 405);
    assertThatThrownBy(() -> database.execute("delete from slipway.audit_log"))
        .hasStackTraceContaining("append-only");
    assertThatThrownBy(() -> database.execute("update slipway.audit_log set actor = 'x'"))
        .hasStackTraceContaining("append-only");
  }
}
