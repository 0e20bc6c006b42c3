package dev.slipway.ops;

import java.util.concurrent.TimeUnit;

/**
 * How an endpoint has used a shared resource lately (database lanes, sandbox workers): guarded for
 * {@link #GUARD_AFTER_SLOW} after any use that went on past the resource's bound, trusted
 * otherwise. A guarded endpoint may take only its share of the resource, so that a slow or hostile
 * one cannot hold all of it; a trusted one may use all of it. A new endpoint is trusted: a burst of
 * quick calls to a just-deployed endpoint must not be refused, and its owner reports a use that
 * goes on too long while it still runs ({@link #slow}), so a hostile one is guarded within one
 * bound. Not thread-safe: its owner guards it.
 */
public final class Behaviour {
  /** How long an endpoint stays guarded after a slow use. */
  public static final long GUARD_AFTER_SLOW = TimeUnit.SECONDS.toNanos(10);

  private final long slowAfter;
  private boolean slowLately;
  private long slowUntil;
  /** A moving average of how long its uses took, in nanoseconds; 0 before the first. */
  private long usualNanos;

  /** @param slowAfter how long a use may take, in nanoseconds, and still count as quick */
  public Behaviour(long slowAfter) {
    this.slowAfter = slowAfter;
  }

  /** How long a use may take, in nanoseconds, and still count as quick. */
  public long slowAfter() {
    return slowAfter;
  }

  /** Whether a use went on past the bound within the last {@link #GUARD_AFTER_SLOW} ({@link System#nanoTime} {@code now}). */
  public boolean guarded(long now) {
    if (slowLately && now - slowUntil >= 0) slowLately = false;
    return slowLately;
  }

  /** A use ended, after {@code took} nanoseconds. */
  public void finished(long took, long now) {
    usualNanos = usualNanos == 0 ? took : usualNanos + (took - usualNanos) / 8;
    if (took > slowAfter) slow(now);
  }

  /**
   * How many uses could start within {@code maxWaitNanos} with {@code atOnce} going at a time, by
   * how long its uses took lately (at least a millisecond each): as many as may wait for the
   * resource rather than be refused at once.
   */
  public long startableWithin(long maxWaitNanos, int atOnce) {
    return atOnce * (maxWaitNanos / Math.max(usualNanos, TimeUnit.MILLISECONDS.toNanos(1)));
  }

  /** A use went on past the bound and may not have ended yet: guard from now on. */
  public void slow(long now) {
    slowLately = true;
    slowUntil = now + GUARD_AFTER_SLOW;
  }
}
