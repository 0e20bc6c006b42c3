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
  }

  @Test
  void a_runaway_opens_its_breaker_at_once_and_each_break_lets_one_guarded_run_go() {
    var shares = new WorkerShares(1, Duration.ofSeconds(2));
    var loop = new WorkerShares.Owner(1, "loop");
    shares.sent(loop);
    // its first run, on a serving worker, reaches the statement limit after a good share of CPU
    shares.finished(loop, false, Duration.ofMillis(170).toNanos(), false, true, false, 0);
    assertThat(shares.quarantinedFor(loop, 0)).as("refused at once").isEqualTo(2);
    assertThat(shares.refusal(loop)).isEqualTo(WorkerShares.Refusal.LIMITS);
    // guarded: the run after the break goes to a worker for guarded runs, whose group at nice 19
    // keeps what the loop costs from the other endpoints
    assertThat(shares.slowLately(loop, seconds(2))).isTrue();
    assertThat(shares.quarantinedFor(loop, seconds(2))).as("the break is over").isZero();
    shares.sent(loop);
    shares.startedGuarded(loop);
    assertThat(shares.quarantinedFor(loop, seconds(2)))
        .as("while the one run after the break is out, the others are refused")
        .isEqualTo(1);
    shares.finished(loop, true, QUICK, false, true, false, seconds(3));
    assertThat(shares.quarantinedFor(loop, seconds(3))).as("twice as long").isEqualTo(4);
    // the run after the next break is starved of CPU and reaches the timeout: that counts too
    shares.sent(loop);
    shares.startedGuarded(loop);
    shares.finished(loop, true, seconds(1), false, false, true, seconds(8));
    assertThat(shares.quarantinedFor(loop, seconds(8))).isEqualTo(8);
    assertThat(shares.slowLately(loop, seconds(16))).as("still guarded after a timeout").isTrue();
    shares.sent(loop);
    shares.startedGuarded(loop);
    shares.finished(loop, true, QUICK, false, false, false, seconds(17));
    assertThat(shares.quarantinedFor(loop, seconds(17))).as("one run ended otherwise").isZero();
    shares.sent(loop);
    assertThat(shares.quarantinedFor(loop, seconds(17))).as("closed: its runs go freely").isZero();
  }

  @Test
  void a_break_begins_again_when_the_run_after_it_finds_no_worker() {
    var shares = new WorkerShares(1, Duration.ofSeconds(2));
    var loop = new WorkerShares.Owner(1, "loop");
    var slow = new WorkerShares.Owner(1, "slow");
    shares.sent(loop);
    shares.finished(loop, false, QUICK, false, true, false, 0);
    assertThat(shares.quarantinedFor(loop, seconds(2))).as("the break is over").isZero();
    // the worker for guarded runs is starting: the run waited for it until its time was up
    shares.unserved(loop, seconds(4));
    assertThat(shares.quarantinedFor(loop, seconds(4)))
        .as("refused at once again, for as long as the last break")
        .isEqualTo(2);
    shares.runningLong(slow, 0);
    shares.unserved(slow, seconds(4));
    assertThat(shares.quarantinedFor(slow, seconds(4)))
        .as("a slow script whose breaker does not count is not refused for waiting")
        .isZero();
  }

  @Test
  void guarded_runs_that_time_out_again_and_again_open_a_breaker_that_one_other_ending_closes() {
    var shares = new WorkerShares(1, Duration.ofSeconds(2));
    var slow = new WorkerShares.Owner(1, "slow");
    shares.runningLong(slow, 0);
    assertThat(shares.slowLately(slow, 0)).isTrue();
    for (int run = 1; run < WorkerShares.LIMITS_BEFORE_BREAK; run++) {
      shares.startedGuarded(slow);
      shares.finished(slow, true, seconds(2), false, false, true, seconds(2L * run));
      assertThat(shares.quarantinedFor(slow, seconds(2L * run)))
          .as("after %d guarded timeouts", run)
          .isZero();
    }
    long third = seconds(2L * WorkerShares.LIMITS_BEFORE_BREAK);
    shares.startedGuarded(slow);
    shares.finished(slow, true, seconds(2), false, false, true, third);
    assertThat(shares.quarantinedFor(slow, third)).isEqualTo(2);
    assertThat(shares.refusal(slow)).isEqualTo(WorkerShares.Refusal.LIMITS);
    // the one run after the break is a guarded one (a slow script's), and times out: twice as long
    assertThat(shares.slowLately(slow, third + seconds(2))).isTrue();
    shares.sent(slow);
    shares.startedGuarded(slow);
    assertThat(shares.quarantinedFor(slow, third + seconds(2))).isEqualTo(1);
    shares.finished(slow, true, seconds(2), false, false, true, third + seconds(4));
    assertThat(shares.quarantinedFor(slow, third + seconds(4))).isEqualTo(4);
    // long after, a trusted-looking timeout does not close it
    long later = third + seconds(600);
    assertThat(shares.slowLately(slow, later)).as("half open, however long ago").isTrue();
    shares.finished(slow, false, 0, false, false, true, later);
    shares.startedGuarded(slow);
    shares.finished(slow, true, seconds(2), false, false, true, later);
    assertThat(shares.quarantinedFor(slow, later)).isEqualTo(8);
    // one run that ends otherwise (a success, a thrown error) closes it
    shares.startedGuarded(slow);
    shares.finished(slow, true, QUICK, false, false, false, later + seconds(40));
    shares.startedGuarded(slow);
    shares.finished(slow, true, seconds(2), false, false, true, later + seconds(41));
    assertThat(shares.quarantinedFor(slow, later + seconds(41))).isZero();
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
    var slow = new WorkerShares.Owner(1, "slow");
    shares.runningLong(slow, 0);
    for (int run = 1; run < WorkerShares.LIMITS_BEFORE_BREAK; run++) {
      shares.startedGuarded(slow);
      shares.finished(slow, true, seconds(2), false, false, true, seconds(run));
    }
    shares.startedGuarded(slow);
    assertThat(shares.mayStartGuarded(slow)).as("its one guarded run is out").isFalse();
    shares.withdrawn(slow, true);
    assertThat(shares.mayStartGuarded(slow)).as("its share is free again").isTrue();
    long next = seconds(WorkerShares.LIMITS_BEFORE_BREAK);
    shares.startedGuarded(slow);
    shares.finished(slow, true, seconds(2), false, false, true, next);
    assertThat(shares.quarantinedFor(slow, next))
        .as("the withdrawn run did not close it")
        .isEqualTo(2);
    // a run let go after a break and withdrawn lets the next go
    shares.sent(slow);
    assertThat(shares.quarantinedFor(slow, next + seconds(2))).isEqualTo(1);
    shares.withdrawn(slow, true);
    assertThat(shares.quarantinedFor(slow, next + seconds(2))).isZero();
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

  @Test
  void a_script_stopped_at_a_limit_lately_is_told_from_one_only_slow() {
    var shares = new WorkerShares(1, Duration.ofSeconds(2));
    var slow = new WorkerShares.Owner(1, "slow");
    shares.finished(slow, false, seconds(2), false, false, false, 0);
    assertThat(shares.slowLately(slow, seconds(1))).isTrue();
    assertThat(shares.stoppedLately(slow, seconds(1))).as("slow, never stopped").isFalse();
    var loop = new WorkerShares.Owner(1, "loop");
    shares.finished(loop, false, QUICK, false, true, false, 0);
    assertThat(shares.stoppedLately(loop, seconds(1))).as("a runaway").isTrue();
    shares.finished(BOMB, false, QUICK, true, false, false, 0);
    assertThat(shares.stoppedLately(BOMB, seconds(1))).as("out of memory").isTrue();
    var cold = new WorkerShares.Owner(1, "cold");
    shares.finished(cold, false, 0, false, false, true, 0);
    assertThat(shares.stoppedLately(cold, seconds(1))).as("a timeout is not a limit").isFalse();
  }
}
