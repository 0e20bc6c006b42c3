package dev.slipway.runtime;

import dev.slipway.problem.ProblemException;
import java.sql.SQLException;

/**
 * Maps whatever went wrong in a pipeline to the problem the client gets. SQL errors are decoded by
 * SQLSTATE class (bad data 400, integrity 409, cancelled 504); a fault of the spec is a 500 whose
 * detail names the step for the author (in previews) and says nothing of it on the data plane.
 */
final class Failures {
  private Failures() {}

  static ProblemException toProblem(Throwable failure, String requestId, boolean preview) {
    return switch (failure) {
      case ProblemException problem -> problem;
      case SQLException sql -> fromSql(sql, requestId, preview);
      case CompiledStep.StepFailure step ->
          specFault(
              "step_failed",
              "Step '" + step.step + "' failed",
              step.getMessage(),
              requestId,
              preview);
      case SpecValue.ExpressionException expression ->
          specFault(
              "expression_failed",
              "An expression failed",
              expression.getMessage(),
              requestId,
              preview);
      default ->
          preview
              ? new ProblemException(
                  500,
                  "internal_error",
                  "Internal Server Error",
                  String.valueOf(failure.getMessage()))
              : ProblemException.internal(requestId);
    };
  }

  private static ProblemException fromSql(SQLException e, String requestId, boolean preview) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String message = firstLine(e.getMessage());
    if (state.startsWith("22")) {
      return ProblemException.badRequest(
          "invalid_parameter",
          "A value does not fit the database: " + message,
          java.util.List.of());
    }
    return switch (state) {
      case "23505", "23503" -> ProblemException.conflict("conflict", message);
      case "23502", "23514" ->
          ProblemException.badRequest("constraint_violated", message, java.util.List.of());
      case "57014" ->
          new ProblemException(
              504,
              "step_timeout",
              "Gateway Timeout",
              "A database statement ran past its time limit.");
      case "40001", "40P01" ->
          new ProblemException(
              503,
              "retry",
              "Service Unavailable",
              "The transaction conflicted with another; retry it.");
      default -> specFault("sql_failed", "A SQL step failed", message, requestId, preview);
    };
  }

  private static ProblemException specFault(
      String code, String what, String reason, String requestId, boolean preview) {
    String detail =
        preview
            ? what + ": " + reason
            : what + "; the log has the details under request id " + requestId + ".";
    return new ProblemException(500, code, "Internal Server Error", detail);
  }

  private static String firstLine(String message) {
    if (message == null) return "";
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
