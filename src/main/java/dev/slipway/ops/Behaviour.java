package dev.slipway.ops;

import java.util.concurrent.TimeUnit;

/**
 * How an endpoint has used a shared resource lately (database lanes, sandbox workers): trusted
 * once its last {@link #TRUST} uses were all quick, guarded while it is new and for
 * {@link #GUARD_AFTER_SLOW} after any use that went on past the resource's bound. A guarded
 * endpoint may take only its share of the resource, so that a slow or hostile one cannot hold all
 * of it; a trusted one may use all of it. Not thread-safe: its owner guards it.
 */
public final class Behaviour {
  /** Quick uses in a row that earn trust. */
  public static final int TRUST = 16;
  /** How long an endpoint stays guarded after a slow use. */
  public static final long GUARD_AFTER_SLOW = TimeUnit.SECONDS.toNanos(10);

  private final long slowAfter;
  private int quickInARow;
  private boolean slowLately;
  private long slowUntil;

  /** @param slowAfter how long a use may take, in nanoseconds, and still count as quick */
  public Behaviour(long slowAfter) {
    this.slowAfter = slowAfter;
  }

  /** Whether the endpoint is to take only its share now ({@link System#nanoTime} {@code now}). */
  public boolean guarded(long now) {
    return quickInARow < TRUST || slowLately(now);
  }

  /** Whether a use went on past the bound within the last {@link #GUARD_AFTER_SLOW}. */
  public boolean slowLately(long now) {
    if (slowLately && now - slowUntil >= 0) slowLately = false;
    return slowLately;
  }

  /** A use ended, after {@code took} nanoseconds. */
  public void finished(long took, long now) {
    if (took > slowAfter) {
      slow(now);
    } else if (quickInARow < TRUST) {
      quickInARow++;
    }
  }

  /** A use went on past the bound and has not ended yet: guard at once. */
  public void slow(long now) {
    quickInARow = 0;
    slowLately = true;
    slowUntil = now + GUARD_AFTER_SLOW;
  }
}
