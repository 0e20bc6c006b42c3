package dev.slipway.sandbox;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads a sandbox worker runs scripts on, so that a script that runs long yields the CPU to
 * the server but a short one does not. Once the worker has warmed up (at the normal priority: the
 * server waits for it), everything in it runs at the lower priority ({@code niceness}: the JIT, the
 * collector, the timers) except the runner, the one thread that takes the server's work and runs
 * it. Once the script it is on has used {@link #LONG_RUN} of CPU without a pause (a pause: waiting
 * for the server's answer to a question), the {@linkplain #tick ticker} lowers the runner to the
 * worker's niceness: a script that loops or grinds then takes little from the server, its database
 * and the short runs of other workers while they want the CPU (weight 110 against the server's 1024
 * at niceness 10), and no less than its own worker's JIT, which it waits on (at 19, a cold first
 * run that went past 10 ms starved behind its worker's JIT threads for seconds, past its deadline).
 * A lowered thread cannot be raised again without privileges, so after that run it hands the work
 * to a new runner, which a spawner thread kept at the normal priority starts, and ends. (GraalJS
 * keeps nothing for a thread that has ended: after 1,500 runs of 12 ms, each on a runner of its
 * own, a worker held as many {@code PolyglotThreadInfo}s as before them.) Compiles run on the
 * runner without being lowered: they are the platform's own work, done when a spec is saved.
 *
 * <p>This is the default where threads have priorities of their own (Linux). Before, a whole worker
 * ran under {@code SCHED_IDLE}, which kept a looping script from slowing anything, but also left
 * every script without a CPU while the server and its database were busy with other endpoints: on a
 * machine loaded by SQL endpoints, a short script endpoint answered 504 and 503 (issue 18,
 * bench/fairness).
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
  private final ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
  private volatile int runnerThread;

  /** The runner's Java thread id, for its CPU time. */
  private volatile long runnerId;

  /** The runner's CPU time when the current stretch of running began, or -1 when none runs. */
  private volatile long stretchCpuSince = -1;

  private volatile boolean lowered;

  private RunnerThreads(
      ThreadPriorities priorities,
      int niceness,
      BlockingQueue<Runnable> toStart,
      int spawnerThread) {
    this.priorities = priorities;
    this.niceness = niceness;
    this.toStart = toStart;
    this.spawnerThread = spawnerThread;
  }

  /**
   * Starts the spawner from the calling thread, which must still have the normal priority. The
   * process keeps that priority until {@link #lowerTheRest}: a worker starts and warms up as fast
   * as the server, which waits for it.
   */
  static RunnerThreads start(ThreadPriorities priorities, int niceness) {
    var toStart = new LinkedBlockingQueue<Runnable>();
    var spawnerThread = new CompletableFuture<Integer>();
    Thread spawner =
        new Thread(
            () -> {
              spawnerThread.complete(priorities.currentThread());
              try {
                while (true) {
                  toStart.take().run();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "runner-spawner");
    spawner.setDaemon(true);
    spawner.start();
    return new RunnerThreads(priorities, niceness, toStart, spawnerThread.join());
  }

  /**
   * Lowers every thread of the process but the spawner, the caller among them: threads it starts
   * from now on start lowered.
   */
  void lowerTheRest() {
    priorities.lowerAllBut(niceness, spawnerThread);
  }

  /** Starts a new runner, at the normal priority, that does {@code work}. */
  void startRunner(Runnable work) {
    toStart.add(
        () ->
            new Thread(
                    () -> {
                      runnerThread = priorities.currentThread();
                      runnerId = Thread.currentThread().threadId();
                      lowered = false;
                      // threads that an earlier runner started have its priority
                      priorities.lowerAllBut(niceness, spawnerThread, runnerThread);
                      work.run();
                    },
                    "runner-" + numbers.incrementAndGet())
                .start());
  }

  /** The runner began, or went on after a pause, running a script (called on the runner). */
  void running() {
    stretchCpuSince = cpu.getCurrentThreadCpuTime();
  }

  /** The runner stopped running: the run ended, or it waits for the server's answer. */
  void paused() {
    stretchCpuSince = -1;
  }

  /** Whether the runner was lowered, and must hand its work to a new one once its run is over. */
  boolean lowered() {
    return lowered;
  }

  /**
   * Lowers the runner if its current stretch has used the CPU too long; called every few
   * milliseconds. CPU time, not the clock: on a busy machine a short script can wait longer for a
   * core than it runs, and must not be lowered for that.
   */
  void tick() {
    long since = stretchCpuSince;
    if (since >= 0 && !lowered && cpu.getThreadCpuTime(runnerId) - since > LONG_RUN.toNanos()) {
      lowered = true;
      priorities.lower(runnerThread, niceness);
    }
  }
}
