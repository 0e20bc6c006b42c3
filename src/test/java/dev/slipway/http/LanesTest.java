package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.ops.Behaviour;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests that use the database run a bounded number at a time, none left behind, each endpoint's
 * in turn; a slow endpoint takes only its share, and its callers get a refusal, not a hang.
 */
class LanesTest {
  private static final Lanes.Owner QUICK = new Lanes.Owner(1, "quick");
  private static final Lanes.Owner SLOW = new Lanes.Owner(1, "slow");
  private static final Lanes.Owner ELSEWHERE = new Lanes.Owner(2, "elsewhere");
  private static final Runnable NOT_REFUSED =
      () -> {
        throw new AssertionError("refused");
      };
  private static final long NEVER = TimeUnit.SECONDS.toNanos(60);
  private static final long SLOW_AFTER = TimeUnit.MILLISECONDS.toNanos(5);
  private final ExecutorService pool = Executors.newCachedThreadPool();

  /**
   * Makes {@link #SLOW} slow lately: one of its requests holds its lane past the long bound, four
   * times {@link #SLOW_AFTER}.
   */
  private static void slowOnce(Lanes lanes) throws InterruptedException {
    slowOnce(lanes, SLOW);
  }

  private static void slowOnce(Lanes lanes, Lanes.Owner owner) throws InterruptedException {
    var done = new CountDownLatch(1);
    lanes.execute(
        owner,
        new Lanes.Job(
            () -> {
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(40));
              done.countDown();
            },
            NOT_REFUSED));
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(50); // the lane counts the use as it takes its next request or gives up
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void one_endpoint_runs_on_all_lanes_but_a_guarded_share_and_every_request_runs()
      throws Exception {
    var lanes = new Lanes(pool, 3, new Lanes.Shares(1, 1, Integer.MAX_VALUE, NEVER, NEVER));
    int callers = 16;
    int perCaller = 500;
    var done = new CountDownLatch(callers * perCaller);
    var running = new AtomicInteger();
    var most = new AtomicInteger();
    var submitters = Executors.newFixedThreadPool(callers);
    try {
      for (int c = 0; c < callers; c++) {
        submitters.execute(
            () -> {
              for (int i = 0; i < perCaller; i++) {
                lanes.execute(
                    QUICK,
                    new Lanes.Job(
                        () -> {
                          most.accumulateAndGet(running.incrementAndGet(), Math::max);
                          LockSupport.parkNanos(20_000);
                          running.decrementAndGet();
                          done.countDown();
                        },
                        NOT_REFUSED));
              }
            });
      }
      assertThat(done.await(60, TimeUnit.SECONDS)).as("every request ran").isTrue();
    } finally {
      submitters.shutdownNow();
    }
    assertThat(most.get()).as("a quick endpoint used every lane but one, and no more").isEqualTo(2);
    assertThat(lanes.waiting()).isZero();
  }

  @Test
  void an_endpoints_requests_start_in_the_order_they_came() throws Exception {
    var lanes = new Lanes(pool, 1, new Lanes.Shares(1, 1, Integer.MAX_VALUE, NEVER, NEVER));
    var release = new CountDownLatch(1);
    var holding = new CountDownLatch(1);
    lanes.execute(
        QUICK,
        new Lanes.Job(
            () -> {
              holding.countDown();
              await(release);
            },
            NOT_REFUSED));
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    List<Integer> order = Collections.synchronizedList(new ArrayList<>());
    var done = new CountDownLatch(100);
    for (int i = 0; i < 100; i++) {
      int index = i;
      lanes.execute(
          QUICK,
          new Lanes.Job(
              () -> {
                order.add(index);
                done.countDown();
              },
              NOT_REFUSED));
    }
    assertThat(lanes.waiting()).isEqualTo(100);
    release.countDown();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(order).isSorted().hasSize(100);
  }

