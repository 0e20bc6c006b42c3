package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every request Slipway sends on a user's behalf goes through the org's egress policy: scripts'
 * {@code ctx.fetch}, whatever its host spelling. A real Slipway, and a real HTTP server on a
 * loopback port that records every request it gets: loopback is refused by default, so the server
 * must see nothing unless a test opts its address in with a CIDR entry.
 */
class OutboundRequestsTest {
  private static TestDatabase database;
  private static TestSlipway slipway;
  private static HttpServer loopback;
  private static final List<String> seen = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    database = new TestDatabase();
    slipway = TestSlipway.start(database);
    loopback = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    loopback.createContext("/", exchange -> {
      seen.add(exchange.getRequestURI().toString());
      send(exchange, 200, "text/plain", "reached " + exchange.getRequestHeaders().getFirst("Host"));
    });
    loopback.start();
    awaitWarmWorkers();
  }

  /** Waits until both sandbox workers are ready, so that saving a script does not wait on their start (slow on a busy machine). */
  private static void awaitWarmWorkers() throws InterruptedException {
    for (int wait = 0; wait < 1200; wait++) {
      if (slipway.control("GET", "/api/health").json().path("sandbox").path("idle").asInt() >= 2) return;
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stop() {
    if (loopback != null) loopback.stop(0);
    if (slipway != null) slipway.close();
    if (database != null) database.close();
  }

  @BeforeEach
  void defaultPolicy() {
    allow();
    seen.clear();
  }

  private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
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
    for (int i = 0; i < entries.length; i++) json.append(i == 0 ? "" : ",").append('"').append(entries[i]).append('"');
    Reply reply = slipway.control("PUT", "/api/org/egress", json.append("]}").toString(), "application/json");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
  }

  private static int port() {
    return loopback.getAddress().getPort();
  }

  @Test
  void a_script_cannot_reach_loopback_through_an_octal_spelling_of_its_address() {
    slipway.save("""
        name: octal-fetch
        method: GET
        path: /octal-fetch
        steps:
          - id: fetch
            language: javascript
            script: |
              try { const r = await ctx.fetch('http://0177.0.0.1:%d/octal'); return { body: await r.text(), url: r.url }; }
              catch (e) { return { error: e.message }; }
        """.formatted(port()));
    slipway.deploy("{\"endpoints\":[\"octal-fetch\"]}");

    Reply refused = slipway.data("GET", "/octal-fetch");
    assertThat(refused.status()).as(refused.toString()).isEqualTo(200);
    assertThat(refused.json().path("error").asText()).contains("egress_denied: ").contains("127.0.0.1 is a loopback address");
    assertThat(seen).isEmpty();

    // opted in, the same URL reaches the very address that was judged (a browser's reading of it)
    allow("127.0.0.1/32");
    Reply reached = slipway.data("GET", "/octal-fetch");
    assertThat(reached.json().path("body").asText()).as(reached.toString()).isEqualTo("reached 127.0.0.1:" + port());
    assertThat(reached.json().path("url").asText()).isEqualTo("http://127.0.0.1:" + port() + "/octal");
    assertThat(seen).containsExactly("/octal");
  }
}
