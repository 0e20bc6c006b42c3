package dev.slipway.http;

import dev.slipway.ops.Durations;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.security.Action;
import dev.slipway.store.AnalyticsStore;
import dev.slipway.store.AnalyticsStore.Range;
import dev.slipway.store.AnalyticsStore.Sums;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Analytics ({@code GET /api/analytics}) and usage ({@code GET /api/usage}) of the org's endpoints,
 * read from the rollups the call log keeps as calls arrive.
 */
public final class AnalyticsRoutes implements Routes {
  /** The bucket sizes a series may have. */
  private static final Map<String, Duration> BUCKETS = new LinkedHashMap<>();

  static {
    for (String minutes : List.of("1", "5", "15", "30"))
      BUCKETS.put(minutes + "m", Duration.ofMinutes(Long.parseLong(minutes)));
    for (String hours : List.of("1", "3", "6", "12"))
      BUCKETS.put(hours + "h", Duration.ofHours(Long.parseLong(hours)));
    BUCKETS.put("1d", Duration.ofDays(1));
    BUCKETS.put("7d", Duration.ofDays(7));
  }

  /** How far back the minute rollups go; a finer series than an hour may not start earlier. */
  private static final Duration MINUTES_KEPT = Duration.ofDays(2);

  private static final int MAX_POINTS = 2_000;

  private final AnalyticsStore analytics;

  public AnalyticsRoutes(AnalyticsStore analytics) {
    this.analytics = analytics;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/api/analytics", this::analytics, Action.READ);
    routes.addHttpHandler(HandlerType.GET, "/api/usage", this::usage, Action.READ);
  }

  /** Sums as the API shows them: rates, percentiles and times in milliseconds. */
  record Figures(
      long calls,
      Map<String, Long> byStatusClass,
      double errorRate,
      double p50Ms,
      double p95Ms,
      double p99Ms,
      double averageMs,
      double maxMs,
      long bytesIn,
      long bytesOut) {
    static Figures of(Sums sums) {
      var classes = new LinkedHashMap<String, Long>();
      for (int c = 2; c <= 5; c++) classes.put(c + "xx", sums.byClass()[c]);
      long errors = sums.byClass()[4] + sums.byClass()[5];
      return new Figures(
          sums.calls(),
          classes,
          sums.calls() == 0 ? 0 : round((double) errors / sums.calls()),
          round(Durations.percentileMillis(sums.durations(), 0.50)),
          round(Durations.percentileMillis(sums.durations(), 0.95)),
          round(Durations.percentileMillis(sums.durations(), 0.99)),
          sums.calls() == 0 ? 0 : round(sums.durationMicros() / 1000.0 / sums.calls()),
          round(sums.maxDurationMicros() / 1000.0),
          sums.bytesIn(),
          sums.bytesOut());
    }
  }

  record Point(Instant at, Figures figures) {}

  record EndpointFigures(String endpoint, int version, Figures figures) {}

  record ErrorCount(String endpoint, Integer version, int status, String code, long calls) {}

  record StepTime(
      String endpoint, int version, String step, long calls, double averageMs, double maxMs) {}

  record CallerCount(String caller, long calls) {}

  record Analytics(
      Instant from,
      Instant to,
      String bucket,
      String endpoint,
      Integer version,
      Figures totals,
      List<Point> series,
      List<EndpointFigures> endpoints,
      List<ErrorCount> errors,
      List<StepTime> slowestSteps,
      List<CallerCount> topCallers) {}

  /**
   * {@code ?from=&to=&bucket=1h&endpoint=&version=}: the last 24 hours in hours unless asked
   * otherwise.
   */
  private void analytics(Context ctx) throws SQLException {
    var violations = new ArrayList<Violation>();
    Instant now = Instant.now();
    var to = Api.query(ctx, "to", Instant::parse, "must be an ISO-8601 instant", violations);
    var from = Api.query(ctx, "from", Instant::parse, "must be an ISO-8601 instant", violations);
    var bucketName =
        Api.query(
            ctx,
            "bucket",
            name -> {
              if (!BUCKETS.containsKey(name)) throw new IllegalArgumentException(name);
              return name;
            },
            "must be one of " + String.join(", ", BUCKETS.keySet()),
            violations);
    var version =
        Api.query(ctx, "version", Integer::valueOf, "must be a version number", violations);
    Instant end = to.orElse(now);
    Instant start = from.orElse(end.minus(1, ChronoUnit.DAYS));
    String name = bucketName.orElse("1h");
    Duration bucket = BUCKETS.getOrDefault(name, Duration.ofHours(1));
    // the coarsest rollups the bucket allows: 30 days by the day are a row per endpoint version
    // and day, not 24 of them
    String grain =
        bucket.compareTo(Duration.ofHours(1)) < 0
            ? "minute"
            : bucket.compareTo(Duration.ofDays(1)) < 0 ? "hour" : "day";
    if (!start.isBefore(end)) violations.add(new Violation("/query/from", "must be before 'to'"));
    else if (Duration.between(start, end).dividedBy(bucket) > MAX_POINTS)
      violations.add(
          new Violation(
              "/query/bucket", "makes more than " + MAX_POINTS + " points: take a larger one"));
    if (grain.equals("minute") && start.isBefore(now.minus(MINUTES_KEPT)))
      violations.add(
          new Violation(
              "/query/bucket",
              "buckets under an hour reach back 2 days only: take 1h or more, or a later 'from'"));
    if (!violations.isEmpty())
      throw ProblemException.unprocessable(
          "invalid_query", "The analytics query is not valid.", violations);

    String endpoint = Api.queryText(ctx, "endpoint");
    var range = new Range(Api.actor(ctx).orgId(), start, end, endpoint, version.orElse(null));
    var summary = analytics.summary(range, grain, bucket);
    var series = summary.series();
    Sums totals = Sums.NONE;
    for (var point : series) totals = totals.plus(point.sums());
    var endpoints =
        summary.endpoints().stream()
            .map(e -> new EndpointFigures(e.endpoint(), e.version(), Figures.of(e.sums())))
            .toList();
    var errors =
        analytics.details(range, "code", true, "calls", 20).stream()
            .map(
                d -> {
                  int space = d.name().indexOf(' ');
                  return new ErrorCount(
                      d.endpoint(),
                      d.version(),
                      Integer.parseInt(d.name().substring(0, space)),
                      d.name().substring(space + 1),
                      d.calls());
                })
            .toList();
    var steps =
        analytics.details(range, "step", true, "average", 10).stream()
            .map(
                d ->
                    new StepTime(
                        d.endpoint(),
                        d.version(),
                        d.name(),
                        d.calls(),
                        round(d.totalMicros() / 1000.0 / d.calls()),
                        round(d.maxMicros() / 1000.0)))
            .toList();
    var callers =
        analytics.details(range, "caller", false, "calls", 10).stream()
            .map(d -> new CallerCount(d.name(), d.calls()))
            .toList();
    Api.json(
        ctx,
        200,
        new Analytics(
            start,
            end,
            name,
            endpoint,
            version.orElse(null),
            Figures.of(totals),
            series.stream().map(p -> new Point(p.at(), Figures.of(p.sums()))).toList(),
            endpoints,
            errors,
            steps,
            callers));
  }

