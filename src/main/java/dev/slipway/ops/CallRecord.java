package dev.slipway.ops;

import java.time.Instant;
import java.util.List;

/**
 * One data-plane call, as logged.
 *
 * @param endpoint the endpoint's name, null when no route matched
 * @param version the endpoint version that served it, 0 when no route matched
 * @param orgId the org whose endpoint served it, 0 when no route matched (such calls are no org's)
 * @param error the internal reason of a failure (never sent to the client), null on success
 * @param errorCode the problem's {@code code} the caller got, null on success
 * @param caller who called: an API key's name or a JWT's subject, never a secret; null when public
 * @param client the client's address
 * @param requestBytes the request body's size
 * @param responseBytes the response body's size
 * @param cost what the call used beyond its own time
 * @param steps each step that ran, in order, with its time
 * @param bodies the request and response bodies, kept when the endpoint asks; null otherwise
 * @param trace the call's trace context; null when it is not traced
 */
public record CallRecord(
    Instant at,
    String requestId,
    String method,
    String path,
    String endpoint,
    int version,
    long orgId,
    long releaseId,
    int status,
    long durationMicros,
    String error,
    String errorCode,
    String caller,
    String client,
    long requestBytes,
    long responseBytes,
    Cost cost,
    List<StepTime> steps,
    Bodies bodies,
    Trace trace) {

  /** A call with only its route, status, time and error known. */
  public CallRecord(
      Instant at,
      String requestId,
      String method,
      String path,
      String endpoint,
      int version,
      long orgId,
      long releaseId,
      int status,
      long durationMicros,
      String error) {
    this(
        at,
        requestId,
        method,
        path,
        endpoint,
        version,
        orgId,
        releaseId,
        status,
        durationMicros,
        error,
        null,
        null,
        null,
        0,
        0,
        Cost.NONE,
        List.of(),
        null,
        null);
  }

  /** The status's class: 2 for 2xx, 4 for 4xx, and so on. */
  public int statusClass() {
    return status / 100;
  }

  /**
   * What a call used: its scripts' CPU time (in their workers), its time in the database, and the
   * bytes its scripts sent and received with {@code ctx.fetch}.
   */
  public record Cost(long scriptCpuMicros, long databaseMicros, long egressBytes) {
    public static final Cost NONE = new Cost(0, 0, 0);
  }

  /** One step's time in a call: when it began after the call did, and how long it took. */
  public record StepTime(String step, long offsetMicros, long micros) {}

  /**
   * The call's place in a distributed trace (W3C trace context): its trace, its own span, and the
   * caller's span when the request came with a {@code traceparent}.
   *
   * @param sampled whether the trace is to be exported
   */
  public record Trace(String traceId, String spanId, String parentSpanId, boolean sampled) {}

  /**
   * What the call log keeps of a call's exchange when its endpoint asks ({@code log.bodies}): the
   * query string and the request's content type, and the bodies, each cut to the endpoint's limit.
   * Never a header that may carry a credential.
   *
   * @param query the query string as sent, null when there was none
   * @param truncated whether either body was cut
   */
  public record Bodies(
      String query, String contentType, String request, String response, boolean truncated) {

    /** The exchange, each body cut to {@code maxBytes} (as UTF-8 text). */
    public static Bodies of(
        String query, String contentType, byte[] request, byte[] response, int maxBytes) {
      return new Bodies(
          query,
          contentType,
          text(request, maxBytes),
          text(response, maxBytes),
          request.length > maxBytes || response.length > maxBytes);
    }

    private static String text(byte[] body, int maxBytes) {
      return new String(
          body, 0, Math.min(body.length, maxBytes), java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
