package dev.slipway.sandbox;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How one run of a script ended. A script failing is an outcome, not an exception: callers map
 * {@link Success} to the step's result, {@link Failure} to a script error (500) and
 * {@link Timeout} / {@link StatementLimit} to an exhausted budget (504).
 */
public sealed interface ScriptOutcome {

  /** What the script logged before it ended, in order. */
  List<LogLine> logs();

  /**
   * The script returned, or its promise resolved.
   *
   * @param value plain Java tree as produced by {@code JSON.stringify}: {@code LinkedHashMap<String,
   *              Object>}, {@code List}, {@code String}, {@code Long} (also for integral numbers
   *              such as {@code 3.0}), {@code Double}, {@code Boolean} or {@code null} ({@code
   *              undefined}, functions and non-finite numbers become null or are dropped as JSON
   *              does)
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
   * @param safeMessage the error's {@code name: message} as JavaScript shows it, with no Java
   *                    stack or class names; safe to show to the script's author
   */
  record Failure(String safeMessage, List<LogLine> logs, Duration elapsed) implements ScriptOutcome {
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
}
