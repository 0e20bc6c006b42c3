package dev.slipway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * How the shares judge an owner over time; the clock is the test's ({@code now} in nanoseconds).
 */
class WorkerSharesTest {
  private static final WorkerShares.Owner BOMB = new WorkerShares.Owner(1, "bomb");
  private static final long QUICK = Duration.ofMillis(1).toNanos();

  private static long seconds(long s) {
    return Duration.ofSeconds(s).toNanos();
  }

  @Test
  void a_script_that_ran_a_worker_out_of_memory_stays_guarded_while_the_kill_counts() {
    var shares = new WorkerShares(2, Duration.ofSeconds(2));
    shares.finished(BOMB, false, QUICK, false, false, 0);
    assertThat(shares.slowLately(BOMB, 0)).as("quick so far").isFalse();
    shares.finished(BOMB, false, 0, true, false, seconds(1));
    // past the 10 s a slow run guards for, and its quick runs since, a second wave would still kill
    // every worker
    for (long at = 2; at < 60; at += 5) {
      shares.finished(BOMB, false, QUICK, false, false, seconds(at));
    }
    assertThat(shares.slowLately(BOMB, seconds(40))).isTrue();
    assertThat(shares.quarantinedFor(BOMB, seconds(40))).as("one kill: not quarantined").isZero();
    assertThat(
            shares.slowLately(BOMB, seconds(1) + WorkerShares.STRIKES_KEPT.toNanos() + seconds(1)))
        .as("trusted again once the kill no longer counts")
        .isFalse();
  }
}
