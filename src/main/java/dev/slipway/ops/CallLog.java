package dev.slipway.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every data-plane call: one structured (logfmt) line on the {@code slipway.calls} logger,
 * which the logging configuration makes asynchronous so a request never waits on the log, and the
 * most recent calls in memory for {@code GET /api/logs}. Lock-free; safe from any thread.
 */
public final class CallLog {
  private static final Logger LOG = LoggerFactory.getLogger("slipway.calls");

  private final AtomicReferenceArray<CallRecord> recent;
  private final AtomicLong next = new AtomicLong();

  public CallLog(int capacity) {
    this.recent = new AtomicReferenceArray<>(capacity);
  }

  public void record(CallRecord call) {
    recent.set((int) (next.getAndIncrement() % recent.length()), call);
    if (call.status() >= 500) LOG.warn(format(call));
    else if (LOG.isInfoEnabled()) LOG.info(format(call));
  }

  /** Up to {@code limit} most recent calls, newest first. */
  public List<CallRecord> recent(int limit) {
    var calls = new ArrayList<CallRecord>(Math.min(limit, recent.length()));
    long end = next.get();
    for (long i = end - 1; i >= 0 && i >= end - recent.length() && calls.size() < limit; i--) {
      CallRecord call = recent.get((int) (i % recent.length()));
      if (call != null) calls.add(call);
    }
    return calls;
  }

  private static String format(CallRecord call) {
    var line = new StringBuilder(160)
        .append("call request_id=").append(call.requestId())
        .append(" method=").append(call.method())
        .append(" path=").append(quoted(call.path()))
        .append(" endpoint=").append(call.endpoint() == null ? "-" : call.endpoint())
        .append(" version=").append(call.version())
        .append(" release=").append(call.releaseId())
        .append(" status=").append(call.status())
        .append(" duration_ms=").append(String.format("%.3f", call.durationMicros() / 1000.0));
    if (call.error() != null) line.append(" error=").append(quoted(call.error()));
    return line.toString();
  }

  private static String quoted(String value) {
    boolean plain = value.chars().allMatch(c -> c > ' ' && c != '"' && c != '\\' && c < 127);
    return plain ? value : '"' + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
  }
}
