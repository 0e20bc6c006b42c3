package dev.slipway.store;

import dev.slipway.ops.Durations;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the rollups the call log keeps ({@code slipway.call_rollups} and {@code
 * call_rollup_details}, migration V13) and the model usage (V11): analytics over a time range in
 * buckets, and usage per day. Never a scan of calls.
 */
public final class AnalyticsStore {
  private final PlatformTransactions platform;

  public AnalyticsStore(PlatformTransactions platform) {
    this.platform = platform;
  }

  /**
   * Which calls: the org's, from (inclusive) to (exclusive), optionally one endpoint and version.
   */
  public record Range(long org, Instant from, Instant to, String endpoint, Integer version) {}

  /** Sums of calls: counts by status class, durations, bytes, and what they used. */
  public record Sums(
      long calls,
      long[] byClass,
      long durationMicros,
      long maxDurationMicros,
      long[] durations,
      long bytesIn,
      long bytesOut,
      long scriptCpuMicros,
      long databaseMicros,
      long egressBytes,
      long logBytes) {
    public static final Sums NONE =
        new Sums(0, new long[6], 0, 0, new long[Durations.BUCKETS], 0, 0, 0, 0, 0, 0);

    /** Both together. */
    public Sums plus(Sums other) {
      long[] classes = new long[6];
      for (int i = 0; i < 6; i++) classes[i] = byClass[i] + other.byClass[i];
      long[] counts = new long[Durations.BUCKETS];
      for (int i = 0; i < counts.length; i++)
        counts[i] =
            (i < durations.length ? durations[i] : 0)
                + (i < other.durations.length ? other.durations[i] : 0);
      return new Sums(
          calls + other.calls,
          classes,
          durationMicros + other.durationMicros,
          Math.max(maxDurationMicros, other.maxDurationMicros),
          counts,
          bytesIn + other.bytesIn,
          bytesOut + other.bytesOut,
          scriptCpuMicros + other.scriptCpuMicros,
          databaseMicros + other.databaseMicros,
          egressBytes + other.egressBytes,
          logBytes + other.logBytes);
    }
  }

  /** The sums of one bucket of a series. */
  public record Point(Instant at, Sums sums) {}

  /** The sums of one endpoint version. */
  public record ByEndpoint(String endpoint, int version, Sums sums) {}

  /**
   * A detail's sums over the range: calls per problem code, per caller, or per step (with its total
   * and longest time).
   */
  public record Detail(
      String endpoint,
      Integer version,
      String name,
      long calls,
      long totalMicros,
      long maxMicros) {}

  private static final String SUMS =
      """
      sum(calls), sum(status_2xx), sum(status_3xx), sum(status_4xx), sum(status_5xx),
      sum(duration_us), max(max_duration_us), slipway.sum_counts(durations), sum(bytes_in),
      sum(bytes_out), sum(script_cpu_us), sum(db_us), sum(egress_bytes), sum(log_bytes)""";

  private static Sums sums(ResultSet rs, int first) throws SQLException {
    long[] classes = new long[6];
    for (int i = 0; i < 4; i++) classes[2 + i] = rs.getLong(first + 1 + i);
    return new Sums(
        rs.getLong(first),
        classes,
        rs.getLong(first + 5),
        rs.getLong(first + 6),
        counts(rs.getArray(first + 7)),
        rs.getLong(first + 8),
        rs.getLong(first + 9),
        rs.getLong(first + 10),
        rs.getLong(first + 11),
        rs.getLong(first + 12),
        rs.getLong(first + 13));
  }

  private static long[] counts(Array array) throws SQLException {
    long[] counts = new long[Durations.BUCKETS];
    if (array == null) return counts;
    Object[] values = (Object[]) array.getArray();
    for (int i = 0; i < values.length && i < counts.length; i++)
      counts[i] = ((Number) values[i]).longValue();
    return counts;
  }

