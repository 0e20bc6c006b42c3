package dev.slipway.ops;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/** Buckets in this process: a bucket idle for an hour is forgotten (it would be full by then). */
public final class LocalRateLimiter implements RateLimiter {
  private final Cache<String, State> buckets =
      Caffeine.newBuilder().maximumSize(1_000_000).expireAfterAccess(Duration.ofHours(1)).build();

  /** Tokens and when they were counted; guarded by its own lock. */
  private static final class State {
    double tokens;
    long counted;

    State(double tokens, long counted) {
      this.tokens = tokens;
      this.counted = counted;
    }
  }

  @Override
  public Decision take(String key, Bucket bucket) {
    long now = System.nanoTime();
    State state = buckets.get(key, k -> new State(bucket.burst(), now));
    synchronized (state) {
      double perToken = bucket.millisPerToken();
      state.tokens =
          Math.min(bucket.burst(), state.tokens + (now - state.counted) / 1e6 / perToken);
      state.counted = now;
      boolean allowed = state.tokens >= 1;
      if (allowed) state.tokens -= 1;
      return Decision.of(bucket, allowed, state.tokens);
    }
  }
}
