package dev.slipway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every call is recorded with who called, from where, its sizes, steps, cost and problem code; the
 * log is searched by each of its filters, paged by cursor, followed live, and read one call at a
 * time.
 */
class CallSearchTest {
  private static final TestDatabase database = new TestDatabase();
  private static TestSlipway slipway;
  private static String key;

  @BeforeAll
  static void start() throws Exception {
    slipway = TestSlipway.start(database);
    slipway.save(
        """
        name: orders
        method: POST
        path: /orders
        auth: apiKey
        steps:
          - id: check
            script: |
              if (ctx.input.body.qty > 10) throw new Error("too many widgets");
              const rows = await ctx.db.query("select 1 as one");
              return { qty: ctx.input.body.qty, one: rows[0].one };
          - id: count
            sql: select cast(:qty as int) + 1 as n
            params: { qty: "${input.body.qty}" }
            expect: one
        response: { body: "${steps.count}" }
        """);
    slipway.save(
        """
        name: ping
        method: GET
        path: /ping
        response: { body: "pong" }
        """);
    slipway.deploy("{}");
    key =
        slipway
            .control("POST", "/api/consumer-keys", "{\"name\":\"shop\"}", "application/json")
            .json()
            .path("token")
            .asText();
  }

  @AfterAll
  static void stop() {
    slipway.close();
    database.close();
  }

  private static TestSlipway.Reply order(String requestId, String body) {
    return TestSlipway.send(
        "POST",
        "http://127.0.0.1:" + slipway.dataPort() + "/orders",
        body,
        "application/json",
        Map.of("X-API-Key", key, "X-Request-Id", requestId));
  }

  private static JsonNode logs(String query) {
    var reply = slipway.control("GET", "/api/logs?" + query);
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    return reply.json();
  }

  private static List<String> ids(JsonNode calls) {
    var ids = new ArrayList<String>();
    calls.forEach(call -> ids.add(call.path("requestId").asText()));
    return ids;
  }

  @Test
  void a_call_is_recorded_whole_and_found_by_each_filter() throws Exception {
    Instant before = Instant.now();
    var answered = order("search-ok", "{\"qty\":2}");
    assertThat(answered.status()).isEqualTo(200);
    assertThat(order("search-bad", "{\"qty\":12}").status()).isEqualTo(500);
    assertThat(
            TestSlipway.send(
                    "POST",
                    "http://127.0.0.1:" + slipway.dataPort() + "/orders",
                    "{\"qty\":1}",
                    "application/json",
                    Map.of("X-Request-Id", "search-anon"))
                .status())
        .isEqualTo(401);
    assertThat(slipway.data("GET", "/ping").status()).isEqualTo(200);

    JsonNode ok = logs("requestId=search-ok").get(0);
    assertThat(ok.path("endpoint").asText()).isEqualTo("orders");
    assertThat(ok.path("status").asInt()).isEqualTo(200);
    assertThat(ok.path("caller").asText()).isEqualTo("key:shop");
    assertThat(ok.path("client").asText()).isEqualTo("127.0.0.1");
    assertThat(ok.path("requestBytes").asLong()).isEqualTo("{\"qty\":2}".length());
    assertThat(ok.path("responseBytes").asLong())
        .isEqualTo(answered.body().getBytes(StandardCharsets.UTF_8).length);
    assertThat(ok.path("steps").findValuesAsText("step")).containsExactly("check", "count");
    assertThat(ok.path("scriptCpuMs").asDouble()).isPositive();
    assertThat(ok.path("databaseMs").asDouble()).isPositive();
    assertThat(ok.path("errorCode").isNull()).isTrue();
    assertThat(ok.toString()).doesNotContain(key);

    JsonNode bad = logs("requestId=search-bad").get(0);
    assertThat(bad.path("status").asInt()).isEqualTo(500);
    assertThat(bad.path("errorCode").asText()).isEqualTo("step_failed");
    assertThat(bad.path("error").asText()).contains("too many widgets");

    JsonNode anonymous = logs("requestId=search-anon").get(0);
    assertThat(anonymous.path("errorCode").asText()).isEqualTo("unauthorized");
    assertThat(anonymous.path("caller").isNull()).isTrue();

    assertThat(ids(logs("status=5xx"))).contains("search-bad").doesNotContain("search-ok");
    assertThat(ids(logs("status=2xx&endpoint=orders")))
        .contains("search-ok")
        .doesNotContain("search-bad", "search-anon");
    assertThat(ids(logs("code=unauthorized")))
        .contains("search-anon")
        .doesNotContain("search-ok", "search-bad");
    assertThat(ids(logs("caller=key:shop"))).contains("search-ok", "search-bad");
    assertThat(ids(logs("q=WIDGETS"))).containsExactly("search-bad");
    assertThat(ids(logs("endpoint=ping&from=" + before))).hasSize(1);
    assertThat(ids(logs("to=" + before))).doesNotContain("search-ok");

    // once kept, the same answers come from the database (a restart empties the ring)
    awaitKept("search-anon");
    JsonNode kept = logs("requestId=search-ok").get(0);
    assertThat(kept.path("caller").asText()).isEqualTo("key:shop");
    assertThat(kept.path("steps").findValuesAsText("step")).containsExactly("check", "count");

    var one = slipway.control("GET", "/api/logs/search-bad");
    assertThat(one.status()).isEqualTo(200);
    assertThat(one.json().path("errorCode").asText()).isEqualTo("step_failed");
    var none = slipway.control("GET", "/api/logs/no-such-call");
    assertThat(none.status()).isEqualTo(404);
    assertThat(none.json().path("code").asText()).isEqualTo("call_not_found");
  }

