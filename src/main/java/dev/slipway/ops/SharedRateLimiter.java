package dev.slipway.ops;

import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis-backed limits that never fail a request: when Redis cannot be reached, calls are limited in
 * this process instead (each instance then allows the full rate on its own), a warning says so
 * once, and Redis is tried again every few seconds.
 */
public final class SharedRateLimiter implements RateLimiter {
  private static final Logger LOG = LoggerFactory.getLogger(SharedRateLimiter.class);
  private static final long RETRY_NANOS = Duration.ofSeconds(5).toNanos();

  private final Supplier<RateLimiter> connect;
  private final RateLimiter local = new LocalRateLimiter();
  private volatile RateLimiter redis;
  private volatile long retryAt;

  /**
   * @param connect makes a Redis limiter; it may throw when Redis is down
   */
  public SharedRateLimiter(Supplier<RateLimiter> connect) {
    this.connect = connect;
    this.redis = tryConnect();
  }

  private RateLimiter tryConnect() {
    try {
      RateLimiter connected = connect.get();
      LOG.info("rate limits are shared through Redis");
      return connected;
    } catch (RuntimeException e) {
      LOG.warn(
          "Redis is unreachable ({}): rate limits are per instance until it is back",
          e.getMessage());
      retryAt = System.nanoTime() + RETRY_NANOS;
      return null;
    }
  }

  @Override
  public Decision take(String key, Bucket bucket) {
    RateLimiter shared = redis;
    if (shared == null && System.nanoTime() - retryAt > 0) {
      synchronized (this) {
        if (redis == null && System.nanoTime() - retryAt > 0) redis = tryConnect();
        shared = redis;
      }
    }
    if (shared != null) {
      try {
        return shared.take(key, bucket);
      } catch (RuntimeException e) {
        synchronized (this) {
          if (redis == shared) {
            LOG.warn(
                "Redis failed ({}): rate limits are per instance until it is back", e.getMessage());
            redis = null;
            retryAt = System.nanoTime() + RETRY_NANOS;
            shared.close();
          }
        }
      }
    }
    return local.take(key, bucket);
  }

  @Override
  public void close() {
    RateLimiter shared = redis;
    if (shared != null) shared.close();
  }
}
