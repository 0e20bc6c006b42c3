package dev.slipway.egress;

/**
 * Why a fetch did not produce a response. {@link #code} is stable (scripts may branch on it); the
 * message is shown to the script's author, so it explains the refusal or failure in their terms and
 * never carries class names or stack traces.
 */
public final class EgressException extends RuntimeException {
  /** The destination is refused by the org's egress policy (or is a blocked address). */
  public static final String DENIED = "egress_denied";

  /** The request itself is unusable: URL, scheme, method, headers or body size. */
  public static final String INVALID_REQUEST = "egress_invalid_request";

  /** DNS, connection, TLS or protocol failure, or the call's time ran out. */
  public static final String FAILED = "egress_failed";

  /** The response body exceeds {@link Egress#MAX_RESPONSE_BODY_BYTES}. */
  public static final String RESPONSE_TOO_LARGE = "egress_response_too_large";

  private final String code;

  private EgressException(String code, String message) {
    super(message);
    this.code = code;
  }

  public static EgressException denied(String message) {
    return new EgressException(DENIED, message);
  }

  public static EgressException invalidRequest(String message) {
    return new EgressException(INVALID_REQUEST, message);
  }

  public static EgressException failed(String message) {
    return new EgressException(FAILED, message);
  }

  public static EgressException responseTooLarge(String message) {
    return new EgressException(RESPONSE_TOO_LARGE, message);
  }

  /**
   * One of {@link #DENIED}, {@link #INVALID_REQUEST}, {@link #FAILED}, {@link #RESPONSE_TOO_LARGE}.
   */
  public String code() {
    return code;
  }
}
