package dev.slipway.runtime;

import dev.slipway.problem.ProblemException;
import dev.slipway.sandbox.ScriptOutcome;

/**
 * The problem a client gets for a script that reached a limit of the sandbox, one code per limit.
 */
final class ScriptLimits {
  private ScriptLimits() {}

  /**
   * @param outcome a {@link ScriptOutcome.Timeout}, {@link ScriptOutcome.StatementLimit} or {@link
   *     ScriptOutcome.Exceeded}
   * @param what who reached it, as the detail's subject: {@code "Step 'transform'"}
   */
  static ProblemException problem(ScriptOutcome outcome, String what) {
    return switch (outcome) {
      case ScriptOutcome.Timeout t ->
          new ProblemException(
              504,
              "script_timeout",
              "Gateway Timeout",
              what + " did not finish within " + t.limit().toMillis() + " ms and was stopped.");
      case ScriptOutcome.StatementLimit l ->
          new ProblemException(
              504,
              "script_statement_limit",
              "Gateway Timeout",
              what + " ran more than " + l.limit() + " statements and was stopped.");
      case ScriptOutcome.Exceeded e when e.limit() == ScriptOutcome.Limit.CAPACITY ->
          new ProblemException(
              503,
              e.limit().code(),
              "Service Unavailable",
              what + " could not start: " + e.detail() + ".",
              java.util.List.of(),
              java.util.Map.of("Retry-After", Long.toString(Math.max(1, e.retryAfterSeconds()))));
      case ScriptOutcome.Exceeded e ->
          new ProblemException(
              500,
              e.limit().code(),
              "Internal Server Error",
              what + " was stopped: " + e.detail() + ".");
      case ScriptOutcome.Success s -> throw new IllegalArgumentException("a success is no problem");
      case ScriptOutcome.Failure f ->
          throw new IllegalArgumentException("a failure is the caller's to describe");
    };
  }
}
