package dev.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Deploys and rollbacks under load: no call fails, and every answer comes from one version. */
class ConcurrentDeployTest {
  private static final int CLIENTS = 64;
  private static final int SWAPS = 20;

  /** A probe whose version shows in a SQL step, a script step, a literal and a header. */
  private static String probe(String version) {
    return """
        name: probe
        method: GET
        path: /api/probe/:n
        steps:
          - id: one
            sql: select :v::text as v, :n::int as n
            params: { v: "%1$s", n: "${input.params.n}" }
            expect: one
          - id: two
            script: "return { v: '%1$s', n: ctx.steps.one.row.n }"
        response:
          headers: { X-Probe: "%1$s" }
          body: { a: "${steps.one.row.v}", b: "${steps.two.v}", c: "%1$s", n: "${steps.two.n}" }
        """
        .formatted(version);
  }

  @Test
  void sixty_four_clients_see_no_failure_and_no_mixed_version_while_releases_swap()
      throws Exception {
    try (var database = new TestDatabase();
        var slipway =
            TestSlipway.start(
                database.url(), null, java.util.Map.of("SLIPWAY_DB_POOL_SIZE", "16"))) {
      slipway.save(probe("v1"));
      long first = slipway.deploy("{}").path("id").asLong();
      slipway.save(probe("v2"));

      var running = new AtomicBoolean(true);
      var calls = new AtomicInteger();
      var failures = new ConcurrentHashMap<String, Integer>();
      Set<String> seen = ConcurrentHashMap.newKeySet();
      var started = new CountDownLatch(CLIENTS);
      try (var clients = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int c = 0; c < CLIENTS; c++) {
          int client = c;
          clients.submit(
              () -> {
                started.countDown();
                int i = 0;
                while (running.get()) {
                  int n = client * 100_000 + i++;
                  var reply = slipway.data("GET", "/api/probe/" + n);
                  calls.incrementAndGet();
                  String problem = check(reply, n);
                  if (problem != null) failures.merge(problem, 1, Integer::sum);
                  else seen.add(reply.header("X-Probe"));
                }
              });
        }
        started.await();
        List<Long> releases = new ArrayList<>(List.of(first));
        for (int swap = 0; swap < SWAPS; swap++) {
          // calls land between every two swaps however slow the machine: wait for a few after each
          int before = calls.get();
          for (int wait = 0; wait < 500 && calls.get() < before + CLIENTS / 2; wait++)
            Thread.sleep(10);
          Thread.sleep(20);
          if (swap % 3 == 2) {
            long target = releases.get(swap % releases.size());
            assertThat(slipway.control("POST", "/api/releases/" + target + "/rollback").status())
                .isEqualTo(200);
          } else {
            int version = swap % 2 == 0 ? 2 : 1;
            releases.add(
                slipway
                    .deploy(
                        "{\"endpoints\": [{\"name\": \"probe\", \"version\": " + version + "}]}")
                    .path("id")
                    .asLong());
          }
        }
        Thread.sleep(100);
        running.set(false);
        clients.shutdown();
        assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(failures).as("failed or incoherent calls out of " + calls.get()).isEmpty();
      assertThat(seen).containsExactlyInAnyOrder("v1", "v2");
      assertThat(calls.get()).isGreaterThan(CLIENTS * 5);
    }
  }

  private static String check(TestSlipway.Reply reply, int n) {
    if (reply.status() != 200) return "status " + reply.status() + ": " + reply.body();
    var body = reply.json();
    String header = reply.header("X-Probe");
    String a = body.path("a").asText();
    if (!a.equals(body.path("b").asText())
        || !a.equals(body.path("c").asText())
        || !a.equals(header)) {
      return "mixed versions: header " + header + ", body " + body;
    }
    if (body.path("n").asInt() != n) return "answer for another request: " + body;
    return null;
  }
}
