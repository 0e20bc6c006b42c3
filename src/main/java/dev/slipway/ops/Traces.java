package dev.slipway.ops;

import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.sdk.trace.IdGenerator;

/**
 * W3C trace context for data-plane calls: a call that came with a valid {@code traceparent} joins
 * its trace (sampled as it says); one without starts a trace of its own when Slipway exports
 * traces. Either way the call gets a span id of its own, which its outbound requests carry as their
 * parent.
 */
public final class Traces {
  private static final IdGenerator IDS = IdGenerator.random();

  private Traces() {}

  /**
   * The call's trace context; null when it is not traced ({@code exporting} is off and {@code
   * traceparent} is missing or not valid).
   */
  public static CallRecord.Trace start(String traceparent, boolean exporting) {
    CallRecord.Trace joined = join(traceparent);
    if (joined != null) return joined;
    return exporting
        ? new CallRecord.Trace(IDS.generateTraceId(), IDS.generateSpanId(), null, true)
        : null;
  }

  /** {@code 00-<trace id>-<parent span id>-<flags>} read into a new span of that trace. */
  private static CallRecord.Trace join(String traceparent) {
    if (traceparent == null || traceparent.length() < 55) return null;
    String[] parts = traceparent.strip().split("-");
    if (parts.length < 4
        || parts[0].length() != 2
        || parts[0].equals("ff")
        || !TraceId.isValid(parts[1])
        || !SpanId.isValid(parts[2])
        || parts[3].length() != 2
        || !parts[3].matches("[0-9a-f]{2}")) return null;
    boolean sampled = (Integer.parseInt(parts[3], 16) & 1) == 1;
    return new CallRecord.Trace(parts[1], IDS.generateSpanId(), parts[2], sampled);
  }

  /** The {@code traceparent} that requests made on the call's behalf carry. */
  public static String header(CallRecord.Trace trace) {
    return "00-" + trace.traceId() + "-" + trace.spanId() + "-" + (trace.sampled() ? "01" : "00");
  }
}
