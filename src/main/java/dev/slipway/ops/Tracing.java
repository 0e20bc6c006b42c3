package dev.slipway.ops;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Exports a span per traced call and one per step, over OTLP/HTTP, when {@code
 * SLIPWAY_OTLP_ENDPOINT} is set. The spans are made after the call, on the call log's writer
 * thread, from what its record holds (its trace context, its time and its steps' times), so the
 * request path only takes the trace context; they go in one export per write, and while {@link
 * #MAX_IN_FLIGHT} exports wait on the collector, further spans are counted and dropped.
 */
public final class Tracing implements AutoCloseable {
  private static final int MAX_IN_FLIGHT = 4;
  private static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.create("slipway");
  private static final IdGenerator IDS = IdGenerator.random();

  private final SpanExporter exporter;
  private final Resource resource;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong exported = new AtomicLong();

  /** Writer thread only: the spans of the calls taken since the last export. */
  private final List<SpanData> pending = new ArrayList<>();

  public Tracing(String endpoint, String serviceName) {
    this.exporter =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(endpoint)
            .setTimeout(Duration.ofSeconds(10))
            .build();
    this.resource =
        Resource.getDefault()
            .merge(
                Resource.create(
                    Attributes.of(AttributeKey.stringKey("service.name"), serviceName)));
  }

  /** Takes each call's spans (writer thread only); {@link #export} sends them. */
  public Consumer<CallRecord> spans() {
    return call -> {
      CallRecord.Trace trace = call.trace();
      if (trace == null || !trace.sampled() || call.endpoint() == null) return;
      pending.addAll(spansOf(call, trace));
    };
  }

  /** Sends the spans taken so far in one export, unless too many exports are waiting. */
  public void export() {
    if (pending.isEmpty()) return;
    var batch = List.copyOf(pending);
    pending.clear();
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      dropped.addAndGet(batch.size());
      return;
    }
    var result = exporter.export(batch);
    result.whenComplete(
        () -> {
          inFlight.decrementAndGet();
          if (result.isSuccess()) exported.addAndGet(batch.size());
          else dropped.addAndGet(batch.size());
        });
  }

  /** Spans exported and spans dropped (the collector failed or fell behind) since the start. */
  public long exported() {
    return exported.get();
  }

  public long dropped() {
    return dropped.get();
  }

  private List<SpanData> spansOf(CallRecord call, CallRecord.Trace trace) {
    long end = call.at().getEpochSecond() * 1_000_000_000L + call.at().getNano();
    long start = end - call.durationMicros() * 1000;
    var context =
        SpanContext.create(
            trace.traceId(), trace.spanId(), TraceFlags.getSampled(), TraceState.getDefault());
    var parent =
        trace.parentSpanId() == null
            ? SpanContext.getInvalid()
            : SpanContext.createFromRemoteParent(
                trace.traceId(),
                trace.parentSpanId(),
                TraceFlags.getSampled(),
                TraceState.getDefault());
    var attributes =
        Attributes.builder()
            .put("http.request.method", call.method())
            .put("url.path", call.path())
            .put("http.response.status_code", call.status())
            .put("slipway.request_id", call.requestId())
            .put("slipway.org", call.orgId())
            .put("slipway.endpoint", call.endpoint())
            .put("slipway.version", call.version())
            .put("slipway.release", call.releaseId());
    if (call.errorCode() != null) attributes.put("error.type", call.errorCode());
    if (call.caller() != null) attributes.put("slipway.caller", call.caller());
    var spans = new ArrayList<SpanData>(1 + call.steps().size());
    spans.add(
        new Span(
            call.method() + " " + call.endpoint(),
            SpanKind.SERVER,
            context,
            parent,
            call.status() >= 500
                ? StatusData.create(StatusCode.ERROR, call.errorCode())
                : StatusData.unset(),
            start,
            end,
            attributes.build(),
            resource));
    for (CallRecord.StepTime step : call.steps()) {
      long stepStart = Math.min(end, start + step.offsetMicros() * 1000);
      spans.add(
          new Span(
              "step " + step.step(),
              SpanKind.INTERNAL,
              SpanContext.create(
                  trace.traceId(),
                  IDS.generateSpanId(),
                  TraceFlags.getSampled(),
                  TraceState.getDefault()),
              context,
              StatusData.unset(),
              stepStart,
              Math.min(end, stepStart + step.micros() * 1000),
              Attributes.builder()
                  .put("slipway.step", step.step())
                  .put("slipway.request_id", call.requestId())
                  .build(),
              resource));
    }
    return spans;
  }

  /** A finished span as OTLP exports it. */
  private record Span(
      String name,
      SpanKind kind,
      SpanContext context,
      SpanContext parent,
      StatusData status,
      long startNanos,
      long endNanos,
      Attributes attributes,
      Resource resource)
      implements SpanData {
    @Override
    public String getName() {
      return name;
    }

    @Override
    public SpanKind getKind() {
      return kind;
    }

    @Override
    public SpanContext getSpanContext() {
      return context;
    }

    @Override
    public SpanContext getParentSpanContext() {
      return parent;
    }

    @Override
    public StatusData getStatus() {
      return status;
    }

    @Override
    public long getStartEpochNanos() {
      return startNanos;
    }

    @Override
    public Attributes getAttributes() {
      return attributes;
    }

    @Override
    public List<EventData> getEvents() {
      return List.of();
    }

    @Override
    public List<LinkData> getLinks() {
      return List.of();
    }

    @Override
    public long getEndEpochNanos() {
      return endNanos;
    }

    @Override
    public boolean hasEnded() {
      return true;
    }

    @Override
    public int getTotalRecordedEvents() {
      return 0;
    }

    @Override
    public int getTotalRecordedLinks() {
      return 0;
    }

    @Override
    public int getTotalAttributeCount() {
      return attributes.size();
    }

    @Override
    @SuppressWarnings("deprecation")
    public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
      return InstrumentationLibraryInfo.create(SCOPE.getName(), null);
    }

    @Override
    public InstrumentationScopeInfo getInstrumentationScopeInfo() {
      return SCOPE;
    }

    @Override
    public Resource getResource() {
      return resource;
    }
  }

  @Override
  public void close() {
    exporter.flush().join(5, TimeUnit.SECONDS);
    exporter.shutdown().join(5, TimeUnit.SECONDS);
  }
}
