package dev.slipway.spec;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * What starts a spec's steps: an HTTP request at its method and path (the default), a job taken
 * from the org's queue, or a schedule's tick (which enqueues a job); or, for a channel, what a GET
 * at its path subscribes to. A job handler or schedule has no method or path and is never routed;
 * it is stored with {@link #storedMethod} as its method.
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

  /**
   * A schedule: at each tick of a standard five-field cron expression in a time zone, one job is
   * enqueued for the spec (once across every instance), its payload {@code {"scheduledAt": ...}}.
   *
   * @param cron minute, hour, day of month, month, day of week ({@code 0 9 * * 1-5})
   * @param zone the time zone the expression is read in
   * @param missed what happens to ticks that passed while no instance was running
   * @param overlap what a tick does while the previous run is still queued or running
   * @param job how each run is tried (its concurrency is 1 when runs may not overlap)
   */
  record Schedule(String cron, ZoneId zone, Missed missed, Overlap overlap, Job job)
      implements Trigger {
    private static final CronParser PARSER =
        new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    /** Ticks that passed while no instance was running. */
    public enum Missed {
      /** Not run; the schedule goes on from the next tick. */
      SKIP,
      /** Each run, oldest first (at most {@link #MAX_CATCH_UP} of them, the latest). */
      CATCH_UP
    }

    /** A tick while the schedule's previous run is still queued or running. */
    public enum Overlap {
      /** The tick is skipped. */
      SKIP,
      /** The run is enqueued anyway and may run beside the other. */
      ALLOW
    }

    /** The most missed ticks a schedule catches up on at once. */
    public static final int MAX_CATCH_UP = 100;

    /**
     * The parsed expression; an {@link IllegalArgumentException} naming the mistake when it is not
     * a five-field cron expression.
     */
    public static Cron parse(String cron) {
      return PARSER.parse(cron).validate();
    }

    /** Each expression's parsed form, worked out once (a schedule's ticks are asked often). */
    private static final java.util.Map<String, ExecutionTime> TIMES =
        new java.util.concurrent.ConcurrentHashMap<>();

    /** The first tick strictly after {@code after}; empty when the expression has no more. */
    public Optional<Instant> next(Instant after) {
      if (TIMES.size() > 10_000) TIMES.clear();
      return TIMES
          .computeIfAbsent(cron, text -> ExecutionTime.forCron(parse(text)))
          .nextExecution(ZonedDateTime.ofInstant(after, zone))
          .map(ZonedDateTime::toInstant)
          // a tick is always later: guards a caller that walks ticks against a stuck one
          .filter(next -> next.isAfter(after));
    }
  }

  /**
   * A realtime channel: a GET at the spec's method and path subscribes the caller (after the spec's
   * auth) to a topic of the org, over Server-Sent Events or a WebSocket, and each message published
   * on it after the commit of an {@code emit} ({@code ctx.emit}, {@code slipway_runtime.emit}, or a
   * table's {@code publish_change} trigger) is sent to it.
   *
   * @param topic the topic: a value or {@code ${...}} over the request's input and {@code auth},
   *     worked out when the caller subscribes ({@code tenant.${auth.claims.tenant}})
   * @param filter a CEL expression over {@code message} (its data), {@code event}, {@code input}
   *     and {@code auth}: a message reaches a subscriber only when it is true
   * @param history how many of the topic's latest messages a subscriber that comes back with {@code
   *     Last-Event-ID} may be sent of those it missed
   * @param buffer how many messages may wait for a subscriber that reads slower than they come; one
   *     more and it is dropped with a clear reason
   */
  record Channel(
      com.fasterxml.jackson.databind.JsonNode topic,
      Optional<String> filter,
      int history,
      int buffer)
      implements Trigger {
    public static final int DEFAULT_HISTORY = 100;
    public static final int MAX_HISTORY = 1000;
    public static final int DEFAULT_BUFFER = 256;
    public static final int MAX_BUFFER = 10_000;
  }

  /** The job settings of a trigger that runs as jobs; empty for HTTP and channels. */
  default Optional<Job> jobSettings() {
    return switch (this) {
      case Http ignored -> Optional.empty();
      case Channel ignored -> Optional.empty();
      case Job job -> Optional.of(job);
      case Schedule schedule -> Optional.of(schedule.job());
    };
  }

  /**
   * The method a spec with this trigger is stored with ({@code JOB}, {@code CRON}); empty for HTTP.
   */
  default String storedMethod() {
    return switch (this) {
      case Http ignored -> "";
      case Channel ignored -> "";
      case Job ignored -> "JOB";
      case Schedule ignored -> "CRON";
    };
  }

  /** The trigger's name as a spec writes it. */
  default String kind() {
    return switch (this) {
      case Http ignored -> "http";
      case Channel ignored -> "channel";
      case Job ignored -> "job";
      case Schedule ignored -> "schedule";
    };
  }
}
