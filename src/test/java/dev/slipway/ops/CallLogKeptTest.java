package dev.slipway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestOrg;
import dev.slipway.testing.TestSlipway;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The call log outlives a restart, shows each org only its own calls, and keeps what it is told to.
 */
class CallLogKeptTest {
  private final TestDatabase database = new TestDatabase();
  private TestSlipway slipway;

  @AfterEach
  void stop() {
    if (slipway != null) slipway.close();
    database.close();
  }

  @Test
  void calls_are_in_the_log_after_a_restart_and_each_org_sees_its_own() throws Exception {
    slipway = TestSlipway.start(database);
    slipway.save(
        """
        name: kept
        method: GET
        path: /api/kept
        response: { body: "ok" }
        """);
    slipway.deploy("{}");
    var other = TestOrg.create(slipway, database, "other-org");
    other.save(
        """
        name: theirs
        method: GET
        path: /api/theirs
        response: { body: "theirs" }
        """);
    other.deploy("{}");
    var ids = new ArrayList<String>();
    for (int i = 0; i < 5; i++) {
      String id = "kept-" + i;
      ids.addFirst(id);
      assertThat(
              slipway
                  .send(
                      "GET",
                      "http://127.0.0.1:" + slipway.dataPort() + "/api/kept",
                      (byte[]) null,
                      null,
                      Map.of("X-Request-Id", id))
                  .status())
          .isEqualTo(200);
    }
    assertThat(slipway.data("GET", "/api/theirs").status()).isEqualTo(200);
    awaitKept(5);
    slipway.close();

    slipway = TestSlipway.start(database);
    var logs = slipway.control("GET", "/api/logs?limit=10").json();
    assertThat(requestIds(logs))
        .as("newest first, after the restart")
        .containsExactlyElementsOf(ids);
    assertThat(logs.get(0).path("endpoint").asText()).isEqualTo("kept");
    assertThat(logs.get(0).path("status").asInt()).isEqualTo(200);
    assertThat(requestIds(slipway.control("GET", "/api/logs?limit=2").json()))
        .containsExactly("kept-4", "kept-3");
    var theirs = other.on(slipway).call("GET", "/api/logs?limit=10", null).json();
    assertThat(theirs).hasSize(1);
    assertThat(theirs.get(0).path("endpoint").asText()).isEqualTo("theirs");

    // a new call comes first, then the kept ones, none twice
    slipway.send(
        "GET",
        "http://127.0.0.1:" + slipway.dataPort() + "/api/kept",
        (byte[]) null,
        null,
        Map.of("X-Request-Id", "after"));
    awaitKept(6);
    assertThat(requestIds(slipway.control("GET", "/api/logs?limit=3").json()))
        .containsExactly("after", "kept-4", "kept-3");
  }

  @Test
  void no_more_calls_are_kept_than_the_setting_allows() throws Exception {
    slipway =
        TestSlipway.start(database.url(), null, Map.of("SLIPWAY_CALL_LOG_KEEP_CALLS", "1000"));
    slipway.save(
        """
        name: many
        method: GET
        path: /api/many
        response: { body: "ok" }
        """);
    slipway.deploy("{}");
    database.execute(
        """
        insert into slipway.calls (org_id, at, request_id, method, path, endpoint, version, release_id, status, duration_us)
        select 1, now(), 'old-' || i, 'GET', '/api/many', 'many', 1, 1, 200, 10 from generate_series(1, 1500) i""");
    slipway.close();
    // pruning runs a minute after start and then every minute; a new server's first prune is what
    // this waits for
    slipway =
        TestSlipway.start(database.url(), null, Map.of("SLIPWAY_CALL_LOG_KEEP_CALLS", "1000"));
    var store =
        new dev.slipway.store.CallStore(
            new dev.slipway.store.PlatformTransactions(database.dataSource()),
            new dev.slipway.store.CallStore.Retention(
                java.time.Duration.ofDays(7), 1000, Long.MAX_VALUE, java.time.Duration.ofDays(400)),
            org -> true);
    store.prune();
    assertThat(((Number) database.scalar("select count(*) from slipway.calls")).longValue())
        .isEqualTo(1000);
    assertThat(
            database.scalar(
                "select min(request_id) from slipway.calls where request_id like 'old-5%'"))
        .isNotNull();
    assertThat(
            ((Number)
                    database.scalar(
                        "select count(*) from slipway.calls where request_id in ('old-1', 'old-500')"))
                .longValue())
        .as("the oldest went")
        .isZero();
  }

  private void awaitKept(int calls) throws InterruptedException {
    long until = System.nanoTime() + 10_000_000_000L;
    while (((Number) database.scalar("select count(*) from slipway.calls where endpoint = 'kept'"))
            .intValue()
        < calls) {
      assertThat(System.nanoTime()).as("calls kept within 10 s").isLessThan(until);
      Thread.sleep(50);
    }
  }

  private static List<String> requestIds(JsonNode logs) {
    var ids = new ArrayList<String>();
    logs.forEach(call -> ids.add(call.path("requestId").asText()));
    return ids;
  }
}
