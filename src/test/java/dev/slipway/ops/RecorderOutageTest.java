package dev.slipway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * While the database will not take the call log's writes, the data plane keeps answering at its own
 * speed, the recorder's backlog shows on {@code /metrics}, and when the database is back every call
 * is kept.
 */
class RecorderOutageTest {
  private final TestDatabase database = new TestDatabase();
  private TestSlipway slipway;

  @AfterEach
  void stop() {
    if (slipway != null) slipway.close();
    database.close();
  }

  @Test
  void calls_are_answered_while_the_call_log_waits_and_kept_after() throws Exception {
    slipway = TestSlipway.start(database);
    slipway.save(
        """
        name: ping
        method: GET
        path: /ping
        response: { body: "pong" }
        """);
    slipway.deploy("{}");
    assertThat(slipway.data("GET", "/ping").status()).isEqualTo(200);
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (count() < 1) {
      assertThat(System.nanoTime()).isLessThan(until);
      Thread.sleep(50);
    }
    try (var lock = database.connect()) {
      lock.setAutoCommit(false);
      lock.createStatement().execute("lock table slipway.calls in access exclusive mode");
      long slowest = 0;
      for (int i = 0; i < 300; i++) {
        long started = System.nanoTime();
        assertThat(slipway.data("GET", "/ping").status()).isEqualTo(200);
        slowest = Math.max(slowest, System.nanoTime() - started);
      }
      assertThat(Duration.ofNanos(slowest)).isLessThan(Duration.ofSeconds(1));
      String metrics = slipway.control("GET", "/metrics").body();
      assertThat(backlog(metrics)).as("the recorder waits with calls in hand").isPositive();
      lock.rollback();
    }
    until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (count() < 301) {
      assertThat(System.nanoTime()).as("kept within 20 s").isLessThan(until);
      Thread.sleep(100);
    }
    assertThat(slipway.control("GET", "/metrics").body())
        .contains("slipway_recorder_fell_behind 0.0");
  }

  private long count() {
    return ((Number) database.scalar("select count(*) from slipway.calls")).longValue();
  }

  private static double backlog(String metrics) {
    return metrics
        .lines()
        .filter(line -> line.startsWith("slipway_recorder_backlog "))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.indexOf(' ') + 1)))
        .findFirst()
        .orElse(-1);
  }
}
