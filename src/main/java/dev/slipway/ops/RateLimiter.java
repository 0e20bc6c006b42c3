package dev.slipway.ops;

import java.time.Duration;

/**
 * Token buckets by key: each holds up to {@code capacity} tokens and gains {@code
 * capacity-per-window} evenly; a call takes one token or is refused.
 */
public interface RateLimiter extends AutoCloseable {
  /**
   * A bucket's rule.
   *
   * @param limit tokens added per window
   * @param burst the most tokens the bucket holds
   */
  record Bucket(int limit, Duration window, int burst) {
    /** Milliseconds to gain one token. */
    double millisPerToken() {
      return (double) window.toMillis() / limit;
    }
  }

  /**
   * What one call got.
   *
   * @param remaining tokens left after this call
   * @param resetSeconds seconds until the bucket is full again
   * @param retryAfterSeconds for a refused call, seconds until a token is back (0 when allowed)
   */
  record Decision(
      boolean allowed, int limit, int remaining, long resetSeconds, long retryAfterSeconds) {
    /** What a call got from {@code bucket}, given whether it took a token and how many are left. */
    static Decision of(Bucket bucket, boolean allowed, double tokensLeft) {
      double perToken = bucket.millisPerToken();
      long reset = (long) Math.ceil((bucket.burst() - tokensLeft) * perToken / 1000);
      long retry = allowed ? 0 : Math.max(1, (long) Math.ceil((1 - tokensLeft) * perToken / 1000));
      return new Decision(allowed, bucket.limit(), (int) Math.floor(tokensLeft), reset, retry);
    }
  }

  Decision take(String key, Bucket bucket);

  @Override
  default void close() {}
}
