package dev.slipway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An endpoint that keeps its bodies ({@code log.bodies}) has its calls kept whole, without their
 * credentials, and replayed against the live version or a draft, side by side, rolled back.
 */
class ReplayTest {
  private static final TestDatabase database = new TestDatabase();
  private static TestSlipway slipway;
  private static String key;

  private static final String NOTES =
      """
      name: notes
      method: POST
      path: /notes
      auth: apiKey
      log: { bodies: true, maxBytes: 200 }
      input:
        query: { tag: { type: string } }
        body: { type: object, properties: { text: { type: string } } }
      steps:
        - id: add
          sql: insert into app.activity (actor, action) values (:text, 'note') returning actor as detail
          params: { text: "${input.body.text}" }
          expect: one
      response:
        status: 201
        body: { saved: "${steps.add.detail}", tag: "${input.query.tag}", by: "%s" }
      """;

  @BeforeAll
  static void start() throws Exception {
    slipway = TestSlipway.start(database);
    slipway.save(NOTES.formatted("v1"));
    slipway.save(
        """
        name: quiet
        method: POST
        path: /quiet
        response: { body: "ok" }
        """);
    slipway.deploy("{}");
    key =
        slipway
            .control("POST", "/api/consumer-keys", "{\"name\":\"writer\"}", "application/json")
            .json()
            .path("token")
            .asText();
  }

  @AfterAll
  static void stop() {
    slipway.close();
    database.close();
  }

  private static TestSlipway.Reply post(String path, String requestId, String body) {
    return TestSlipway.send(
        "POST",
        "http://127.0.0.1:" + slipway.dataPort() + path,
        body,
        "application/json",
        Map.of("Authorization", "Bearer " + key, "X-Request-Id", requestId, "Cookie", "s=secret"));
  }

  private static long notes() {
    return ((Number) database.scalar("select count(*) from app.activity where action = 'note'"))
        .longValue();
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

  private static TestSlipway.Reply replay(String requestId, String body) {
    return slipway.control("POST", "/api/logs/" + requestId + "/replay", body, "application/json");
  }

  @Test
  void a_kept_call_is_read_whole_and_replayed_against_live_and_draft() throws Exception {
    var sent = post("/notes?tag=red", "note-1", "{\"text\":\"hello\"}");
    assertThat(sent.status()).isEqualTo(201);
    awaitKept("note-1");
    JsonNode call = slipway.control("GET", "/api/logs/note-1").json();
    assertThat(call.path("bodies").path("request").asText()).isEqualTo("{\"text\":\"hello\"}");
    assertThat(call.path("bodies").path("response").asText()).isEqualTo(sent.body());
    assertThat(call.path("bodies").path("query").asText()).isEqualTo("tag=red");
    assertThat(call.path("bodies").path("contentType").asText()).startsWith("application/json");
    // the credentials the call came with are kept nowhere
    Object row =
        database.scalar(
            "select row_to_json(c)::text from slipway.calls c where request_id = 'note-1'");
    assertThat(row.toString())
        .doesNotContain(key)
        .doesNotContain("secret")
        .doesNotContain("Bearer");
    JsonNode found = slipway.control("GET", "/api/logs?requestId=note-1").json().get(0);
    assertThat(found.path("bodies").isNull()).as("a search leaves bodies out").isTrue();

    long before = notes();
    var live = replay("note-1", "{\"headers\": {\"X-API-Key\": \"" + key + "\"}}");
    assertThat(live.status()).as(live.toString()).isEqualTo(200);
    assertThat(live.json().path("replayed").path("status").asInt()).isEqualTo(201);
    assertThat(live.json().path("replayed").path("version").asInt()).isEqualTo(1);
    assertThat(live.json().path("sameStatus").asBoolean()).isTrue();
    assertThat(live.json().path("sameBody").asBoolean()).isTrue();
    assertThat(notes()).as("a replay's writes are rolled back").isEqualTo(before);

    slipway.save(NOTES.formatted("v2"));
    var draft =
        replay("note-1", "{\"target\": \"latest\", \"headers\": {\"X-API-Key\": \"" + key + "\"}}");
    assertThat(draft.json().path("replayed").path("version").asInt()).isEqualTo(2);
    assertThat(draft.json().path("replayed").path("body").asText()).contains("\"by\":\"v2\"");
    assertThat(draft.json().path("recorded").path("body").asText()).contains("\"by\":\"v1\"");
    assertThat(draft.json().path("sameBody").asBoolean()).isFalse();
    var first = replay("note-1", "{\"target\": 1, \"headers\": {\"X-API-Key\": \"" + key + "\"}}");
    assertThat(first.json().path("sameBody").asBoolean()).as(first.body()).isTrue();

    // without the credentials it needs, the replay is answered as the endpoint answers
    assertThat(replay("note-1", "").json().path("replayed").path("status").asInt()).isEqualTo(401);
  }

  @Test
  void a_call_without_kept_bodies_or_with_a_cut_one_is_not_replayed() throws Exception {
    assertThat(post("/quiet", "quiet-1", "{}").status()).isEqualTo(200);
    awaitKept("quiet-1");
    var quiet = replay("quiet-1", "");
    assertThat(quiet.status()).isEqualTo(409);
    assertThat(quiet.json().path("code").asText()).isEqualTo("call_not_replayable");

    assertThat(post("/notes", "note-long", "{\"text\":\"" + "x".repeat(300) + "\"}").status())
        .isEqualTo(201);
    awaitKept("note-long");
    JsonNode call = slipway.control("GET", "/api/logs/note-long").json();
    assertThat(call.path("bodies").path("truncated").asBoolean()).isTrue();
    assertThat(call.path("bodies").path("request").asText()).hasSize(200);
    assertThat(replay("note-long", "").json().path("code").asText())
        .isEqualTo("call_not_replayable");

    assertThat(replay("no-such", "").status()).isEqualTo(404);
  }

  @Test
  void a_bad_replay_request_is_a_422_naming_each_part() throws Exception {
    var sent = post("/notes", "note-2", "{\"text\":\"x\"}");
    assertThat(sent.status()).as(sent.toString()).isEqualTo(201);
    awaitKept("note-2");
    var bad = replay("note-2", "{\"target\": \"yesterday\", \"headers\": {\"a\": 1}}");
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.errorPaths()).containsExactlyInAnyOrder("/target", "/headers/a");
  }
}
