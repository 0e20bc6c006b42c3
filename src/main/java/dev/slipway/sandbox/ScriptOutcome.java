package dev.slipway.sandbox;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How one run of a script ended. A script failing is an outcome, not an exception: callers map
 * {@link Success} to the step's result, {@link Failure} to a script error (500) and {@link Timeout}
 * / {@link StatementLimit} to an exhausted budget (504) and {@link Exceeded} to the limit it names
 * (500).
 */
public sealed interface ScriptOutcome {

  /** What the script logged before it ended, in order. */
  List<LogLine> logs();

  /**
   * The script returned, or its promise resolved.
   *
   * @param value plain Java tree as produced by {@code JSON.stringify}: {@code
   *     LinkedHashMap<String, Object>}, {@code List}, {@code String}, {@code Long} (also for
   *     integral numbers such as {@code 3.0}), {@code Double}, {@code Boolean} or {@code null}
   *     ({@code undefined}, functions and non-finite numbers become null or are dropped as JSON
   *     does)
   */
  record Success(Object value, List<LogLine> logs, Duration elapsed) implements ScriptOutcome {
    public Success {
      logs = List.copyOf(logs);
      Objects.requireNonNull(elapsed, "elapsed");
    }
  }

  /**
   * The script threw, or its promise was rejected, or its result could not be serialized.
   *
   * @param safeMessage the error's {@code name: message} as JavaScript shows it, with no Java stack
   *     or class names; safe to show to the script's author
   */
  record Failure(String safeMessage, List<LogLine> logs, Duration elapsed)
      implements ScriptOutcome {
    public Failure {
      Objects.requireNonNull(safeMessage, "safeMessage");
      logs = List.copyOf(logs);
      Objects.requireNonNull(elapsed, "elapsed");
    }
  }

  /**
   * The script did not finish within {@code limit}: it was still running and was cancelled, or it
   * left a promise that nothing can settle any more, or no context became free in time.
   */
  record Timeout(Duration limit, List<LogLine> logs) implements ScriptOutcome {
    public Timeout {
      Objects.requireNonNull(limit, "limit");
      logs = List.copyOf(logs);
    }
  }

  /** The script executed more than {@code limit} statements and was cancelled. */
  record StatementLimit(long limit, List<LogLine> logs, Duration elapsed) implements ScriptOutcome {
    public StatementLimit {
      logs = List.copyOf(logs);
      Objects.requireNonNull(elapsed, "elapsed");
    }
  }

  /** A limit of the sandbox other than time, each with the stable error code clients see. */
  enum Limit {
    /** The run's worker process ran out of heap and was replaced; its other work was unaffected. */
    MEMORY("script_memory_exceeded"),
    /** The result's JSON was larger than {@link SandboxLimits#MAX_OUTPUT_CHARS}. */
    OUTPUT("script_output_too_large"),
    /** The script logged more lines or characters than {@link HostBridge} keeps. */
    LOG("script_log_limit"),
    /** No sandbox worker came free within the timeout: the script did not run at all. */
    CAPACITY("sandbox_busy");

    private final String code;

    Limit(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  /**
   * The script went past {@code limit} and was stopped, or its result was dropped.
   *
   * @param detail what was exceeded and by how much; safe to show to the script's author
   * @param retryAfterSeconds for {@link Limit#CAPACITY}: when to try again; 0 otherwise
   */
  record Exceeded(
      Limit limit, String detail, List<LogLine> logs, Duration elapsed, long retryAfterSeconds)
      implements ScriptOutcome {
    public Exceeded {
      Objects.requireNonNull(limit, "limit");
      Objects.requireNonNull(detail, "detail");
      logs = List.copyOf(logs);
      Objects.requireNonNull(elapsed, "elapsed");
    }

    public Exceeded(Limit limit, String detail, List<LogLine> logs, Duration elapsed) {
      this(limit, detail, logs, elapsed, 0);
    }
  }
}
