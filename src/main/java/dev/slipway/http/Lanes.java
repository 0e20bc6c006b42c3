package dev.slipway.http;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs in the order they came, on at most {@code width} threads of a pool at once: the
 * requests that work in the database, as many at a time as the database pool has connections.
 * A thread that finishes a job takes the next one waiting, so under load a job starts without a
 * thread being woken, and no job is overtaken.
 *
 * <p>Without it each such request took a pooled thread of its own and waited for a connection at
 * the transaction's gate. Measured on W1 (64 connections onto 16, two cores): in some rounds the
 * waiting threads fell into waking one another for permits that newcomers then took first, which
 * doubled the context switches per request and left single requests waiting 0.2 to 2 s while
 * the rest went through (bench/README.md).
 */
final class Lanes implements Executor {
  private static final Logger LOG = LoggerFactory.getLogger(Lanes.class);

  private final Executor threads;
  private final int width;
  private final Queue<Runnable> waiting;
  private final AtomicInteger running = new AtomicInteger();

  Lanes(Executor threads, int width) {
    this(threads, width, new ConcurrentLinkedQueue<>());
  }

  /** @param waiting where jobs wait, empty; a thread-safe queue, first in first out */
  Lanes(Executor threads, int width, Queue<Runnable> waiting) {
    if (width < 1) throw new IllegalArgumentException("width must be at least 1, not " + width);
    this.threads = threads;
    this.width = width;
    this.waiting = waiting;
  }

  @Override
  public void execute(Runnable job) {
    waiting.add(job);
    if (!claimLane()) return;
    try {
      threads.execute(this::drain);
    } catch (RejectedExecutionException e) {
      running.decrementAndGet();
      // a lane still running may have taken the job meanwhile; then it was not refused
      if (waiting.remove(job)) throw e;
    }
  }

  /** How many jobs wait for a lane. */
  int waiting() {
    return waiting.size();
  }

  private boolean claimLane() {
    for (int now = running.get(); now < width; now = running.get()) {
      if (running.compareAndSet(now, now + 1)) return true;
    }
    return false;
  }

  /**
   * Runs waiting jobs until there are none. A job added after the last look, by a caller that
   * found every lane taken, is seen either by that look or by the check after giving the lane up.
   */
  private void drain() {
    do {
      for (Runnable job = waiting.poll(); job != null; job = waiting.poll()) {
        try {
          job.run();
        } catch (RuntimeException e) {
          LOG.warn("a job in a lane failed", e);
        }
      }
      running.decrementAndGet();
    } while (!waiting.isEmpty() && claimLane());
  }
}