  @Test
  void pages_follow_one_another_by_cursor_with_none_twice() throws Exception {
    var sent = new ArrayList<String>();
    for (int i = 0; i < 25; i++) {
      String id = "page-" + i;
      sent.addFirst(id);
      TestSlipway.send(
          "GET",
          "http://127.0.0.1:" + slipway.dataPort() + "/ping",
          (String) null,
          null,
          Map.of("X-Request-Id", id));
      if (i == 12) awaitKept("page-12"); // half in the database, half in the ring
    }
    var seen = new ArrayList<String>();
    var reply = slipway.control("GET", "/api/logs?endpoint=ping&limit=10");
    while (true) {
      for (JsonNode call : reply.json())
        if (call.path("requestId").asText().startsWith("page-"))
          seen.add(call.path("requestId").asText());
      String link = reply.header("Link");
      if (link == null) break;
      assertThat(link).endsWith("rel=\"next\"");
      String next = link.substring(1, link.indexOf('>'));
      reply = slipway.control("GET", next);
      assertThat(reply.status()).isEqualTo(200);
    }
    assertThat(seen).containsExactlyElementsOf(sent);
  }

  @Test
  void a_bad_query_is_a_422_naming_each_part() {
    var reply = slipway.control("GET", "/api/logs?status=teapot&from=yesterday&before=zzz");
    assertThat(reply.status()).isEqualTo(422);
    assertThat(reply.errorPaths())
        .containsExactlyInAnyOrder("/query/status", "/query/from", "/query/before");
  }

  @Test
  void the_tail_streams_calls_as_they_are_answered() throws Exception {
    var client = HttpClient.newHttpClient();
    var request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:" + slipway.controlPort() + "/api/logs/tail?status=4xx"))
            .header("Authorization", "Bearer " + TestSlipway.TOKEN)
            .build();
    var response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/event-stream");
    var events = new ArrayList<JsonNode>();
    var reading =
        CompletableFuture.runAsync(
            () -> {
              try (var lines =
                  new BufferedReader(
                      new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  if (line.startsWith("data: ")) {
                    events.add(Json.parse(line.substring(6)));
                    if (events.size() == 1) return;
                  }
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(300);
    slipway.data("GET", "/ping"); // a 2xx: not followed
    TestSlipway.send(
        "POST",
        "http://127.0.0.1:" + slipway.dataPort() + "/orders",
        "{}",
        "application/json",
        Map.of("X-Request-Id", "tailed"));
    reading.get(10, TimeUnit.SECONDS);
    assertThat(events.getFirst().path("requestId").asText()).isEqualTo("tailed");
    assertThat(events.getFirst().path("status").asInt()).isEqualTo(401);
  }

  private static void awaitKept(String requestId) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (((Number)
                database.scalar(
                    "select count(*) from slipway.calls where request_id = '" + requestId + "'"))
            .intValue()
        == 0) {
      assertThat(System.nanoTime()).as("kept within 10 s").isLessThan(until);
      Thread.sleep(50);
    }
  }
}
