package dev.slipway.problem;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A failure that answers the client with an RFC 9457 problem: the one exception type every layer
 * throws when a request cannot be served. {@link Problems} turns it into {@code
 * application/problem+json}; {@link #code} is stable and documented, {@link #detail} is safe to
 * show (it never carries internals — those go to the log, and {@link #reason} carries them there
 * when the detail deliberately says less).
 */
public class ProblemException extends RuntimeException {
  private final int status;
  private final String code;
  private final String title;
  private final List<Violation> errors;
  private final Map<String, String> headers;
  private final String reason;

  public ProblemException(
      int status,
      String code,
      String title,
      String detail,
      List<Violation> errors,
      Map<String, String> headers) {
    this(status, code, title, detail, errors, headers, null);
  }

  private ProblemException(
      int status,
      String code,
      String title,
      String detail,
      List<Violation> errors,
      Map<String, String> headers,
      String reason) {
    super(detail);
    this.status = status;
    this.code = code;
    this.title = title;
    this.errors = List.copyOf(errors);
    this.headers = Map.copyOf(headers);
    this.reason = reason;
  }

  public ProblemException(int status, String code, String title, String detail) {
    this(status, code, title, detail, List.of(), Map.of());
  }

  public static ProblemException badRequest(String code, String detail, List<Violation> errors) {
    return new ProblemException(400, code, "Bad Request", detail, errors, Map.of());
  }

  public static ProblemException notFound(String code, String detail) {
    return new ProblemException(404, code, "Not Found", detail);
  }

  public static ProblemException conflict(String code, String detail) {
    return new ProblemException(409, code, "Conflict", detail);
  }

  public static ProblemException unprocessable(String code, String detail, List<Violation> errors) {
    return new ProblemException(422, code, "Unprocessable Content", detail, errors, Map.of());
  }

  /** The problem every unexpected failure becomes: nothing of the cause reaches the client. */
  public static ProblemException internal(String requestId) {
    return new ProblemException(
        500,
        "internal_error",
        "Internal Server Error",
        "The server failed to handle the request"
            + (requestId == null
                ? "."
                : "; the log has the details under request id " + requestId + "."));
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String title() {
    return title;
  }

  public String detail() {
    return getMessage();
  }

  public List<Violation> errors() {
    return errors;
  }

  public Map<String, String> headers() {
    return headers;
  }

  /** This problem with another detail (the same detail made safe to show, say). */
  public ProblemException withDetail(String detail) {
    return new ProblemException(status, code, title, detail, errors, headers);
  }

  /**
   * This problem, with what went wrong behind its detail: for the call log, never sent to the
   * client.
   */
  public ProblemException because(String reason) {
    return new ProblemException(status, code, title, getMessage(), errors, headers, reason);
  }

  /**
   * What went wrong behind the detail, when the detail deliberately says less; for the log only.
   */
  public Optional<String> reason() {
    return Optional.ofNullable(reason);
  }
}