  /**
   * The range's filter on rollups of one grain (null: details, which have none), and its arguments
   * after the org.
   */
  private static String where(Range range, String grain, List<Object> args) {
    var where = new StringBuilder("org_id = ?");
    args.add(range.org());
    if (grain != null) {
      where.append(" and grain = ?");
      args.add(grain);
    }
    where.append(" and bucket >= ? and bucket < ?");
    // rows are sums of a minute, an hour or a day: the one 'from' falls in counts whole (details
    // are by the hour)
    args.add(
        Timestamp.from(
            range
                .from()
                .truncatedTo(
                    switch (grain == null ? "hour" : grain) {
                      case "minute" -> java.time.temporal.ChronoUnit.MINUTES;
                      case "day" -> java.time.temporal.ChronoUnit.DAYS;
                      default -> java.time.temporal.ChronoUnit.HOURS;
                    })));
    args.add(Timestamp.from(range.to()));
    if (range.endpoint() != null) {
      where.append(" and endpoint = ?");
      args.add(range.endpoint());
    }
    if (range.version() != null) {
      where.append(" and version = ?");
      args.add(range.version());
    }
    return where.toString();
  }

  /** A series and the same calls per endpoint version (most called first). */
  public record Summary(List<Point> series, List<ByEndpoint> endpoints) {}

  /**
   * The range's series in buckets of {@code bucket} and its sums per endpoint version, from one
   * read of the rollups of {@code grain}: the rows are added up here, histograms included, which
   * costs PostgreSQL a plain scan instead of a SQL-language aggregate per row.
   */
  public Summary summary(Range range, String grain, Duration bucket) throws SQLException {
    var args = new ArrayList<Object>();
    args.add(bucket.toSeconds() + " seconds");
    String where = where(range, grain, args);
    var series = new java.util.TreeMap<Instant, Total>();
    var endpoints = new java.util.LinkedHashMap<Map.Entry<String, Integer>, Total>();
    platform.inOrg(
        range.org(),
        c -> {
          try (var ps =
              c.prepareStatement(
                  "select date_bin(?::interval, bucket, timestamptz '2000-01-01 00:00Z'), endpoint,"
                      + " version, calls, status_2xx, status_3xx, status_4xx, status_5xx,"
                      + " duration_us, max_duration_us, durations, bytes_in, bytes_out,"
                      + " script_cpu_us, db_us, egress_bytes, log_bytes"
                      + " from slipway.call_rollups where "
                      + where)) {
            Sql.bind(ps, args.toArray());
            try (var rs = ps.executeQuery()) {
              while (rs.next()) {
                Sums row = sums(rs, 4);
                series.computeIfAbsent(rs.getTimestamp(1).toInstant(), t -> new Total()).add(row);
                endpoints
                    .computeIfAbsent(Map.entry(rs.getString(2), rs.getInt(3)), e -> new Total())
                    .add(row);
              }
            }
          }
          return null;
        });
    var points = new ArrayList<Point>(series.size());
    series.forEach((at, total) -> points.add(new Point(at, total.sums())));
    var byEndpoint = new ArrayList<ByEndpoint>(endpoints.size());
    endpoints.forEach(
        (key, total) -> byEndpoint.add(new ByEndpoint(key.getKey(), key.getValue(), total.sums())));
    byEndpoint.sort(
        java.util.Comparator.comparingLong((ByEndpoint e) -> e.sums().calls())
            .reversed()
            .thenComparing(ByEndpoint::endpoint)
            .thenComparingInt(ByEndpoint::version));
    return new Summary(List.copyOf(points), List.copyOf(byEndpoint));
  }

  /** Sums added up in place, row by row. */
  private static final class Total {
    private Sums sums = Sums.NONE;
    private final long[] classes = new long[6];
    private final long[] durations = new long[Durations.BUCKETS];
    private long calls;
    private long durationMicros;
    private long maxDurationMicros;
    private long bytesIn;
    private long bytesOut;
    private long scriptCpuMicros;
    private long databaseMicros;
    private long egressBytes;
    private long logBytes;

    void add(Sums row) {
      calls += row.calls();
      for (int i = 0; i < classes.length; i++) classes[i] += row.byClass()[i];
      for (int i = 0; i < durations.length && i < row.durations().length; i++)
        durations[i] += row.durations()[i];
      durationMicros += row.durationMicros();
      maxDurationMicros = Math.max(maxDurationMicros, row.maxDurationMicros());
      bytesIn += row.bytesIn();
      bytesOut += row.bytesOut();
      scriptCpuMicros += row.scriptCpuMicros();
      databaseMicros += row.databaseMicros();
      egressBytes += row.egressBytes();
      logBytes += row.logBytes();
    }

