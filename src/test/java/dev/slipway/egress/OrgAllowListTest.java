package dev.slipway.egress;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.common.Json;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestOrg;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A script's {@code ctx.fetch} is judged by its own org's allow-list ({@code PUT /api/org/egress}),
 * through a real Slipway: one org opts a loopback server in with a CIDR entry, the default org has
 * no list, and a third lists a host name only.
 */
@ServerTest
class OrgAllowListTest {
  private static TestDatabase database;
  private static TestSlipway slipway;
  private static HttpServer loopback;
  private static final AtomicInteger hits = new AtomicInteger();
  private static TestOrg opened;
  private static TestOrg named;

  @BeforeAll
  static void start() throws Exception {
    loopback = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    loopback.createContext(
        "/hello",
        exchange -> {
          hits.incrementAndGet();
          byte[] body = "{\"hello\":\"loopback\"}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    loopback.start();
    opened = TestOrg.create(slipway, database, "opened");
    Reply cidr = opened.call("PUT", "/api/org/egress", "{\"allow\":[\"127.0.0.1/32\"]}");
    assertThat(cidr.status()).as(cidr.toString()).isEqualTo(200);
    named = TestOrg.create(slipway, database, "named");
    Reply host = named.call("PUT", "/api/org/egress", "{\"allow\":[\"api.example.com\"]}");
    assertThat(host.status()).as(host.toString()).isEqualTo(200);
    slipway.awaitSandboxWorkers();
  }

  @AfterAll
  static void stop() {
    loopback.stop(0);
  }

  private static String local() {
    return "http://127.0.0.1:" + loopback.getAddress().getPort() + "/hello";
  }

  /**
   * What a script on {@code /api/execute}, run by the bearer's org, gets from fetching {@code url}:
   * "status body" or the error.
   */
  private static String fetched(String bearer, String url) throws JsonProcessingException {
    String code =
        "try { const r = await ctx.fetch("
            + Json.MAPPER.writeValueAsString(url)
            + ");"
            + " return r.status + ' ' + (await r.text()); } catch (e) { return e.message; }";
    Reply reply =
        slipway.controlAs(
            bearer,
            "POST",
            "/api/execute",
            Json.MAPPER.writeValueAsString(Map.of("code", code, "language", "javascript")));
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    return reply.json().path("result").asText();
  }

  @Test
  void an_org_whose_allow_list_has_a_cidr_for_loopback_reaches_a_loopback_server()
      throws Exception {
    int before = hits.get();
    assertThat(fetched(opened.ownerToken(), local())).isEqualTo("200 {\"hello\":\"loopback\"}");
    assertThat(hits.get()).isEqualTo(before + 1);
  }

  @Test
  void an_org_without_that_cidr_is_refused_the_same_server() throws Exception {
    int before = hits.get();
    String refused = fetched(TestSlipway.TOKEN, local());
    assertThat(refused).contains("egress_denied").contains("127.0.0.1");
    assertThat(hits.get()).as("requests that reached the loopback server").isEqualTo(before);
  }

  @Test
  void an_allow_list_of_one_host_name_refuses_every_other_host() throws Exception {
    int before = hits.get();
    // a public host, which the default policy would let through
    assertThat(fetched(named.ownerToken(), "https://example.com/"))
        .contains("egress_denied")
        .contains("example.com is not on the org's egress allow-list");
    assertThat(fetched(named.ownerToken(), local()))
        .contains("egress_denied")
        .contains("127.0.0.1 is not on the org's egress allow-list");
    assertThat(hits.get()).as("requests that reached the loopback server").isEqualTo(before);
  }
}
