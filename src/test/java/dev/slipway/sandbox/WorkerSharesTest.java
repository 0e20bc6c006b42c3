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
    shares.finished(BOMB, false, QUICK, false, false, false, 0);
    assertThat(shares.slowLately(BOMB, 0)).as("quick so far").isFalse();
    shares.finished(BOMB, false, 0, true, false, false, seconds(1));
    // past the 10 s a slow run guards for, and its quick runs since, a second wave would still kill
    // every worker
    for (long at = 2; at < 60; at += 5) {
      shares.finished(BOMB, false, QUICK, false, false, false, seconds(at));
    }
    assertThat(shares.slowLately(BOMB, seconds(40))).isTrue();
    assertThat(shares.quarantinedFor(BOMB, seconds(40))).as("one kill: not quarantined").isZero();
    assertThat(
            shares.slowLately(BOMB, seconds(1) + WorkerShares.STRIKES_KEPT.toNanos() + seconds(1)))
        .as("trusted again once the kill no longer counts")
        .isFalse();
  }

  @Test
  void a_script_whose_last_run_ran_out_of_memory_stays_guarded_until_one_ends_otherwise() {
    var shares = new WorkerShares(2, Duration.ofSeconds(2));
    shares.finished(BOMB, false, 0, true, false, false, 0);
    long later = WorkerShares.STRIKES_KEPT.toNanos() + seconds(600);
    assertThat(shares.slowLately(BOMB, later))
        .as("long after its strike, its last run still ran out of memory")
        .isTrue();
    shares.startedGuarded(BOMB);
    shares.finished(BOMB, true, 0, false, false, true, later);
    assertThat(shares.slowLately(BOMB, later + seconds(30)))
        .as("a timeout says nothing of its memory")
        .isTrue();
    shares.startedGuarded(BOMB);
    shares.finished(BOMB, true, QUICK, false, false, false, later + seconds(31));
    assertThat(shares.slowLately(BOMB, later + seconds(50)))
        .as("one run ended otherwise")
        .isFalse();
    var other = new WorkerShares.Owner(1, "other bomb");
    shares.finished(other, false, 0, true, false, false, 0);
    shares.startedGuarded(other);
    shares.finished(other, true, QUICK, false, true, false, later);
    assertThat(shares.slowLately(other, later + seconds(600)))
        .as("a run stopped at the statement limit did not end otherwise")
        .isTrue();
  }

  @Test
  void
      a_script_whose_last_run_was_stopped_at_the_statement_limit_stays_guarded_until_one_ends_otherwise() {
    var shares = new WorkerShares(1, Duration.ofSeconds(2));
    var loop = new WorkerShares.Owner(1, "loop");
    // its first run, on a serving worker, reaches the statement limit quickly: little CPU
    shares.finished(loop, false, QUICK, false, true, false, 0);
    // its callers' runs wait for a worker for guarded runs that is still starting; past the time a
    // slow run guards for, they must not go to the serving worker (bench/fairness/timeline.sh: a
    // loop flood's waiting runs did, 10 s in, and the quiet script fell to a third for a second)
    long past = dev.slipway.ops.Behaviour.GUARD_AFTER_SLOW + seconds(1);
    assertThat(shares.slowLately(loop, past)).isTrue();
    shares.startedGuarded(loop);
    shares.finished(loop, true, 0, false, false, true, past);
    assertThat(shares.slowLately(loop, past + seconds(600))).as("a timeout says nothing").isTrue();
    shares.startedGuarded(loop);
    shares.finished(loop, true, QUICK, false, false, false, past + seconds(601));
    assertThat(shares.slowLately(loop, past + seconds(612)))
        .as("one run ended otherwise")
        .isFalse();
  }

  @Test
  void runs_stopped_at_a_limit_again_and_again_open_a_breaker_that_one_other_ending_closes() {
    var shares = new WorkerShares(1, Duration.ofSeconds(2));
    var loop = new WorkerShares.Owner(1, "loop");
    for (int run = 1; run < WorkerShares.LIMITS_BEFORE_BREAK; run++) {
      shares.finished(loop, run > 1, QUICK, false, true, false, seconds(run));
      assertThat(shares.quarantinedFor(loop, seconds(run)))
          .as("after %d runaway runs", run)
          .isZero();
    }
    long third = seconds(WorkerShares.LIMITS_BEFORE_BREAK);
    shares.finished(loop, true, QUICK, false, true, false, third);
    assertThat(shares.quarantinedFor(loop, third)).isEqualTo(2);
    assertThat(shares.refusal(loop)).isEqualTo(WorkerShares.Refusal.LIMITS);
    assertThat(shares.quarantinedFor(loop, third + seconds(2))).as("the break is over").isZero();
    // the one run after the break is a guarded one that times out: the break doubles
    shares.finished(loop, true, 0, false, false, true, third + seconds(3));
    assertThat(shares.quarantinedFor(loop, third + seconds(3))).isEqualTo(4);
    shares.finished(loop, true, QUICK, false, true, false, third + seconds(8));
    assertThat(shares.quarantinedFor(loop, third + seconds(8))).isEqualTo(8);
    // long after, it is still guarded, and a trusted-looking timeout does not close it
    long later = third + seconds(600);
    assertThat(shares.slowLately(loop, later)).isTrue();
    shares.finished(loop, false, 0, false, false, true, later);
    shares.finished(loop, true, QUICK, false, true, false, later);
    assertThat(shares.quarantinedFor(loop, later)).isEqualTo(16);
    // one run that ends otherwise (a success, a thrown error) closes it
    shares.finished(loop, true, QUICK, false, false, false, later + seconds(40));
    shares.finished(loop, true, QUICK, false, true, false, later + seconds(41));
    assertThat(shares.quarantinedFor(loop, later + seconds(41))).isZero();
  }

  @Test
  void a_run_withdrawn_from_its_worker_judges_nothing_and_lets_the_next_go() {
    var shares = new WorkerShares(2, Duration.ofSeconds(2));
    var fresh = new WorkerShares.Owner(1, "fresh");
    shares.sent(fresh);
    assertThat(shares.onTrial(fresh)).as("its first run has not ended").isTrue();
    shares.withdrawn(fresh, false);
    assertThat(shares.onTrial(fresh)).as("the first run goes again, as the first").isFalse();
    shares.sent(fresh);
    assertThat(shares.onTrial(fresh)).as("nothing of it has ended yet").isTrue();
    var loop = new WorkerShares.Owner(1, "loop");
    for (int run = 1; run < WorkerShares.LIMITS_BEFORE_BREAK; run++) {
      shares.finished(loop, false, QUICK, false, true, false, seconds(run));
    }
    shares.startedGuarded(loop);
    assertThat(shares.mayStartGuarded(loop)).as("its one guarded run is out").isFalse();
    shares.withdrawn(loop, true);
    assertThat(shares.mayStartGuarded(loop)).as("its share is free again").isTrue();
    long next = seconds(WorkerShares.LIMITS_BEFORE_BREAK);
    shares.finished(loop, true, QUICK, false, true, false, next);
    assertThat(shares.quarantinedFor(loop, next))
        .as("the withdrawn run did not close it")
        .isEqualTo(2);
  }

  @Test
  void a_trusted_script_that_times_out_starved_of_cpu_is_never_refused_for_it() {
    var shares = new WorkerShares(1, Duration.ofSeconds(2));
    var quiet = new WorkerShares.Owner(1, "quiet");
    for (int run = 1; run <= 10; run++) {
      shares.finished(quiet, false, QUICK, false, false, true, seconds(run));
    }
    assertThat(shares.quarantinedFor(quiet, seconds(10))).isZero();
  }
}
