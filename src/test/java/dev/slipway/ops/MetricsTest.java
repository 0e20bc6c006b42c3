package dev.slipway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} shows each endpoint's requests with their latency histogram and errors, the
 * sandbox, the pools, the recorder and the JVM; it is this host's only, or needs its token.
 */
class MetricsTest {
  private static final String METRICS_TOKEN = "metrics-token-0123456789";
  private final TestDatabase database = new TestDatabase();
  private TestSlipway slipway;

  @AfterEach
  void stop() {
    if (slipway != null) slipway.close();
    database.close();
  }

  private void deployPing() {
    slipway.save(
        """
        name: ping
        method: GET
        path: /ping/:n
        input:
          params: { n: { type: integer } }
        response: { body: "pong" }
        """);
    slipway.deploy("{}");
  }

  private TestSlipway.Reply scrape(String host, Map<String, String> headers) {
    return TestSlipway.send(
        "GET",
        "http://" + host + ":" + slipway.controlPort() + "/metrics",
        (String) null,
        null,
        headers);
  }

  @Test
  void requests_their_latency_and_errors_and_the_parts_gauges_are_scraped() throws Exception {
    slipway = TestSlipway.start(database);
    deployPing();
    for (int i = 0; i < 3; i++)
      assertThat(slipway.data("GET", "/ping/" + i).status()).isEqualTo(200);
    assertThat(slipway.data("GET", "/ping/x").status()).isEqualTo(400);
    String text = "";
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!text.contains("slipway_request_errors_total")) {
      assertThat(System.nanoTime()).as("counted within 10 s").isLessThan(until);
      Thread.sleep(100);
      var reply = scrape("127.0.0.1", Map.of());
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.contentType()).startsWith("text/plain");
      text = reply.body();
    }
    assertThat(text)
        .contains(
            "slipway_requests_seconds_count{endpoint=\"ping\",org=\"1\",status=\"2xx\"} 3",
            "slipway_requests_seconds_count{endpoint=\"ping\",org=\"1\",status=\"4xx\"} 1",
            "slipway_requests_seconds_bucket{endpoint=\"ping\",org=\"1\",status=\"2xx\",le=\"0.005\"}",
            "slipway_request_errors_total{code=\"invalid_input\",endpoint=\"ping\",org=\"1\"} 1.0",
            "slipway_sandbox_workers ",
            "slipway_sandbox_runs ",
            "slipway_sandbox_memory_bytes ",
            "slipway_db_org_pools_active ",
            "slipway_db_platform_pool_connections ",
            "slipway_recorder_recorded ",
            "slipway_recorder_not_kept 0",
            "jvm_memory_used_bytes",
            "jvm_threads_live_threads");
  }

  @Test
  void with_a_token_set_the_metrics_need_it() throws Exception {
    slipway =
        TestSlipway.start(database.url(), null, Map.of("SLIPWAY_METRICS_TOKEN", METRICS_TOKEN));
    var none = scrape("127.0.0.1", Map.of());
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.json().path("code").asText()).isEqualTo("unauthorized");
    assertThat(scrape("127.0.0.1", Map.of("Authorization", "Bearer " + TestSlipway.TOKEN)).status())
        .as("the admin token is not the metrics token")
        .isEqualTo(401);
    assertThat(scrape("127.0.0.1", Map.of("Authorization", "Bearer " + METRICS_TOKEN)).status())
        .isEqualTo(200);
  }

  @Test
  void without_a_token_another_host_is_refused() throws Exception {
    Optional<InetAddress> other = nonLoopbackAddress();
    Assumptions.assumeTrue(other.isPresent(), "this machine has an address other than loopback");
    slipway = TestSlipway.start(database.url(), null, Map.of("SLIPWAY_HOST", "0.0.0.0"));
    var refused = scrape(other.get().getHostAddress(), Map.of());
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.json().path("code").asText()).isEqualTo("forbidden");
    assertThat(scrape("127.0.0.1", Map.of()).status()).isEqualTo(200);
  }

  private static Optional<InetAddress> nonLoopbackAddress() throws Exception {
    var interfaces = NetworkInterface.getNetworkInterfaces();
    while (interfaces.hasMoreElements()) {
      var network = interfaces.nextElement();
      if (!network.isUp() || network.isLoopback()) continue;
      for (var address : java.util.Collections.list(network.getInetAddresses()))
        if (address instanceof Inet4Address && !address.isLoopbackAddress())
          return Optional.of(address);
    }
    return Optional.empty();
  }
}
