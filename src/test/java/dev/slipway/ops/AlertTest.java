package dev.slipway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.common.Json;
import dev.slipway.deploy.Alerts;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Alert rules fire and resolve on error rate and quota use, and each message reaches the webhook
 * through the org's egress policy, signed with the org's secret; a test message is sent on demand.
 */
class AlertTest {
  private static final String OPERATOR = "operator-token-0123456789";
  private static final String KEY = "whsec-0123456789abcdef";
  private final TestDatabase database = new TestDatabase();
  private HttpServer webhook;
  private final List<Map.Entry<String, String>> received = new CopyOnWriteArrayList<>();
  private TestSlipway slipway;

  @BeforeEach
  void start() throws Exception {
    webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    webhook.createContext(
        "/hook",
        exchange -> {
          received.add(
              Map.entry(
                  String.valueOf(exchange.getRequestHeaders().getFirst("X-Slipway-Signature")),
                  new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    webhook.start();
    slipway =
        TestSlipway.start(
            database.url(),
            null,
            Map.of(
                "SLIPWAY_ALERT_INTERVAL_MS", "200",
                "SLIPWAY_COST_CONTROL_INTERVAL_MS", "100",
                "SLIPWAY_OPERATOR_TOKEN", OPERATOR));
    slipway.save(
        """
        name: boom
        method: GET
        path: /boom
        steps:
          - id: fail
            script: throw new Error("down")
        """);
    slipway.deploy("{}");
    slipway.control(
        "PUT", "/api/secrets/ALERT_KEY", "{\"value\":\"" + KEY + "\"}", "application/json");
  }

  @AfterEach
  void stop() {
    slipway.close();
    webhook.stop(0);
    database.close();
  }

  private String hookUrl() {
    return "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook";
  }

  private TestSlipway.Reply add(String json) {
    return slipway.control("POST", "/api/alerts", json, "application/json");
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what + " within 20 s").isLessThan(until);
      Thread.sleep(100);
    }
  }

  /** The message, after checking its signature against the org's secret. */
  private static JsonNode verified(Map.Entry<String, String> message) {
    String signature = message.getKey();
    String t = signature.substring(2, signature.indexOf(','));
    assertThat(signature).endsWith(",v1=" + Alerts.sign(KEY, t + "." + message.getValue()));
    return Json.parse(message.getValue());
  }

  @Test
  void a_rule_that_cannot_work_is_a_422_naming_each_part() {
    var refused =
        add(
            """
            {"name": "", "kind": "latency", "threshold": -1, "window": "5s",
             "webhookUrl": "%s", "signingSecret": "NOPE"}"""
                .formatted(hookUrl()));
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.errorPaths())
        .containsExactlyInAnyOrder(
            "/name", "/kind", "/threshold", "/window", "/webhookUrl", "/signingSecret");
  }

  @Test
  void an_error_rate_rule_fires_signed_through_the_egress_policy_and_a_quota_rule_resolves()
      throws Exception {
    slipway.control(
        "PUT", "/api/org/egress", "{\"allow\": [\"127.0.0.1/32\"]}", "application/json");
    var rule =
        add(
            """
            {"name": "boom errors", "endpoint": "boom", "kind": "error_rate", "threshold": 0.5,
             "window": "5m", "webhookUrl": "%s", "signingSecret": "ALERT_KEY"}"""
                .formatted(hookUrl()));
    assertThat(rule.status()).as(rule.toString()).isEqualTo(201);
    long id = rule.json().path("id").asLong();
    assertThat(add(rule.body().replace("\"id\"", "\"x\"")).status()).isIn(409, 422);

    var test = slipway.control("POST", "/api/alerts/" + id + "/test", "", "application/json");
    assertThat(test.json().path("delivery").asText()).isEqualTo("HTTP 204");
    assertThat(verified(received.getFirst()).path("state").asText()).isEqualTo("test");

    for (int i = 0; i < 3; i++) assertThat(slipway.data("GET", "/boom").status()).isEqualTo(500);
    await("the alert", () -> received.size() == 2);
    JsonNode fired = verified(received.get(1));
    assertThat(fired.path("state").asText()).isEqualTo("firing");
    assertThat(fired.path("alert").asText()).isEqualTo("boom errors");
    assertThat(fired.path("value").asDouble()).isEqualTo(1.0);
    await(
        "the rule's state",
        () -> slipway.control("GET", "/api/alerts").json().get(0).path("firing").asBoolean());
    assertThat(slipway.control("GET", "/api/alerts").json().get(0).path("lastDelivery").asText())
        .isEqualTo("HTTP 204");

    // a quota rule: fires at 80% of the calls of the day, resolves when the quota is raised
    TestSlipway.send(
        "PUT",
        "http://127.0.0.1:" + slipway.controlPort() + "/api/operator/orgs/1/quotas",
        "{\"callsPerDay\": 4}",
        "application/json",
        Map.of("Authorization", "Bearer " + OPERATOR));
    var quota =
        add(
            """
            {"name": "quota", "kind": "quota", "threshold": 0.8,
             "webhookUrl": "%s", "signingSecret": "ALERT_KEY"}"""
                .formatted(hookUrl()));
    assertThat(quota.status()).isEqualTo(201);
    Thread.sleep(1_000);
    assertThat(received).as("3 of 4 calls: 75%").hasSize(2);
    slipway.data("GET", "/boom");
    await("the quota alert", () -> received.size() == 3);
    JsonNode near = verified(received.get(2));
    assertThat(near.path("alert").asText()).isEqualTo("quota");
    assertThat(near.path("state").asText()).isEqualTo("firing");
    TestSlipway.send(
        "PUT",
        "http://127.0.0.1:" + slipway.controlPort() + "/api/operator/orgs/1/quotas",
        "{\"callsPerDay\": 1000}",
        "application/json",
        Map.of("Authorization", "Bearer " + OPERATOR));
    await("resolved", () -> received.size() == 4);
    assertThat(verified(received.get(3)).path("state").asText()).isEqualTo("resolved");

    // a webhook the egress policy no longer allows is not called
    slipway.control("PUT", "/api/org/egress", "{\"allow\": [\"example.com\"]}", "application/json");
    var refused = slipway.control("POST", "/api/alerts/" + id + "/test", "", "application/json");
    assertThat(refused.json().path("delivery").asText()).startsWith("refused: egress_denied");
    assertThat(received).hasSize(4);
    assertThat(slipway.control("DELETE", "/api/alerts/" + id).status()).isEqualTo(204);
    assertThat(slipway.control("DELETE", "/api/alerts/" + id).status()).isEqualTo(404);
  }
}
