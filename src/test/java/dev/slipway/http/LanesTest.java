package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Requests that use the database run in order, a bounded number at a time, none left behind. */
class LanesTest {
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void at_most_width_jobs_run_at_once_and_every_job_runs() throws Exception {
    var lanes = new Lanes(pool, 3);
    int callers = 16;
    int perCaller = 500;
    var done = new CountDownLatch(callers * perCaller);
    var running = new AtomicInteger();
    var most = new AtomicInteger();
    var submitters = Executors.newFixedThreadPool(callers);
    try {
      for (int c = 0; c < callers; c++) {
        submitters.execute(() -> {
          for (int i = 0; i < perCaller; i++) {
            lanes.execute(() -> {
              most.accumulateAndGet(running.incrementAndGet(), Math::max);
              LockSupport.parkNanos(20_000);
              running.decrementAndGet();
              done.countDown();
            });
          }
        });
      }
      assertThat(done.await(60, TimeUnit.SECONDS)).as("every job ran").isTrue();
    } finally {
      submitters.shutdownNow();
    }
    assertThat(most.get()).isEqualTo(3);
    assertThat(lanes.waiting()).isZero();
  }

  @Test
  void a_job_added_as_the_last_lane_empties_out_still_runs() throws Exception {
    // The moment in question: the lane has found nothing more to do but still counts as taken,
    // so a caller adding a job then does not start a lane for it.
    var lateJob = new CountDownLatch(1);
    var addedLate = new AtomicBoolean();
    var lanes = new AtomicReference<Lanes>();
    var waiting = new ConcurrentLinkedQueue<Runnable>() {
      @Override
      public Runnable poll() {
        Runnable next = super.poll();
        if (next == null && addedLate.compareAndSet(false, true)) {
          CompletableFuture.runAsync(() -> lanes.get().execute(lateJob::countDown)).join();
        }
        return next;
      }
    };
    lanes.set(new Lanes(pool, 1, waiting));
    lanes.get().execute(() -> { });
    assertThat(lateJob.await(10, TimeUnit.SECONDS)).as("the job added at that moment ran").isTrue();
    assertThat(addedLate).isTrue();
  }

  @Test
  void jobs_start_in_the_order_they_came() throws Exception {
    var lanes = new Lanes(pool, 1);
    var release = new CountDownLatch(1);
    var holding = new CountDownLatch(1);
    lanes.execute(() -> {
      holding.countDown();
      await(release);
    });
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    List<Integer> order = new ArrayList<>();
    var done = new CountDownLatch(100);
    for (int i = 0; i < 100; i++) {
      int index = i;
      lanes.execute(() -> {
        order.add(index);
        done.countDown();
      });
    }
    assertThat(lanes.waiting()).isEqualTo(100);
    release.countDown();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(order).isSorted().hasSize(100);
  }

  @Test
  void a_failing_job_does_not_take_its_lane_down() throws Exception {
    var lanes = new Lanes(pool, 1);
    var ran = new CountDownLatch(1);
    lanes.execute(() -> {
      throw new IllegalStateException("a request that failed unexpectedly");
    });
    lanes.execute(ran::countDown);
    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void a_lane_the_pool_refuses_leaves_nothing_behind() throws Exception {
    var refuse = new AtomicBoolean(true);
    var lanes = new Lanes(job -> {
      if (refuse.get()) throw new RejectedExecutionException("pool stopped");
      pool.execute(job);
    }, 1);
    assertThatThrownBy(() -> lanes.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    assertThat(lanes.waiting()).isZero();

    refuse.set(false);
    var ran = new CountDownLatch(1);
    lanes.execute(ran::countDown);
    assertThat(ran.await(10, TimeUnit.SECONDS)).as("the refused lane was given back").isTrue();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
