package dev.slipway.ops;

import java.util.concurrent.TimeUnit;

/**
 * How an endpoint has used a shared resource lately (database lanes, sandbox workers): guarded
 * while its uses take longer than the resource's usual bound on average, and for {@link
 * #GUARD_AFTER_SLOW} after one use went on past its long bound; trusted otherwise. A guarded
 * endpoint may take only its share of the resource, so that a slow or hostile one cannot hold all
 * of it; a trusted one may use all of it. A new endpoint is trusted: a burst of quick calls to a
 * just-deployed endpoint must not be refused, and its owner reports a use that goes on too long
 * while it still runs ({@link #slow}), so a hostile one is guarded within one long bound.
 *
 * <p>One use past the usual bound does not guard: on a busy machine a quick endpoint's use now and
 * then takes longer (its first, in a worker whose JIT has not compiled it yet; one that waited for
 * a core behind a collector), and guarded for that, it lost lanes and workers to its org's truly
 * slow endpoints (issue 18, bench/fairness). Not thread-safe: its owner guards it.
 */
public final class Behaviour {
  /** How long an endpoint stays guarded after a slow use. */
  public static final long GUARD_AFTER_SLOW = TimeUnit.SECONDS.toNanos(10);

  /** How much a use weighs in the moving average: one eighth. */
  private static final int AVERAGE_OVER = 8;

  private final long slowAfter;
  private final long longAfter;
  private boolean slowLately;
  private long slowUntil;

  /** A moving average of how long its uses took, in nanoseconds, from its first; 0 before that. */
  private long usualNanos;

  /**
   * @param slowAfter how long its uses may take on average, in nanoseconds, and still count as
   *     quick
   * @param longAfter how long one use may go on, in nanoseconds, before the endpoint is guarded
   */
  public Behaviour(long slowAfter, long longAfter) {
    this.slowAfter = slowAfter;
    this.longAfter = longAfter;
  }

  /** How long one use may go on, in nanoseconds, before the endpoint is guarded. */
  public long longAfter() {
    return longAfter;
  }

  /**
   * Whether its uses take longer than the usual bound on average, or one went past the long bound
   * within the last {@link #GUARD_AFTER_SLOW} ({@link System#nanoTime} {@code now}). The average
   * moves only with uses, and a guarded endpoint is still used (its share), so an endpoint that
   * keeps looping stays guarded from one flood to the next, and one that has become quick again is
   * trusted after a few quick uses.
   */
  public boolean guarded(long now) {
    if (slowLately && now - slowUntil >= 0) slowLately = false;
    return slowLately || usualNanos > slowAfter;
  }

  /** Whether a use of it has ended. */
  public boolean used() {
    return usualNanos != 0;
  }

  /** A use ended, after {@code took} nanoseconds. */
  public void finished(long took, long now) {
    usualNanos =
        usualNanos == 0 ? Math.max(1, took) : usualNanos + (took - usualNanos) / AVERAGE_OVER;
    if (took > longAfter) slow(now);
  }

  /**
   * How many uses could start within {@code maxWaitNanos} with {@code atOnce} going at a time, by
   * how long its uses took lately (at least a millisecond each): as many as may wait for the
   * resource rather than be refused at once.
   */
  public long startableWithin(long maxWaitNanos, int atOnce) {
    return atOnce * (maxWaitNanos / Math.max(usualNanos, TimeUnit.MILLISECONDS.toNanos(1)));
  }

  /** A use went on past the long bound and may not have ended yet: guard from now on. */
  public void slow(long now) {
    slowLately = true;
    slowUntil = now + GUARD_AFTER_SLOW;
  }
}
