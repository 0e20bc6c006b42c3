package dev.slipway.spec;

import java.time.Duration;

/**
 * What starts a spec's steps: an HTTP request at its method and path (the default), or a job taken
 * from the org's queue. A spec with another trigger than HTTP has no method or path and is never
 * routed; it is stored with {@link #storedMethod} as its method.
 */
public sealed interface Trigger {
  Http HTTP = new Http();

  /** An HTTP request at the spec's method and path. */
  record Http() implements Trigger {}

  /**
   * A job handler: runs each job enqueued for it (an {@code enqueue} step, {@code ctx.enqueue}, or
   * {@code POST /api/jobs}) with the job's payload as its input body.
   *
   * @param attempts how many times a job is tried before it is dead (a job may say fewer or more)
   * @param backoff the wait before the second attempt; each later one waits twice the one before
   * @param maxBackoff the longest wait between attempts
   * @param timeout how long an attempt may run before it counts as failed
   * @param concurrency how many of its jobs run at once, across every instance
   */
  record Job(int attempts, Duration backoff, Duration maxBackoff, Duration timeout, int concurrency)
      implements Trigger {
    public static final Job DEFAULTS =
        new Job(5, Duration.ofSeconds(1), Duration.ofMinutes(10), Duration.ofSeconds(30), 10);

    /** The wait after failed attempt {@code attempt} (1 for the first): doubling, capped. */
    public Duration delayAfter(int attempt) {
      long millis = backoff.toMillis();
      for (int i = 1; i < attempt && millis < maxBackoff.toMillis(); i++) millis *= 2;
      return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }
  }

  /** The method a spec with this trigger is stored with ({@code JOB}); empty for HTTP. */
  default String storedMethod() {
    return switch (this) {
      case Http ignored -> "";
      case Job ignored -> "JOB";
    };
  }

  /** The trigger's name as a spec writes it. */
  default String kind() {
    return switch (this) {
      case Http ignored -> "http";
      case Job ignored -> "job";
    };
  }
}