  /** What calls used: counts, script CPU, database time, bytes, log storage. */
  record Used(
      long calls,
      double scriptCpuMs,
      double databaseMs,
      long egressBytes,
      long bytesOut,
      long logBytes) {
    static Used of(Sums sums) {
      return new Used(
          sums.calls(),
          round(sums.scriptCpuMicros() / 1000.0),
          round(sums.databaseMicros() / 1000.0),
          sums.egressBytes(),
          sums.bytesOut(),
          sums.logBytes());
    }
  }

  record EndpointUse(String endpoint, Used used) {}

  record Ai(long inputTokens, long outputTokens, double costUsd) {}

  record Day(LocalDate day, Used used, Ai ai, List<EndpointUse> endpoints) {}

  record Usage(LocalDate from, LocalDate to, Used total, Ai ai, List<Day> days) {}

  /**
   * {@code ?from=&to=} (days, UTC, both included; the last 30 days unless asked) and {@code
   * endpoint}.
   */
  private void usage(Context ctx) throws SQLException {
    var violations = new ArrayList<Violation>();
    var to = Api.query(ctx, "to", LocalDate::parse, "must be a date (2026-12-01)", violations);
    var from = Api.query(ctx, "from", LocalDate::parse, "must be a date (2026-12-01)", violations);
    LocalDate last = to.orElse(LocalDate.now(java.time.ZoneOffset.UTC));
    LocalDate first = from.orElse(last.minusDays(29));
    if (first.isAfter(last)) violations.add(new Violation("/query/from", "must not be after 'to'"));
    else if (ChronoUnit.DAYS.between(first, last) > 400)
      violations.add(new Violation("/query/from", "reaches more than 400 days before 'to'"));
    if (!violations.isEmpty())
      throw ProblemException.unprocessable(
          "invalid_query", "The usage query is not valid.", violations);
    var range =
        new Range(
            Api.actor(ctx).orgId(),
            first.atStartOfDay(java.time.ZoneOffset.UTC).toInstant(),
            last.plusDays(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant(),
            Api.queryText(ctx, "endpoint"),
            null);
    var byDay = new TreeMap<LocalDate, List<AnalyticsStore.DayUsage>>();
    for (var use : analytics.usage(range))
      byDay.computeIfAbsent(use.day(), d -> new ArrayList<>()).add(use);
    var models = new TreeMap<LocalDate, AnalyticsStore.ModelDay>();
    if (range.endpoint() == null)
      for (var model : analytics.modelUsage(range)) models.put(model.day(), model);
    var days = new ArrayList<Day>();
    Sums total = Sums.NONE;
    var ai = new Ai(0, 0, 0);
    for (LocalDate day = first; !day.isAfter(last); day = day.plusDays(1)) {
      var uses = byDay.getOrDefault(day, List.of());
      Sums sums = Sums.NONE;
      for (var use : uses) sums = sums.plus(use.sums());
      total = total.plus(sums);
      var model = models.get(day);
      var dayAi =
          model == null
              ? new Ai(0, 0, 0)
              : new Ai(model.inputTokens(), model.outputTokens(), model.costUsd());
      ai =
          new Ai(
              ai.inputTokens() + dayAi.inputTokens(),
              ai.outputTokens() + dayAi.outputTokens(),
              ai.costUsd() + dayAi.costUsd());
      days.add(
          new Day(
              day,
              Used.of(sums),
              dayAi,
              uses.stream().map(u -> new EndpointUse(u.endpoint(), Used.of(u.sums()))).toList()));
    }
    Api.json(ctx, 200, new Usage(first, last, Used.of(total), ai, days));
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
