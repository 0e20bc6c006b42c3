package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestOrg;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Endpoint auth on the data plane: consumer keys, JWTs (HS256, RS256, ES256, JWKS), roles, RLS,
 * CORS.
 */
@ServerTest
class EndpointAuthTest {
  private static final String HS_SECRET = "an-hs256-secret-that-is-long-enough-0123456789";
  private static TestDatabase database;
  private static TestSlipway slipway;
  private static RSAKey rsa;
  private static ECKey ec;
  private static HttpServer jwks;

  @BeforeAll
  static void start() throws Exception {
    database.execute(
        """
        create table app.notes (owner text not null, body text not null);
        insert into app.notes values ('alice', 'alice 1'), ('alice', 'alice 2'), ('bob', 'bob 1');
        alter table app.notes enable row level security;
        create policy own_notes on app.notes
          using (owner = current_setting('request.jwt.claims', true)::json ->> 'sub');
        """);
    // what endpoints may touch is the user's to grant, to the org's login
    database.execute(
        "grant usage on schema app to "
            + slipway.orgLogin()
            + "; grant select on app.notes to "
            + slipway.orgLogin());
    rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    jwks.createContext(
        "/jwks.json",
        exchange -> {
          byte[] body = new JWKSet(rsa.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    jwks.start();
    slipway.control(
        "PUT", "/api/secrets/JWT_SECRET", "{\"value\":\"" + HS_SECRET + "\"}", "application/json");
    // the JWKS server is on loopback, which the org's egress policy refuses unless a CIDR entry
    // allows it
    slipway.control("PUT", "/api/org/egress", "{\"allow\":[\"127.0.0.1/32\"]}", "application/json");

    slipway.save(
        """
        name: keyed
        method: GET
        path: /keyed
        auth: { mode: apiKey, roles: [reader] }
        response: { body: { caller: "${auth.sub}", roles: "${auth.roles}" } }
        """);
    slipway.save(
        """
        name: notes
        method: GET
        path: /notes
        auth:
          mode: jwt
          roles: [user]
          rolesClaim: app.roles
          jwt: { secret: "${secrets.JWT_SECRET}", issuer: https://issuer.test, audience: notes-api }
        steps:
          - id: mine
            sql: select body from app.notes order by body
        response: { body: { sub: "${auth.sub}", notes: "${steps.mine.rows.map(r, r.body)}" } }
        """);
    slipway.save(
        """
        name: static-keys
        method: GET
        path: /static-keys
        auth:
          mode: jwt
          jwt: { keys: [%s, %s] }
        response: { body: { sub: "${auth.sub}" } }
        """
            .formatted(rsa.toPublicJWK().toJSONString(), ec.toPublicJWK().toJSONString()));
    slipway.save(
        """
        name: remote-keys
        method: GET
        path: /remote-keys
        auth: { mode: jwt, jwt: { jwksUrl: "http://127.0.0.1:%d/jwks.json" } }
        response: { body: { sub: "${auth.sub}" } }
        """
            .formatted(jwks.getAddress().getPort()));
    slipway.save(
        """
        name: browser
        method: PUT
        path: /browser
        cors: { origins: ["https://app.example"], credentials: true, headers: [X-Trace], maxAgeSeconds: 60 }
        response: { body: { ok: true } }
        """);
    slipway.save(
        """
        name: browser-get
        method: GET
        path: /browser
        cors: { origins: ["https://app.example"] }
        response: { body: { ok: true } }
        """);
    slipway.deploy("{}");
  }

  @AfterAll
  static void stop() {
    jwks.stop(0);
  }

  private static Reply call(String path, Map<String, String> headers) {
    return slipway.send(
        "GET", "http://127.0.0.1:" + slipway.dataPort() + path, (byte[]) null, null, headers);
  }

  private static String consumerKey(String name, String rolesJson) {
    Reply created =
        slipway.control(
            "POST",
            "/api/consumer-keys",
            "{\"name\":\"" + name + "\",\"roles\":" + rolesJson + "}",
            "application/json");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json().path("token").asText();
  }

  private static String sign(
      JWSSigner signer,
      JWSAlgorithm algorithm,
      String keyId,
      UnaryOperator<JWTClaimsSet.Builder> claims)
      throws Exception {
    var builder =
        new JWTClaimsSet.Builder()
            .subject("alice")
            .issuer("https://issuer.test")
            .audience("notes-api")
            .expirationTime(Date.from(Instant.now().plusSeconds(300)))
            .claim("app", Map.of("roles", List.of("user")));
    var jwt =
        new SignedJWT(
            new JWSHeader.Builder(algorithm).keyID(keyId).type(JOSEObjectType.JWT).build(),
            claims.apply(builder).build());
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static String hs(UnaryOperator<JWTClaimsSet.Builder> claims) throws Exception {
    return sign(
        new MACSigner(HS_SECRET.getBytes(StandardCharsets.UTF_8)),
        JWSAlgorithm.HS256,
        null,
        claims);
  }

  @Test
  void an_api_key_endpoint_takes_the_orgs_consumer_keys_and_checks_their_roles() {
    Reply none = call("/keyed", Map.of());
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(call("/keyed", Map.of("X-API-Key", "slc_not-a-key")).header("WWW-Authenticate"))
        .contains("invalid_token");

    String reader = consumerKey("reader", "[\"reader\"]");
    Reply ok = call("/keyed", Map.of("X-API-Key", reader));
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(ok.json().path("caller").asText()).startsWith("key:");
    assertThat(call("/keyed", Map.of("Authorization", "Bearer " + reader)).status()).isEqualTo(200);

    String writer = consumerKey("writer", "[\"writer\"]");
    Reply wrongRole = call("/keyed", Map.of("X-API-Key", writer));
    assertThat(wrongRole.status()).isEqualTo(403);
    assertThat(wrongRole.header("WWW-Authenticate")).contains("insufficient_scope");

    // a platform key is not a consumer key
    assertThat(call("/keyed", Map.of("X-API-Key", TestSlipway.TOKEN)).status()).isEqualTo(401);

    long id =
        slipway.control("GET", "/api/consumer-keys").json().findParents("name").stream()
            .filter(k -> k.path("name").asText().equals("reader"))
            .findFirst()
            .orElseThrow()
            .path("id")
            .asLong();
    assertThat(slipway.control("DELETE", "/api/consumer-keys/" + id).status()).isEqualTo(204);
    assertThat(call("/keyed", Map.of("X-API-Key", reader)).status()).isEqualTo(401);
    assertThat(slipway.control("GET", "/api/consumer-keys").body()).doesNotContain(reader);
  }

  @Test
  void a_mistake_in_a_well_formed_platform_request_is_422_and_json_that_does_not_parse_400() {
    Reply created =
        slipway.control(
            "POST",
            "/api/consumer-keys",
            "{\"name\":\"with-id\",\"roles\":[\"reader\"]}",
            "application/json");
    assertThat(created.status()).isEqualTo(201);
    long listed =
        slipway.control("GET", "/api/consumer-keys").json().findParents("name").stream()
            .filter(k -> k.path("name").asText().equals("with-id"))
            .findFirst()
            .orElseThrow()
            .path("id")
            .asLong();
    assertThat(created.json().path("id").asLong()).isEqualTo(listed);

    record Case(String method, String path, String body, String pointer) {}
    for (Case mistake :
        List.of(
            new Case("POST", "/api/consumer-keys", "{\"roles\":[\"reader\"]}", "/name"),
            new Case(
                "POST",
                "/api/consumer-keys",
                "{\"name\":\"k\",\"claims\":{\"sub\":\"me\"}}",
                "/claims/sub"),
            new Case(
                "POST",
                "/api/consumer-keys",
                "{\"name\":\"k\",\"expiresAt\":\"yesterday\"}",
                "/expiresAt"),
            new Case("POST", "/api/consumer-keys", "[1]", ""),
            new Case("PUT", "/api/secrets/1-not-a-name", "{\"value\":\"v\"}", "/name"),
            new Case("PUT", "/api/secrets/FINE", "{}", "/value"),
            new Case("POST", "/api/keys", "{\"name\":\"k\",\"role\":\"emperor\"}", "/role"),
            new Case("POST", "/api/deploy", "{\"endpoints\":[1]}", "/endpoints/0"),
            new Case("POST", "/api/execute", "{\"code\":\"return 1\",\"context\":[]}", "/context"),
            new Case(
                "POST",
                "/api/members",
                "{\"email\":\"not-an-email\",\"role\":\"member\",\"password\":\"a long passphrase\"}",
                "/email"))) {
      Reply reply =
          slipway.control(mistake.method(), mistake.path(), mistake.body(), "application/json");
      assertThat(reply.status()).as(mistake + ": " + reply).isEqualTo(422);
      assertThat(reply.contentType()).startsWith("application/problem+json");
      assertThat(reply.errorPaths()).as(mistake.toString()).contains(mistake.pointer());
    }
    Reply badLimit = slipway.control("GET", "/api/releases?limit=many");
    assertThat(badLimit.status()).as(badLimit.toString()).isEqualTo(422);
    assertThat(badLimit.errorPaths()).containsExactly("/query/limit");
    for (String path : List.of("/api/consumer-keys", "/api/keys", "/api/deploy")) {
      Reply malformed = slipway.control("POST", path, "{\"name\": ", "application/json");
      assertThat(malformed.status()).as(path).isEqualTo(400);
      assertThat(malformed.json().path("code").asText()).isEqualTo("malformed_json");
    }
  }

  @Test
  void a_consumer_key_opens_only_its_own_orgs_endpoints() {
    TestOrg other = TestOrg.create(slipway, database, "other");
    other.save(
        """
        name: other-keyed
        method: GET
        path: /other-keyed
        auth: { mode: apiKey }
        response: { body: { caller: "${auth.sub}" } }
        """);
    other.deploy("{}");
    String ours = consumerKey("ours", "[\"reader\"]");
    String theirs = other.consumerKey("theirs");

    assertThat(call("/keyed", Map.of("X-API-Key", ours)).status()).isEqualTo(200);
    Reply theirsOnTheirs = call("/other-keyed", Map.of("X-API-Key", theirs));
    assertThat(theirsOnTheirs.status()).as(theirsOnTheirs.body()).isEqualTo(200);

    for (var presented :
        List.of(Map.of("X-API-Key", ours), Map.of("Authorization", "Bearer " + ours))) {
      Reply crossed = call("/other-keyed", presented);
      assertThat(crossed.status())
          .as("our key on the other org's endpoint: " + crossed.body())
          .isEqualTo(401);
      assertThat(crossed.header("WWW-Authenticate")).contains("invalid_token");
    }
    assertThat(call("/keyed", Map.of("X-API-Key", theirs)).status())
        .as("their key on ours")
        .isEqualTo(401);
  }

  @Test
  void a_jwt_endpoint_verifies_signature_expiry_issuer_audience_and_roles() throws Exception {
    Reply ok = call("/notes", Map.of("Authorization", "Bearer " + hs(b -> b)));
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(ok.json().path("sub").asText()).isEqualTo("alice");

    String good = hs(b -> b);
    String[] parts = good.split("\\.");
    String tampered =
        parts[0]
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                        .replace("alice", "bob__")
                        .getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[2];
    String unsigned =
        Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[1]
            + ".";
    var refused =
        Map.of(
            "expired", hs(b -> b.expirationTime(Date.from(Instant.now().minusSeconds(120)))),
            "wrong issuer", hs(b -> b.issuer("https://evil.test")),
            "wrong audience", hs(b -> b.audience("other-api")),
            "other key",
                sign(
                    new MACSigner(
                        "another-secret-that-is-long-enough-0123456789"
                            .getBytes(StandardCharsets.UTF_8)),
                    JWSAlgorithm.HS256,
                    null,
                    b -> b),
            "tampered", tampered,
            "alg none", unsigned,
            "not a jwt", "hello");
    refused.forEach(
        (why, token) -> {
          Reply reply = call("/notes", Map.of("Authorization", "Bearer " + token));
          assertThat(reply.status()).as(why + ": " + reply.body()).isEqualTo(401);
          assertThat(reply.header("WWW-Authenticate")).as(why).contains("invalid_token");
        });
    Reply noRole =
        call(
            "/notes",
            Map.of(
                "Authorization",
                "Bearer " + hs(b -> b.claim("app", Map.of("roles", List.of("guest"))))));
    assertThat(noRole.status()).isEqualTo(403);
    // within the clock skew (30 s) an expired token still passes
    assertThat(
            call(
                    "/notes",
                    Map.of(
                        "Authorization",
                        "Bearer "
                            + hs(b -> b.expirationTime(Date.from(Instant.now().minusSeconds(5))))))
                .status())
        .isEqualTo(200);
  }

  @Test
  void row_level_security_shows_each_caller_their_own_rows_through_one_endpoint() throws Exception {
    Reply alice = call("/notes", Map.of("Authorization", "Bearer " + hs(b -> b.subject("alice"))));
    Reply bob = call("/notes", Map.of("Authorization", "Bearer " + hs(b -> b.subject("bob"))));
    assertThat(alice.json().path("notes").toString()).isEqualTo("[\"alice 1\",\"alice 2\"]");
    assertThat(bob.json().path("notes").toString()).isEqualTo("[\"bob 1\"]");
  }

  @Test
  void rs256_es256_static_keys_and_a_jwks_url_verify_tokens() throws Exception {
    String byRsa = sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, "rsa-1", b -> b);
    String byEc = sign(new ECDSASigner(ec), JWSAlgorithm.ES256, "ec-1", b -> b);
    assertThat(call("/static-keys", Map.of("Authorization", "Bearer " + byRsa)).status())
        .isEqualTo(200);
    assertThat(call("/static-keys", Map.of("Authorization", "Bearer " + byEc)).status())
        .isEqualTo(200);
    assertThat(
            call("/remote-keys", Map.of("Authorization", "Bearer " + byRsa))
                .json()
                .path("sub")
                .asText())
        .isEqualTo("alice");
    assertThat(call("/remote-keys", Map.of("Authorization", "Bearer " + byEc)).status())
        .isEqualTo(401);
    // an HS256 token made with the public key as its secret (algorithm confusion) is refused
    String confused =
        sign(
            new MACSigner(rsa.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8)),
            JWSAlgorithm.HS256,
            "rsa-1",
            b -> b);
    assertThat(call("/static-keys", Map.of("Authorization", "Bearer " + confused)).status())
        .isEqualTo(401);
  }

  @Test
  void cors_answers_preflights_for_listed_origins_only_and_every_answer_has_security_headers() {
    String url = "http://127.0.0.1:" + slipway.dataPort() + "/browser";
    Reply preflight =
        slipway.send(
            "OPTIONS",
            url,
            (byte[]) null,
            null,
            Map.of(
                "Origin",
                "https://app.example",
                "Access-Control-Request-Method",
                "PUT",
                "Access-Control-Request-Headers",
                "content-type, x-trace, x-other"));
    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
    assertThat(preflight.header("Access-Control-Allow-Methods")).isEqualTo("GET, PUT");
    assertThat(preflight.header("Access-Control-Allow-Headers")).isEqualTo("content-type, x-trace");
    assertThat(preflight.header("Access-Control-Allow-Credentials")).isEqualTo("true");
    assertThat(preflight.header("Access-Control-Max-Age")).isEqualTo("60");

    Reply otherOrigin =
        slipway.send(
            "OPTIONS",
            url,
            (byte[]) null,
            null,
            Map.of("Origin", "https://evil.example", "Access-Control-Request-Method", "PUT"));
    assertThat(otherOrigin.status()).isEqualTo(403);
    assertThat(otherOrigin.header("Access-Control-Allow-Origin")).isNull();

    Reply get = call("/browser", Map.of("Origin", "https://app.example"));
    assertThat(get.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
    assertThat(get.header("Access-Control-Allow-Credentials")).isNull();
    assertThat(
            call("/browser", Map.of("Origin", "https://evil.example"))
                .header("Access-Control-Allow-Origin"))
        .isNull();
    assertThat(
            call("/keyed", Map.of("Origin", "https://app.example"))
                .header("Access-Control-Allow-Origin"))
        .isNull();

    for (Reply reply : List.of(get, call("/no-such-route", Map.of()), call("/keyed", Map.of()))) {
      assertThat(reply.header("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(reply.header("X-Frame-Options")).isEqualTo("DENY");
      assertThat(reply.header("Referrer-Policy")).isEqualTo("no-referrer");
    }
  }

  @Test
  void auth_settings_are_checked_when_the_spec_is_saved() {
    Reply missingSecret =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
        name: bad-jwt
        method: GET
        path: /bad-jwt
        auth: { mode: jwt, jwt: { secret: "${secrets.NOPE}" } }
        """,
            "application/yaml");
    assertThat(missingSecret.status()).isEqualTo(422);
    assertThat(missingSecret.errorPaths()).contains("/auth/jwt/secret");
    // an HS256 key under 256 bits would fail every call: it fails the save, and a deploy made after
    // it shrank
    slipway.control(
        "PUT",
        "/api/secrets/SHORT_JWT",
        "{\"value\":\"" + "k".repeat(31) + "\"}",
        "application/json");
    String shortSpec =
        """
        name: short-jwt
        method: GET
        path: /short-jwt
        auth: { mode: jwt, jwt: { secret: "${secrets.SHORT_JWT}" } }
        """;
    Reply shortSecret = slipway.control("POST", "/api/endpoints", shortSpec, "application/yaml");
    assertThat(shortSecret.status()).isEqualTo(422);
    assertThat(shortSecret.errorPaths()).containsExactly("/auth/jwt/secret");
    assertThat(shortSecret.body()).contains("31 bytes", "256 bits").doesNotContain("kkkk");
    slipway.control(
        "PUT",
        "/api/secrets/SHORT_JWT",
        "{\"value\":\"" + "k".repeat(32) + "\"}",
        "application/json");
    assertThat(slipway.control("POST", "/api/endpoints", shortSpec, "application/yaml").status())
        .isEqualTo(201);
    slipway.control(
        "PUT",
        "/api/secrets/SHORT_JWT",
        "{\"value\":\"" + "k".repeat(8) + "\"}",
        "application/json");
    Reply deploy =
        slipway.control(
            "POST", "/api/deploy", "{\"endpoints\": [\"short-jwt\"]}", "application/json");
    assertThat(deploy.status()).as(deploy.toString()).isEqualTo(422);
    assertThat(deploy.errorPaths()).containsExactly("/auth/jwt/secret");
    // headers that frame the message are the server's, and a header value is one line
    Reply framing =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
        name: bad-headers
        method: GET
        path: /bad-headers
        response:
          headers: { Transfer-Encoding: chunked, Content-Length: "3", X-Two-Lines: "a\\r\\nSet-Cookie: x=1" }
          body: { ok: true }
        """,
            "application/yaml");
    assertThat(framing.status()).isEqualTo(422);
    assertThat(framing.errorPaths())
        .containsExactlyInAnyOrder(
            "/response/headers/Transfer-Encoding",
            "/response/headers/Content-Length",
            "/response/headers/X-Two-Lines");
    Reply rolesOnPublic =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
        name: bad-public
        method: GET
        path: /bad-public
        auth: { mode: public, roles: [admin] }
        """,
            "application/yaml");
    assertThat(rolesOnPublic.errorPaths()).contains("/auth/roles");
    Reply twoSources =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
        name: bad-sources
        method: GET
        path: /bad-sources
        auth: { mode: jwt, jwt: { jwksUrl: "https://x.test/jwks", keys: [{kty: oct}] } }
        """,
            "application/yaml");
    assertThat(twoSources.errorPaths()).contains("/auth/jwt");
    // endpoint SQL, with a caller or without, is checked with the rights of the org's login
    database.execute(
        "create schema if not exists hidden; create table if not exists hidden.t (id int)");
    Reply noUsage =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
        name: hidden-read
        method: GET
        path: /hidden-read
        auth: apiKey
        steps:
          - id: t
            sql: select id from hidden.t
        """,
            "application/yaml");
    assertThat(noUsage.status()).isEqualTo(422);
    assertThat(noUsage.body())
        .contains("permission denied for schema hidden")
        .contains("database login " + slipway.orgLogin());
    assertThat(
            slipway
                .control(
                    "POST",
                    "/api/endpoints",
                    """
        name: hidden-public
        method: GET
        path: /hidden-public
        steps:
          - id: t
            sql: select id from hidden.t
        """,
                    "application/yaml")
                .status())
        .isEqualTo(422);
  }
}
