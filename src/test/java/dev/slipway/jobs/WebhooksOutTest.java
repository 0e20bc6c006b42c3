package dev.slipway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.common.Json;
import dev.slipway.signature.Verification;
import dev.slipway.signature.WebhookVerifier;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Outgoing webhooks against a real server, PostgreSQL and a receiver on loopback: stored in the
 * request's transaction (a failed request sends nothing), posted after the commit signed as
 * Standard Webhooks sign (the receiver checks it), retried with back-off while the receiver fails,
 * every attempt listed, sent again by hand, held to the org's egress policy, and dead when its
 * retry window is spent.
 */
class WebhooksOutTest {
  private static final String SECRET = WebhookVerifier.StandardWebhooks.newSecret();

  private final TestDatabase database = new TestDatabase();
  private TestSlipway slipway;
  private HttpServer receiver;

  /** What the receiver got: each delivery's verification, headers and body. */
  private final List<Received> received = new CopyOnWriteArrayList<>();

  /** How many deliveries the receiver still answers with 500. */
  private final AtomicInteger failNext = new AtomicInteger();

  private record Received(Verification verification, Map<String, String> headers, JsonNode body) {}

  @BeforeEach
  void start() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/hook",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          var headers = new HashMap<String, String>();
          exchange
              .getRequestHeaders()
              .forEach((name, values) -> headers.put(name.toLowerCase(), values.getFirst()));
          var verified =
              new WebhookVerifier.StandardWebhooks().verify(headers, body, SECRET, Instant.now());
          received.add(new Received(verified, headers, Json.MAPPER.readTree(body)));
          int status = failNext.getAndDecrement() > 0 ? 500 : 204;
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    receiver.start();
    slipway = TestSlipway.start(database.url(), null, Map.of("SLIPWAY_JOBS_POLL_MS", "100"));
    database.execute("create table app.orders (id bigserial primary key, item text not null)");
    database.execute("grant select, insert on app.orders to " + slipway.orgLogin());
    database.execute("grant usage on all sequences in schema app to " + slipway.orgLogin());
    slipway.control(
        "PUT", "/api/secrets/HOOK_SECRET", "{\"value\":\"" + SECRET + "\"}", "application/json");
    slipway.control(
        "PUT", "/api/org/egress", "{\"allow\": [\"127.0.0.1/32\"]}", "application/json");
    slipway.save(
        """
        name: order
        method: POST
        path: /orders
        input:
          body: { type: object, required: [item] }
        steps:
          - id: saved
            sql: insert into app.orders (item) values (:item) returning id
            params: { item: "${input.body.item}" }
            expect: one
          - id: told
            webhook: "${input.body.to}"
            event: order.created
            payload: { order: "${steps.saved.row.id}", item: "${input.body.item}" }
            secret: "${secrets.HOOK_SECRET}"
            retryFor: 8s
          - id: allowed
            validate: "${input.body.item}"
            schema: { not: { const: refused } }
        response: { status: 201, body: { order: "${steps.saved.row.id}", delivery: "${steps.told.id}" } }
        """);
    slipway.deploy("{}");
  }

  @AfterEach
  void stop() {
    if (slipway != null) slipway.close();
    if (receiver != null) receiver.stop(0);
    database.close();
  }

  private String hookUrl() {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
  }

  private TestSlipway.Reply order(String item, String url) {
    return slipway.data(
        "POST",
        "/orders",
        "{\"item\":\"" + item + "\",\"to\":\"" + url + "\"}",
        "application/json");
  }

  private JsonNode awaitDelivery(long id, String status) throws InterruptedException {
    JsonNode[] last = new JsonNode[1];
    await(
        "delivery " + id + " " + status,
        () -> {
          last[0] = slipway.control("GET", "/api/webhooks/deliveries/" + id).json();
          return last[0].path("status").asText().equals(status);
        });
    return last[0];
  }

  @Test
  void a_webhook_is_sent_after_the_commit_signed_retried_until_delivered_and_sent_again_by_hand()
      throws Exception {
    var refused = order("refused", hookUrl());
    assertThat(refused.status()).as(refused.toString()).isEqualTo(400);

    failNext.set(2);
    var made = order("tea", hookUrl());
    assertThat(made.status()).as(made.toString()).isEqualTo(201);
    long delivery = made.json().path("delivery").asLong();
    JsonNode done = awaitDelivery(delivery, "succeeded");

    // two failures, then delivered: three attempts, each listed, waits of 2 s and 4 s between
    assertThat(received).hasSize(3);
    assertThat(received).allSatisfy(r -> assertThat(r.verification().valid()).isTrue());
    assertThat(received.stream().map(r -> r.headers().get("webhook-id")).distinct().toList())
        .as("one message id for every attempt")
        .containsExactly("msg_" + delivery);
    JsonNode body = received.getLast().body();
    assertThat(body.path("type").asText()).isEqualTo("order.created");
    assertThat(body.path("data").path("item").asText()).isEqualTo("tea");
    assertThat(body.path("data").path("order").asLong())
        .isEqualTo(made.json().path("order").asLong());
    JsonNode attempts = done.path("attemptLog");
    assertThat(attempts).hasSize(3);
    assertThat(attempts.get(0).path("status").asInt()).isEqualTo(500);
    assertThat(attempts.get(1).path("status").asInt()).isEqualTo(500);
    assertThat(attempts.get(2).path("status").asInt()).isEqualTo(204);
    assertThat(
            Duration.between(
                Instant.parse(attempts.get(0).path("at").asText()),
                Instant.parse(attempts.get(2).path("at").asText())))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(6));
    assertThat(done.path("event").asText()).isEqualTo("order.created");

    // the refused request's webhook was never stored
    JsonNode listed = slipway.control("GET", "/api/webhooks/deliveries").json();
    assertThat(listed.path("deliveries")).hasSize(1);

    var resent =
        slipway.control(
            "POST", "/api/webhooks/deliveries/" + delivery + "/resend", "{}", "application/json");
    assertThat(resent.status()).as(resent.toString()).isEqualTo(200);
    await("the resend received", () -> received.size() == 4);
    assertThat(received.getLast().headers().get("webhook-id")).isEqualTo("msg_" + delivery);
    JsonNode again = awaitDelivery(delivery, "succeeded");
    assertThat(again.path("attemptLog")).hasSize(4);
    assertThat(
            slipway
                .control("POST", "/api/webhooks/deliveries/999999/resend", "{}", "application/json")
                .status())
        .isEqualTo(404);
  }

  @Test
  void a_webhook_the_egress_policy_refuses_is_not_sent_and_dies_when_its_window_is_spent()
      throws Exception {
    var made = order("coffee", "http://10.255.255.1:9/hook");
    assertThat(made.status()).as(made.toString()).isEqualTo(201);
    long delivery = made.json().path("delivery").asLong();
    JsonNode dead = awaitDelivery(delivery, "dead");
    assertThat(dead.path("attemptLog").size()).isBetween(2, 4);
    assertThat(dead.path("attemptLog").get(0).path("error").asText()).contains("egress_denied");
    assertThat(dead.path("attemptLog").get(0).path("status").isNull()).isTrue();
    assertThat(received).isEmpty();
    // what a delivery shows holds none of the org's secret values
    slipway.control(
        "PUT", "/api/secrets/HOOK_TOKEN", "{\"value\":\"tok-4f8a9c2e\"}", "application/json");
    var leaky = order("tea", "http://10.255.255.1:9/hook?token=tok-4f8a9c2e");
    long id = leaky.json().path("delivery").asLong();
    String shown = slipway.control("GET", "/api/webhooks/deliveries/" + id).body();
    assertThat(shown).doesNotContain("tok-4f8a9c2e").contains("[secret:HOOK_TOKEN]");
    assertThat(slipway.control("GET", "/api/webhooks/deliveries").body())
        .doesNotContain("tok-4f8a9c2e");
  }

  @Test
  void a_script_sends_one_with_ctx_webhook_in_its_transaction() throws Exception {
    slipway.save(
        """
        name: ping
        method: POST
        path: /ping
        steps:
          - id: sent
            script: |
              const id = await ctx.webhook(ctx.input.body.to, 'ping', { n: 7 }, { secret: 'HOOK_SECRET' });
              if (ctx.input.body.fail) throw new Error('after the webhook');
              return { id };
        response: { body: "${steps.sent}" }
        """);
    slipway.deploy("{}");
    slipway.awaitSandboxWorkers();
    String url = hookUrl();
    var failed =
        slipway.data("POST", "/ping", "{\"to\":\"" + url + "\",\"fail\":true}", "application/json");
    assertThat(failed.status()).as(failed.toString()).isEqualTo(500);
    var sent = slipway.data("POST", "/ping", "{\"to\":\"" + url + "\"}", "application/json");
    assertThat(sent.status()).as(sent.toString()).isEqualTo(200);
    awaitDelivery(sent.json().path("id").asLong(), "succeeded");
    assertThat(received).hasSize(1);
    assertThat(received.getFirst().verification().valid()).isTrue();
    assertThat(received.getFirst().body().path("data").path("n").asInt()).isEqualTo(7);
    assertThat(slipway.control("GET", "/api/webhooks/deliveries").json().path("deliveries"))
        .as("none for the request that failed")
        .hasSize(1);
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what + " within 30 s").isLessThan(until);
      Thread.sleep(100);
    }
  }
}