    Sums sums() {
      return new Sums(
          calls,
          classes.clone(),
          durationMicros,
          maxDurationMicros,
          durations.clone(),
          bytesIn,
          bytesOut,
          scriptCpuMicros,
          databaseMicros,
          egressBytes,
          logBytes);
    }
  }

  /**
   * The range's details of one kind ({@code code}, {@code caller}, {@code step}), by the hours they
   * were summed in: per name (and, {@code perEndpoint}, per endpoint version), ordered by {@code
   * order} ({@code calls} or {@code average}), at most {@code limit}.
   */
  public List<Detail> details(
      Range range, String kind, boolean perEndpoint, String order, int limit) throws SQLException {
    // callers over more than two days are read by the day: the days at either end count whole
    boolean byDay =
        kind.equals("caller") && Duration.between(range.from(), range.to()).toHours() > 48;
    var args = new ArrayList<Object>();
    String where =
        where(
                byDay
                    ? new Range(
                        range.org(),
                        range.from().truncatedTo(java.time.temporal.ChronoUnit.DAYS),
                        range.to(),
                        range.endpoint(),
                        range.version())
                    : range,
                null,
                args)
            + " and kind = ?";
    args.add(byDay ? "caller_day" : kind);
    args.add(limit);
    String groups = perEndpoint ? "endpoint, version, name" : "name";
    String select = perEndpoint ? "endpoint, version, name" : "null, null, name";
    String orderBy =
        order.equals("average") ? "sum(total_us) / sum(calls) desc" : "sum(calls) desc";
    return platform.inOrg(
        range.org(),
        c ->
            Sql.list(
                c,
                "select "
                    + select
                    + ", sum(calls), sum(total_us), max(max_us) from slipway.call_rollup_details where "
                    + where
                    + " group by "
                    + groups
                    + " order by "
                    + orderBy
                    + ", name limit ?",
                rs ->
                    new Detail(
                        rs.getString(1),
                        rs.getObject(2) == null ? null : rs.getInt(2),
                        rs.getString(3),
                        rs.getLong(4),
                        rs.getLong(5),
                        rs.getLong(6)),
                args.toArray()));
  }

  /** One day's usage of one endpoint (all versions), or of the org's AI generation. */
  public record DayUsage(LocalDate day, String endpoint, Sums sums) {}

  /** The org's AI generation usage on one day. */
  public record ModelDay(LocalDate day, long inputTokens, long outputTokens, double costUsd) {}

  /** The range's usage per day and endpoint, from the daily rollups. */
  public List<DayUsage> usage(Range range) throws SQLException {
    var args = new ArrayList<Object>();
    String where = where(range, "day", args);
    return platform.inOrg(
        range.org(),
        c ->
            Sql.list(
                c,
                "select (bucket at time zone 'UTC')::date, endpoint, "
                    + SUMS
                    + " from slipway.call_rollups where "
                    + where
                    + " group by 1, 2 order by 1, 2",
                rs -> new DayUsage(rs.getObject(1, LocalDate.class), rs.getString(2), sums(rs, 3)),
                args.toArray()));
  }

  /** The range's AI generation tokens and cost per day. */
  public List<ModelDay> modelUsage(Range range) throws SQLException {
    return platform.inOrg(
        range.org(),
        c ->
            Sql.list(
                c,
                """
                select (date_trunc('day', at at time zone 'UTC'))::date, sum(input_tokens),
                       sum(output_tokens), sum(cost_usd)
                from slipway.model_usage where org_id = ? and at >= ? and at < ?
                group by 1 order by 1""",
                rs ->
                    new ModelDay(
                        rs.getObject(1, LocalDate.class),
                        rs.getLong(2),
                        rs.getLong(3),
                        rs.getDouble(4)),
                range.org(),
                Timestamp.from(range.from()),
                Timestamp.from(range.to())));
  }
}