  @Test
  void the_first_wave_of_an_endpoint_not_yet_known_as_slow_leaves_lanes_for_another()
      throws Exception {
    var lanes = new Lanes(pool, 4, new Lanes.Shares(1, 2, 100, NEVER, NEVER));
    var release = new CountDownLatch(1);
    var running = new AtomicInteger();
    var done = new CountDownLatch(10);
    for (int i = 0; i < 10; i++) {
      lanes.execute(
          SLOW,
          new Lanes.Job(
              () -> {
                running.incrementAndGet();
                await(release);
                done.countDown();
              },
              NOT_REFUSED));
    }
    Thread.sleep(100);
    assertThat(running.get()).as("a trusted endpoint holds all lanes but one").isEqualTo(3);
    var otherRan = new CountDownLatch(1);
    lanes.execute(QUICK, new Lanes.Job(otherRan::countDown, NOT_REFUSED));
    assertThat(otherRan.await(5, TimeUnit.SECONDS))
        .as("another endpoint's request ran on the lane left free")
        .isTrue();
    release.countDown();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void what_a_guarded_endpoint_started_alone_does_not_shut_its_orgs_other_guarded_endpoints_out()
      throws Exception {
    var lanes = new Lanes(pool, 8, new Lanes.Shares(2, 4, 100, NEVER, SLOW_AFTER));
    var otherSlow = new Lanes.Owner(1, "also-slow");
    slowOnce(lanes);
    slowOnce(lanes, otherSlow);
    var release = new CountDownLatch(1);
    var slowRunning = new AtomicInteger();
    var done = new CountDownLatch(12);
    for (int i = 0; i < 10; i++) {
      lanes.execute(
          SLOW,
          new Lanes.Job(
              () -> {
                slowRunning.incrementAndGet();
                await(release);
                done.countDown();
              },
              NOT_REFUSED));
    }
    Thread.sleep(100);
    assertThat(slowRunning.get())
        .as("alone, the guarded endpoint holds all lanes but its share")
        .isEqualTo(6);
    var otherStarted = new CountDownLatch(2);
    for (int i = 0; i < 2; i++) {
      lanes.execute(
          otherSlow,
          new Lanes.Job(
              () -> {
                otherStarted.countDown();
                await(release);
                done.countDown();
              },
              NOT_REFUSED));
    }
    assertThat(otherStarted.await(5, TimeUnit.SECONDS))
        .as("the org's other guarded endpoint got its share while the first still held six lanes")
        .isTrue();
    release.countDown();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void a_slow_endpoint_takes_only_its_share_and_another_endpoint_goes_first() throws Exception {
    var lanes = new Lanes(pool, 4, new Lanes.Shares(1, 2, 100, NEVER, SLOW_AFTER));
    slowOnce(lanes);
    var release = new CountDownLatch(1);
    var slowRunning = new AtomicInteger();
    var mostSlow = new AtomicInteger();
    var slowDone = new CountDownLatch(10);
    for (int i = 0; i < 10; i++) {
      lanes.execute(
          SLOW,
          new Lanes.Job(
              () -> {
                mostSlow.accumulateAndGet(slowRunning.incrementAndGet(), Math::max);
                await(release);
                slowRunning.decrementAndGet();
                slowDone.countDown();
              },
              NOT_REFUSED));
    }
    // alone, the slow endpoint holds all lanes but its share; another endpoint's request runs at
    // once on the one left
    Thread.sleep(100);
    assertThat(slowRunning.get()).isEqualTo(3);
    var quickRan = new CountDownLatch(1);
    lanes.execute(QUICK, new Lanes.Job(quickRan::countDown, NOT_REFUSED));
    assertThat(quickRan.await(5, TimeUnit.SECONDS))
        .as("the other endpoint did not wait behind the slow one")
        .isTrue();
    release.countDown();
    assertThat(slowDone.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(mostSlow.get()).as("a guarded endpoint never held every lane").isEqualTo(3);
  }

  @Test
  void while_another_endpoint_waits_a_slow_one_starts_no_more_than_its_share() throws Exception {
    var lanes = new Lanes(pool, 2, new Lanes.Shares(1, 1, 100, NEVER, SLOW_AFTER));
    slowOnce(lanes);
    var release = new CountDownLatch(1);
    var holdOther = new CountDownLatch(1);
    var otherHolding = new CountDownLatch(1);
    // one lane held by another org's endpoint (which, holding its lane past the bound, is guarded
    // too, but in an org of its own), the other for the slow endpoint: all lanes but its share
    lanes.execute(
        ELSEWHERE,
        new Lanes.Job(
            () -> {
              otherHolding.countDown();
              await(holdOther);
            },
            NOT_REFUSED));
    assertThat(otherHolding.await(5, TimeUnit.SECONDS)).isTrue();
    var slowRunning = new AtomicInteger();
    var mostSlow = new AtomicInteger();
    var slowStarted = new CountDownLatch(1);
    var slowDone = new CountDownLatch(4);
    for (int i = 0; i < 4; i++) {
      lanes.execute(
          SLOW,
          new Lanes.Job(
              () -> {
                mostSlow.accumulateAndGet(slowRunning.incrementAndGet(), Math::max);
                slowStarted.countDown();
                await(release);
                slowRunning.decrementAndGet();
                slowDone.countDown();
              },
              NOT_REFUSED));
    }
    assertThat(slowStarted.await(5, TimeUnit.SECONDS)).isTrue();
    var otherAgain = new CountDownLatch(1);
    lanes.execute(ELSEWHERE, new Lanes.Job(otherAgain::countDown, NOT_REFUSED));
    holdOther.countDown();
    assertThat(otherAgain.await(5, TimeUnit.SECONDS))
        .as("the lane the other endpoint freed went to it, not to the slow one")
        .isTrue();
    release.countDown();
    assertThat(slowDone.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(mostSlow.get()).isEqualTo(1);
  }

  @Test
  void endpoints_take_turns_so_a_flood_does_not_stand_in_front_of_one_request() throws Exception {
    var lanes = new Lanes(pool, 1, new Lanes.Shares(1, 1, Integer.MAX_VALUE, NEVER, NEVER));
    var release = new CountDownLatch(1);
    var holding = new CountDownLatch(1);
    lanes.execute(
        QUICK,
        new Lanes.Job(
            () -> {
              holding.countDown();
              await(release);
            },
            NOT_REFUSED));
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    var done = new CountDownLatch(51);
    for (int i = 0; i < 50; i++)
      lanes.execute(
          QUICK,
          new Lanes.Job(
              () -> {
                order.add("flood");
                done.countDown();
              },
              NOT_REFUSED));
    lanes.execute(
        SLOW,
        new Lanes.Job(
            () -> {
              order.add("other");
              done.countDown();
            },
            NOT_REFUSED));
    release.countDown();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(order.indexOf("other"))
        .as("the other endpoint's one request ran second, not 51st")
        .isEqualTo(1);
  }

  @Test
  void a_guarded_endpoint_with_its_share_waiting_is_refused_at_once() throws Exception {
    // its one request took 40 ms, so in the longest wait of 15 ms its one lane starts none; three
    // may wait at least
    var lanes =
        new Lanes(
            pool, 2, new Lanes.Shares(1, 1, 3, TimeUnit.MILLISECONDS.toNanos(15), SLOW_AFTER));
    slowOnce(lanes);
    var release = new CountDownLatch(1);
    var refused = new AtomicInteger();
    var first = new CountDownLatch(1);
    lanes.execute(
        SLOW,
        new Lanes.Job(
            () -> {
              first.countDown();
              await(release);
            },
            refused::incrementAndGet));
    assertThat(first.await(5, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 9; i++)
      lanes.execute(SLOW, new Lanes.Job(() -> await(release), refused::incrementAndGet));
    assertThat(refused.get()).as("one runs, three wait, six are refused").isEqualTo(6);
    assertThat(lanes.waiting()).isEqualTo(3);
    release.countDown();
  }

  @Test
  void a_request_that_waited_too_long_is_refused_not_run() throws Exception {
    var lanes =
        new Lanes(pool, 1, new Lanes.Shares(1, 1, 10, TimeUnit.MILLISECONDS.toNanos(50), NEVER));
    var release = new CountDownLatch(1);
    lanes.execute(SLOW, new Lanes.Job(() -> await(release), NOT_REFUSED));
    var refused = new CountDownLatch(1);
    var ran = new AtomicBoolean();
    lanes.execute(SLOW, new Lanes.Job(() -> ran.set(true), refused::countDown));
    Thread.sleep(100);
    release.countDown();
    assertThat(refused.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(ran).isFalse();
  }

  @Test
  void a_failing_request_does_not_take_its_lane_down() throws Exception {
    var lanes = new Lanes(pool, 1);
    var ran = new CountDownLatch(1);
    lanes.execute(
        QUICK,
        new Lanes.Job(
            () -> {
              throw new IllegalStateException("a request that failed unexpectedly");
            },
            NOT_REFUSED));
    lanes.execute(QUICK, new Lanes.Job(ran::countDown, NOT_REFUSED));
    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void a_lane_the_pool_refuses_leaves_nothing_behind() throws Exception {
    var refuse = new AtomicBoolean(true);
    var lanes =
        new Lanes(
            job -> {
              if (refuse.get()) throw new RejectedExecutionException("pool stopped");
              pool.execute(job);
            },
            1);
    assertThatThrownBy(() -> lanes.execute(QUICK, new Lanes.Job(() -> {}, NOT_REFUSED)))
        .isInstanceOf(RejectedExecutionException.class);
    assertThat(lanes.waiting()).isZero();

    refuse.set(false);
    var ran = new CountDownLatch(1);
    lanes.execute(QUICK, new Lanes.Job(ran::countDown, NOT_REFUSED));
    assertThat(ran.await(10, TimeUnit.SECONDS)).as("the refused lane was given back").isTrue();
  }

  @Test
  void a_request_holding_its_lane_too_long_guards_its_endpoint_while_it_runs() throws Exception {
    var lanes = new Lanes(pool, 4, new Lanes.Shares(1, 2, 100, NEVER, SLOW_AFTER));
    var release = new CountDownLatch(1);
    var running = new AtomicInteger();
    var most = new AtomicInteger();
    var done = new CountDownLatch(10);
    Runnable hold =
        () -> {
          most.accumulateAndGet(running.incrementAndGet(), Math::max);
          await(release);
          running.decrementAndGet();
          done.countDown();
        };
    lanes.execute(SLOW, new Lanes.Job(hold, NOT_REFUSED));
    Thread.sleep(50);
    for (int i = 1; i < 10; i++) lanes.execute(SLOW, new Lanes.Job(hold, NOT_REFUSED));
    Thread.sleep(50);
    assertThat(running.get())
        .as("the first request held its lane long, so the rest leave its share free")
        .isEqualTo(3);
    var quickRan = new CountDownLatch(1);
    lanes.execute(QUICK, new Lanes.Job(quickRan::countDown, NOT_REFUSED));
    assertThat(quickRan.await(5, TimeUnit.SECONDS)).isTrue();
    release.countDown();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(most.get()).isEqualTo(3);
  }

  @Test
  void an_endpoint_is_guarded_while_its_uses_are_slow_on_average_or_for_a_while_after_a_long_one() {
    long ms = TimeUnit.MILLISECONDS.toNanos(1);
    var behaviour = new Behaviour(100 * ms, 1_000 * ms);
    long now = 0;
    assertThat(behaviour.guarded(now)).as("new").isFalse();
    behaviour.finished(ms, now);
    assertThat(behaviour.guarded(now)).as("after a quick use").isFalse();
    behaviour.finished(500 * ms, now);
    assertThat(behaviour.guarded(now))
        .as("after one use past the usual bound among quick ones")
        .isFalse();
    for (int i = 0; i < 20; i++) behaviour.finished(150 * ms, now);
    assertThat(behaviour.guarded(now))
        .as("once its uses take longer than the bound on average")
        .isTrue();
    assertThat(behaviour.guarded(now + Behaviour.GUARD_AFTER_SLOW + 1))
        .as("while they still do")
        .isTrue();
    for (int i = 0; i < 20; i++) behaviour.finished(ms, now);
    assertThat(behaviour.guarded(now)).as("once they are quick again").isFalse();

    var another = new Behaviour(100 * ms, 1_000 * ms);
    for (int i = 0; i < 5; i++) another.finished(ms, now);
    another.finished(1_001 * ms, now);
    assertThat(another.guarded(now + 1)).as("after one use past the long bound").isTrue();
    for (int i = 0; i < 20; i++) another.finished(ms, now);
    assertThat(another.guarded(now + Behaviour.GUARD_AFTER_SLOW + 1))
        .as("quick since, after the guard time")
        .isFalse();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
