package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every request Slipway sends on a user's behalf goes through the org's egress policy: scripts'
 * {@code ctx.fetch}, whatever its host spelling, and jwt endpoints' JWKS URLs. A real Slipway, and
 * real HTTP servers on loopback ports (127.0.0.1, and 127.0.0.2 as a second, refused address) that
 * record every request they get: loopback is refused by default, so a server must see nothing
 * unless a test opts its address in with a CIDR entry. No test here needs endpoint SQL.
 */
@ServerTest
class OutboundRequestsTest {
  private static TestDatabase database;
  private static TestSlipway slipway;
  private static HttpServer loopback;
  private static HttpServer second;
  private static RSAKey key;
  private static final List<String> seen = new CopyOnWriteArrayList<>();
  private static final List<String> seenBySecond = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    key = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    String jwks = new JWKSet(key.toPublicJWK()).toString();
    second = HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 0);
    second.createContext(
        "/",
        exchange -> {
          seenBySecond.add(exchange.getRequestURI().toString());
          send(exchange, 200, "application/json", jwks);
        });
    second.start();
    loopback = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    loopback.createContext(
        "/",
        exchange -> {
          seen.add(exchange.getRequestURI().toString());
          switch (exchange.getRequestURI().getPath()) {
            case "/jwks.json" -> send(exchange, 200, "application/json", jwks);
            case "/garbage" ->
                send(
                    exchange,
                    200,
                    "text/html",
                    "<html><body>Welcome to the admin console</body></html>");
            case "/to-second" -> {
              exchange
                  .getResponseHeaders()
                  .set(
                      "Location",
                      "http://127.0.0.2:" + second.getAddress().getPort() + "/jwks.json");
              send(exchange, 302, "text/plain", "");
            }
            default ->
                send(
                    exchange,
                    200,
                    "text/plain",
                    "reached " + exchange.getRequestHeaders().getFirst("Host"));
          }
        });
    loopback.start();
    awaitWarmWorkers();
  }

  /**
   * Waits until both sandbox workers are ready, so that saving a script does not wait on their
   * start (slow on a busy machine).
   */
  private static void awaitWarmWorkers() throws InterruptedException {
    for (int wait = 0; wait < 1200; wait++) {
      if (slipway.control("GET", "/api/health").json().path("sandbox").path("idle").asInt() >= 2)
        return;
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stop() {
    if (loopback != null) loopback.stop(0);
    if (second != null) second.stop(0);
    if (slipway != null) slipway.close();
    if (database != null) database.close();
  }

  @BeforeEach
  void defaultPolicy() {
    allow();
    seen.clear();
    seenBySecond.clear();
  }

  private static void send(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Replaces the org's egress allow-list (as its owner). */
  private static void allow(String... entries) {
    var json = new StringBuilder("{\"allow\":[");
    for (int i = 0; i < entries.length; i++)
      json.append(i == 0 ? "" : ",").append('"').append(entries[i]).append('"');
    Reply reply =
        slipway.control("PUT", "/api/org/egress", json.append("]}").toString(), "application/json");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
  }

  private static int port() {
    return loopback.getAddress().getPort();
  }

  @Test
  void a_script_cannot_reach_loopback_through_an_octal_spelling_of_its_address() {
    slipway.save(
        """
        name: octal-fetch
        method: GET
        path: /octal-fetch
        steps:
          - id: fetch
            language: javascript
            script: |
              try { const r = await ctx.fetch('http://0177.0.0.1:%d/octal'); return { body: await r.text(), url: r.url }; }
              catch (e) { return { error: e.message }; }
        """
            .formatted(port()));
    slipway.deploy("{\"endpoints\":[\"octal-fetch\"]}");

    Reply refused = slipway.data("GET", "/octal-fetch");
    assertThat(refused.status()).as(refused.toString()).isEqualTo(200);
    assertThat(refused.json().path("error").asText())
        .contains("egress_denied: ")
        .contains("127.0.0.1 is a loopback address");
    assertThat(seen).isEmpty();

    // opted in, the same URL reaches the very address that was judged (a browser's reading of it)
    allow("127.0.0.1/32");
    Reply reached = slipway.data("GET", "/octal-fetch");
    assertThat(reached.json().path("body").asText())
        .as(reached.toString())
        .isEqualTo("reached 127.0.0.1:" + port());
    assertThat(reached.json().path("url").asText())
        .isEqualTo("http://127.0.0.1:" + port() + "/octal");
    assertThat(seen).containsExactly("/octal");
  }

  // --- JWKS URLs ---------------------------------------------------------------------------------

  /**
   * Saves a jwt endpoint named {@code name}, at {@code /name}, whose keys come from {@code
   * jwksUrl}.
   */
  private static Reply saveJwt(String name, String jwksUrl) {
    return slipway.control(
        "POST",
        "/api/endpoints",
        """
        name: %s
        method: GET
        path: /%s
        auth: { mode: jwt, jwt: { jwksUrl: "%s" } }
        response: { body: { sub: "${auth.sub}" } }
        """
            .formatted(name, name, jwksUrl),
        "application/yaml");
  }

  private static String token() throws Exception {
    var claims =
        new JWTClaimsSet.Builder()
            .subject("alice")
            .expirationTime(Date.from(Instant.now().plusSeconds(300)))
            .build();
    var jwt =
        new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  /** A data-plane call to {@code /name} with a token. */
  private static Reply call(String name, String token) {
    return slipway.send(
        "GET",
        "http://127.0.0.1:" + slipway.dataPort() + "/" + name,
        (byte[]) null,
        null,
        Map.of("Authorization", "Bearer " + token));
  }

  /** A member's preview of the draft, the token in {@code X-Slipway-Authorization}. */
  private static Reply preview(String name, String token) {
    return slipway.controlWith(
        Map.of(
            "Authorization",
            "Bearer " + TestSlipway.TOKEN,
            "X-Slipway-Authorization",
            "Bearer " + token),
        "GET",
        "/api/endpoints/" + name + "/preview/" + name,
        null);
  }

  /**
   * A 401 for a token that could not be verified, as the caller sees it: everything but the request
   * id and the path.
   */
  private static String unverified(Reply reply) {
    assertThat(reply.status()).as(reply.toString()).isEqualTo(401);
    assertThat(reply.contentType()).startsWith("application/problem+json");
    ObjectNode body = (ObjectNode) reply.json();
    assertThat(body.path("code").asText()).isEqualTo("unauthorized");
    assertThat(body.path("detail").asText()).isEqualTo("The token could not be verified.");
    body.remove(List.of("instance", "requestId"));
    return body + " " + reply.header("WWW-Authenticate");
  }

  /**
   * The internal reason a data-plane call failed, from the org's call log (written just after the
   * answer is sent).
   */
  private static String loggedError(Reply call) throws InterruptedException {
    String requestId = call.json().path("requestId").asText();
    for (int wait = 0; wait < 100; wait++) {
      for (var record : slipway.control("GET", "/api/logs?limit=20").json()) {
        if (record.path("requestId").asText().equals(requestId))
          return record.path("error").asText();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("call " + requestId + " is not in the call log");
  }

  @Test
  void a_jwks_url_is_fetched_only_when_the_orgs_egress_policy_allows_its_address()
      throws Exception {
    String url = "http://127.0.0.1:" + port() + "/jwks.json";
    allow("127.0.0.1/32");
    assertThat(saveJwt("keys-on-loopback", url).status()).isEqualTo(201);
    slipway.deploy("{\"endpoints\":[\"keys-on-loopback\"]}");
    allow();
    String token = token();

    String byPreview = unverified(preview("keys-on-loopback", token));
    Reply dataPlane = call("keys-on-loopback", token);
    assertThat(unverified(dataPlane)).isEqualTo(byPreview);
    assertThat(seen).as("requests that reached the JWKS server").isEmpty();
    // the reason is in the org's call log, not in the answer
    assertThat(loggedError(dataPlane))
        .contains("egress_denied")
        .contains("127.0.0.1 is a loopback address");

    allow("127.0.0.1/32");
    Reply previewed = preview("keys-on-loopback", token);
    assertThat(previewed.status()).as(previewed.toString()).isEqualTo(200);
    assertThat(previewed.json().path("sub").asText()).isEqualTo("alice");
    Reply called = call("keys-on-loopback", token);
    assertThat(called.status()).as(called.toString()).isEqualTo(200);
    assertThat(called.json().path("sub").asText()).isEqualTo("alice");
    assertThat(seen).isNotEmpty().allMatch("/jwks.json"::equals);
  }

  @Test
  void a_jwks_url_by_name_is_resolved_and_refused_when_it_resolves_to_loopback() throws Exception {
    assertThat(saveJwt("keys-on-localhost", "http://localhost:" + port() + "/jwks.json").status())
        .isEqualTo(201);
    unverified(preview("keys-on-localhost", token()));
    assertThat(seen).isEmpty();
  }

  @Test
  void a_jwks_url_refused_by_its_literal_host_is_a_violation_when_saved() {
    for (String url :
        List.of(
            "http://127.0.0.1:" + port() + "/jwks.json",
            "http://0177.0.0.1:" + port() + "/jwks.json",
            "http://0x7f.1:" + port() + "/jwks.json",
            "http://169.254.169.254/keys",
            "http://1.2.3.08/keys")) {
      Reply refused = saveJwt("keys-refused-when-saved", url);
      assertThat(refused.status()).as(url + ": " + refused).isEqualTo(422);
      assertThat(refused.errorPaths()).as(url).containsExactly("/auth/jwt/jwksUrl");
    }
    assertThat(seen).isEmpty();
  }

  @Test
  void a_closed_port_a_server_answering_garbage_and_a_refused_address_answer_alike()
      throws Exception {
    int closed;
    try (var socket =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      closed = socket.getLocalPort();
    }
    allow("127.0.0.1/32", "127.0.0.2/32");
    assertThat(saveJwt("keys-closed-port", "http://127.0.0.1:" + closed + "/jwks.json").status())
        .isEqualTo(201);
    assertThat(saveJwt("keys-garbage", "http://127.0.0.1:" + port() + "/garbage").status())
        .isEqualTo(201);
    assertThat(
            saveJwt(
                    "keys-refused",
                    "http://127.0.0.2:" + second.getAddress().getPort() + "/jwks.json")
                .status())
        .isEqualTo(201);
    assertThat(saveJwt("keys-served", "http://127.0.0.1:" + port() + "/jwks.json").status())
        .isEqualTo(201);
    slipway.deploy(
        "{\"endpoints\":[\"keys-closed-port\",\"keys-garbage\",\"keys-refused\",\"keys-served\"]}");
    allow("127.0.0.1/32");
    String token = token();
    var foreign =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(),
            new JWTClaimsSet.Builder()
                .subject("mallory")
                .expirationTime(Date.from(Instant.now().plusSeconds(300)))
                .build());
    foreign.sign(new RSASSASigner(new RSAKeyGenerator(2048).keyID("rsa-1").generate()));

    String closedPort = unverified(call("keys-closed-port", token));
    assertThat(unverified(call("keys-garbage", token))).isEqualTo(closedPort);
    assertThat(unverified(call("keys-refused", token))).isEqualTo(closedPort);
    // a key set that is fine but does not verify the token looks the same
    assertThat(unverified(call("keys-served", foreign.serialize()))).isEqualTo(closedPort);
    assertThat(unverified(preview("keys-closed-port", token))).isEqualTo(closedPort);
    assertThat(unverified(preview("keys-garbage", token))).isEqualTo(closedPort);
    assertThat(seen).contains("/garbage");
    assertThat(seenBySecond).isEmpty();
  }

  @Test
  void a_redirect_from_an_allowed_jwks_host_to_a_refused_address_is_not_followed()
      throws Exception {
    allow("127.0.0.1/32");
    assertThat(saveJwt("keys-redirected", "http://127.0.0.1:" + port() + "/to-second").status())
        .isEqualTo(201);
    unverified(preview("keys-redirected", token()));
    assertThat(seen).contains("/to-second");
    assertThat(seenBySecond).as("requests that reached the refused address").isEmpty();
  }

  // --- JSON Schemas in specs
  // -----------------------------------------------------------------------

  private static Reply saveWithInput(String name, String input, String steps) {
    return slipway.control(
        "POST",
        "/api/endpoints",
        """
        name: %s
        method: POST
        path: /%s
        input: %s
        steps: %s
        response: { body: { ok: true } }
        """
            .formatted(name, name, input, steps),
        "application/yaml");
  }

  @Test
  void a_schema_that_refers_outside_itself_is_refused_when_saved_and_nothing_is_fetched() {
    String base = "http://127.0.0.1:" + port();
    // even where the org may fetch from that address, a schema loads nothing
    allow("127.0.0.1/32");
    // input, steps, and where the violation is
    var refused =
        List.of(
            List.of("{ body: { $ref: '" + base + "/schema.json' } }", "[]", "/input/body"),
            List.of(
                "{ body: { $schema: '" + base + "/meta', type: object } }", "[]", "/input/body"),
            List.of("{ query: { q: { $ref: 'file:///etc/passwd' } } }", "[]", "/input/query/q"),
            List.of("{ body: { $ref: 'classpath:logback.xml' } }", "[]", "/input/body"),
            List.of(
                "{}",
                "[{ id: v, validate: '${input.body}', schema: { $id: '"
                    + base
                    + "/dir/', $ref: other.json } }]",
                "/steps/0/schema"));
    for (List<String> spec : refused) {
      Reply reply = saveWithInput("refers-outside", spec.get(0), spec.get(1));
      assertThat(seen).as("requests that reached the server for " + spec).isEmpty();
      assertThat(reply.status()).as(spec + ": " + reply).isEqualTo(422);
      assertThat(reply.errorPaths()).as(spec.toString()).containsExactly(spec.get(2));
    }

    Reply selfContained =
        saveWithInput(
            "refers-inside",
            """
        { body: { $schema: 'https://json-schema.org/draft/2020-12/schema', $defs: { name: { type: string } },
                  type: object, properties: { name: { $ref: '#/$defs/name' } } } }""",
            "[]");
    assertThat(selfContained.status()).as(selfContained.toString()).isEqualTo(201);
  }
}
