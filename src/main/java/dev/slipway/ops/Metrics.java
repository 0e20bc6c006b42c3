package dev.slipway.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Slipway's metrics in Prometheus's text format ({@code GET /metrics}): each endpoint's requests
 * and their latency, counted from the call log on its writer thread (so the request path does no
 * more than it did); and gauges read when scraped: the sandbox, the database pools, the recorder,
 * the JVM.
 */
public final class Metrics implements AutoCloseable {
  /** The latency histogram's bucket bounds. */
  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(1),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10)
  };

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();

  /** The writer thread's timers and counters, by endpoint and status class or code. */
  private final Map<RequestKey, Timer> timers = new HashMap<>();

  private final Map<ErrorKey, Counter> errors = new HashMap<>();

  /** Groups of gauges read from one snapshot per scrape, by their prefix. */
  private final Map<String, Supplier<Map<String, ?>>> groups = new ConcurrentHashMap<>();

  private final Map<String, Map<String, ?>> snapshots = new ConcurrentHashMap<>();

  private record RequestKey(long org, String endpoint, int statusClass) {}

  private record ErrorKey(long org, String endpoint, String code) {}

  public Metrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /**
   * Counts each call of an org's endpoint: {@code slipway_requests_seconds} (a histogram per org,
   * endpoint and status class) and {@code slipway_request_errors_total} (per problem code). Called
   * on the call log's writer thread only.
   */
  public Consumer<CallRecord> requests() {
    return call -> {
      if (call.orgId() == 0 || call.endpoint() == null) return;
      timers
          .computeIfAbsent(
              new RequestKey(call.orgId(), call.endpoint(), call.statusClass()),
              key ->
                  Timer.builder("slipway.requests")
                      .description("Data-plane calls answered, by endpoint and status class")
                      .tags(
                          Tags.of(
                              "org",
                              Long.toString(key.org()),
                              "endpoint",
                              key.endpoint(),
                              "status",
                              key.statusClass() + "xx"))
                      .serviceLevelObjectives(LATENCY_BUCKETS)
                      .register(registry))
          .record(call.durationMicros(), TimeUnit.MICROSECONDS);
      if (call.errorCode() != null)
        errors
            .computeIfAbsent(
                new ErrorKey(call.orgId(), call.endpoint(), call.errorCode()),
                key ->
                    Counter.builder("slipway.request.errors")
                        .description("Data-plane calls answered with a problem, by its code")
                        .tags(
                            "org",
                            Long.toString(key.org()),
                            "endpoint",
                            key.endpoint(),
                            "code",
                            key.code())
                        .register(registry))
            .increment();
    };
  }

  /**
   * Gauges {@code <prefix>_<name>} for each numeric entry of what {@code values} answers, read once
   * per scrape; its names (camelCase) become snake_case, and {@code total} (which Prometheus keeps
   * for counters) {@code connections}. The entries present at the first read are the gauges.
   */
  public void gauges(String prefix, String description, Supplier<Map<String, ?>> values) {
    groups.put(prefix, values);
    Map<String, ?> first = values.get();
    snapshots.put(prefix, first);
    first.forEach(
        (name, value) -> {
          if (!(value instanceof Number)) return;
          Gauge.builder(
                  prefix + "." + snake(name),
                  () -> {
                    Object now = snapshots.getOrDefault(prefix, Map.of()).get(name);
                    return now instanceof Number number ? number : Double.NaN;
                  })
              .description(description)
              .register(registry);
        });
  }

  /** The recorder's counts as gauges. */
  public static Map<String, ?> recorder(CallLog.Stats stats, long rollupsDropped) {
    var values = new LinkedHashMap<String, Object>();
    values.put("recorded", stats.recorded());
    values.put("kept", stats.kept());
    values.put("fellBehind", stats.fellBehind());
    values.put("notKept", stats.notKept());
    values.put("backlog", stats.backlog());
    values.put("rollupsDropped", rollupsDropped);
    return values;
  }

  /** Everything, in Prometheus's text format. */
  public String scrape() {
    groups.forEach(
        (prefix, values) -> {
          try {
            snapshots.put(prefix, values.get());
          } catch (RuntimeException e) {
            snapshots.put(prefix, Map.of());
          }
        });
    return registry.scrape();
  }

  private static String snake(String camel) {
    if (camel.equals("total")) return "connections";
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
