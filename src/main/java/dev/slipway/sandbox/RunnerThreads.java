package dev.slipway.sandbox;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads a sandbox worker runs scripts on, when a script that runs long is to yield the CPU
 * to the server but a short one is not. Everything in the worker runs at the lower priority
 * ({@code niceness}: the JIT, the collector, the warm-up, the timers) except the runner, the one
 * thread that takes the server's work and runs it. Once the script or compile it is on has run
 * for {@link #LONG_RUN} without a pause (a pause: waiting for the server's answer to a question),
 * the {@linkplain #tick ticker} lowers the runner too. A lowered thread cannot be raised again
 * without privileges, so after that run it hands the work to a new runner, which a spawner thread
 * kept at the normal priority starts, and ends. (GraalJS keeps nothing for a thread that has
 * ended: after 1,500 runs of 12 ms, each on a runner of its own, a worker held as many
 * {@code PolyglotThreadInfo}s as before them.)
 *
 * <p>Measured on W4 (two cores, busy): workers wholly at niceness 10 served ~28,500 req/s, with
 * runner threads ~31,000. But under the hostile corpus a script-free endpoint's p99 went past 2x
 * its quiet figure in 2 of 6 runs (1.2-8x), against 1.7-1.9x with the whole worker lowered, so
 * this is off unless {@code SLIPWAY_SANDBOX_SHORT_RUNS_AT_SERVER_PRIORITY} asks for it
 * (bench/README.md).
 */
final class RunnerThreads {

  /** How long a run may go on at the normal priority. */
  static final Duration LONG_RUN = Duration.ofMillis(10);

  private final ThreadPriorities priorities;
  private final int niceness;
  /** What the spawner is to start; it takes them one at a time. */
  private final BlockingQueue<Runnable> toStart;
  private final int spawnerThread;
  private final AtomicInteger numbers = new AtomicInteger();
  private volatile int runnerThread;
  /** When the current stretch of running began ({@link System#nanoTime}), or 0 when none runs. */
  private volatile long stretchSince;
  private volatile boolean lowered;

  private RunnerThreads(ThreadPriorities priorities, int niceness, BlockingQueue<Runnable> toStart, int spawnerThread) {
    this.priorities = priorities;
    this.niceness = niceness;
    this.toStart = toStart;
    this.spawnerThread = spawnerThread;
  }

  /**
   * Starts the spawner from the calling thread, which must still have the normal priority, and
   * lowers every other thread of the process, the caller among them: threads it starts from now
   * on start lowered.
   */
  static RunnerThreads start(ThreadPriorities priorities, int niceness) {
    var toStart = new LinkedBlockingQueue<Runnable>();
    var spawnerThread = new CompletableFuture<Integer>();
    Thread spawner = new Thread(() -> {
      spawnerThread.complete(priorities.currentThread());
      try {
        while (true) {
          toStart.take().run();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "runner-spawner");
    spawner.setDaemon(true);
    spawner.start();
    var threads = new RunnerThreads(priorities, niceness, toStart, spawnerThread.join());
    priorities.lowerAllBut(niceness, threads.spawnerThread);
    return threads;
  }

  /** Starts a new runner, at the normal priority, that does {@code work}. */
  void startRunner(Runnable work) {
    toStart.add(() -> new Thread(() -> {
      runnerThread = priorities.currentThread();
      lowered = false;
      // threads that an earlier runner started have its priority
      priorities.lowerAllBut(niceness, spawnerThread, runnerThread);
      work.run();
    }, "runner-" + numbers.incrementAndGet()).start());
  }

  /** The runner began, or went on after a pause, running a script or a compile. */
  void running() {
    stretchSince = Math.max(1, System.nanoTime());
  }

  /** The runner stopped running: the run ended, or it waits for the server's answer. */
  void paused() {
    stretchSince = 0;
  }

  /** Whether the runner was lowered, and must hand its work to a new one once its run is over. */
  boolean lowered() {
    return lowered;
  }

  /** Lowers the runner if its current stretch has gone on too long; called every few milliseconds. */
  void tick() {
    long since = stretchSince;
    if (since != 0 && !lowered && System.nanoTime() - since > LONG_RUN.toNanos()) {
      lowered = true;
      priorities.lower(runnerThread, niceness);
    }
  }
}
