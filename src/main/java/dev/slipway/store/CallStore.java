package dev.slipway.store;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.slipway.common.Json;
import dev.slipway.ops.CallKeeper;
import dev.slipway.ops.CallQuery;
import dev.slipway.ops.CallRecord;
import dev.slipway.ops.CallRollups;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kept call log ({@code slipway.calls}, migrations V10 and V13) and its rollups: batches of
 * calls written in one statement each into hourly partitions made ahead, the rollups added every
 * few seconds, calls searched newest first, and old partitions dropped whole.
 */
public final class CallStore implements CallKeeper {
  private static final Logger LOG = LoggerFactory.getLogger(CallStore.class);
  private static final DateTimeFormatter PARTITION_HOUR =
      DateTimeFormatter.ofPattern("yyyyMMddHH").withZone(ZoneOffset.UTC);
  private static final Duration MINUTE_ROLLUPS_KEPT = Duration.ofDays(2);

  /** How long and how much the call log keeps, and how long hourly rollups are kept. */
  public record Retention(Duration keepFor, long keepCalls, long keepBytes, Duration rollupsFor) {}

  private final PlatformTransactions platform;
  private final Retention retention;
  private final Clock clock;
  private final java.util.function.LongPredicate keeps;
  private final CallRollups rollups = new CallRollups();
  private final Set<Instant> partitions = new HashSet<>();

  /** How many calls each closed partition holds, counted once. */
  private final Map<String, Long> counted = new HashMap<>();

  /**
   * {@code keeps}: whether an org's calls are kept (one past its log storage quota has them summed,
   * not kept).
   */
  public CallStore(
      PlatformTransactions platform, Retention retention, java.util.function.LongPredicate keeps) {
    this(platform, retention, keeps, Clock.systemUTC());
  }

  CallStore(
      PlatformTransactions platform,
      Retention retention,
      java.util.function.LongPredicate keeps,
      Clock clock) {
    this.keeps = keeps;
    this.platform = platform;
    this.retention = retention;
    this.clock = clock;
  }

  /** Makes this hour's partition and the next, before the first call is kept. */
  public CallStore prepare() throws SQLException {
    ensurePartition(clock.instant());
    return this;
  }

  /** Keeps the calls of orgs' endpoints among {@code calls}, and sums them into the rollups. */
  @Override
  public void write(List<CallRecord> calls) throws SQLException {
    var kept = new ArrayList<CallRecord>(calls.size());
    for (CallRecord call : calls) {
      if (call.orgId() == 0 || call.endpoint() == null) continue;
      rollups.add(call);
      if (keeps.test(call.orgId())) kept.add(call);
    }
    if (!kept.isEmpty()) insert(kept);
  }

  /** The writer thread's COPY text, kept between batches so it does not grow anew each time. */
  private final StringBuilder copy = new StringBuilder(1 << 16);

  private static final String COPY =
      """
      copy slipway.calls (org_id, at, request_id, method, path, endpoint, version, release_id,
        status, duration_us, error, error_code, caller, client, request_bytes, response_bytes,
        script_cpu_us, db_us, egress_bytes, steps, request_body, response_body, bodies_truncated,
        query, content_type) from stdin""";

  /**
   * Writes the batch with one {@code COPY} (PostgreSQL's cheapest way in), in a transaction that
   * does not wait for its commit to reach the disk: a crash may lose the last moments of the log,
   * never a user's data, and the request path never waits on it either way.
   */
  private void insert(List<CallRecord> calls) throws SQLException {
    for (CallRecord call : calls) ensurePartition(call.at());
    copy.setLength(0);
    for (CallRecord call : calls) {
      var bodies = call.bodies();
      copy.append(call.orgId()).append('\t');
      copy.append(call.at()).append('\t');
      text(call.requestId());
      text(call.method());
      text(call.path());
      text(call.endpoint());
      copy.append(call.version()).append('\t');
      copy.append(call.releaseId()).append('\t');
      copy.append(call.status()).append('\t');
      copy.append(call.durationMicros()).append('\t');
      text(call.error());
      text(call.errorCode());
      text(call.caller());
      text(call.client());
      copy.append(call.requestBytes()).append('\t');
      copy.append(call.responseBytes()).append('\t');
      copy.append(call.cost().scriptCpuMicros()).append('\t');
      copy.append(call.cost().databaseMicros()).append('\t');
      copy.append(call.cost().egressBytes()).append('\t');
      steps(call.steps());
      text(bodies == null ? null : bodies.request());
      text(bodies == null ? null : bodies.response());
      copy.append(bodies != null && bodies.truncated() ? 't' : 'f').append('\t');
      text(bodies == null ? null : bodies.query());
      text(bodies == null ? null : bodies.contentType());
      copy.setCharAt(copy.length() - 1, '\n');
    }
    platform.system(
        c -> {
          try (var s = c.createStatement()) {
            s.execute("set local synchronous_commit = off");
          }
          try {
            return c.unwrap(org.postgresql.PGConnection.class)
                .getCopyAPI()
                .copyIn(COPY, new java.io.StringReader(copy.toString()));
          } catch (java.io.IOException e) {
            throw new SQLException("the call log's COPY could not be sent", e);
          }
        });
  }

  /** A text column in COPY's text format: {@code \\N} for null, backslash escapes, then a tab. */
  private void text(String value) {
    if (value == null) {
      copy.append("\\N\t");
      return;
    }
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      switch (ch) {
        case '\\' -> copy.append("\\\\");
        case '\t' -> copy.append("\\t");
        case '\n' -> copy.append("\\n");
        case '\r' -> copy.append("\\r");
        default -> copy.append(ch);
      }
    }
    copy.append('\t');
  }

  /** The steps as JSON text (their ids are plain identifiers), or null when none ran. */
  private void steps(List<CallRecord.StepTime> steps) {
    if (steps.isEmpty()) {
      copy.append("\\N\t");
      return;
    }
    copy.append('[');
    for (int i = 0; i < steps.size(); i++) {
      var step = steps.get(i);
      if (i > 0) copy.append(',');
      copy.append("{\"step\":\"")
          .append(step.step())
          .append("\",\"offsetMicros\":")
          .append(step.offsetMicros())
          .append(",\"micros\":")
          .append(step.micros())
          .append('}');
    }
    copy.append("]\t");
  }

  /** Makes the hourly partition {@code at} falls in, and the next, unless made before. */
  private void ensurePartition(Instant at) throws SQLException {
    Instant hour = at.truncatedTo(ChronoUnit.HOURS);
    if (partitions.contains(hour)) return;
    makePartition(hour);
    makePartition(hour.plus(1, ChronoUnit.HOURS));
  }

  private void makePartition(Instant hour) throws SQLException {
    if (partitions.contains(hour)) return;
    try {
      platform.system(
          c -> {
            try (var s = c.createStatement()) {
              s.execute(
                  // only rows added: the vacuum that inserts would start every few seconds under
                  // load rewrites each page and stalls the writes for a second or more
                  """
                  create table if not exists slipway.calls_%s partition of slipway.calls
                    for values from ('%s') to ('%s') with (autovacuum_vacuum_insert_threshold = -1)"""
                      .formatted(
                          PARTITION_HOUR.format(hour), hour, hour.plus(1, ChronoUnit.HOURS)));
            }
            return null;
          });
    } catch (SQLException e) {
      // another instance made it at the same moment
      if (!"42P07".equals(e.getSQLState()) && !"23505".equals(e.getSQLState())) throw e;
    }
    partitions.add(hour);
  }

  /** Adds the rollups summed so far to the database's; they come back on failure. */
  @Override
  public void flush() throws SQLException {
    CallRollups.Batch batch = rollups.take();
    if (batch.isEmpty()) return;
    try {
      platform.system(
          c -> {
            try (var s = c.createStatement()) {
              s.execute("set local synchronous_commit = off");
            }
            addSums(c, batch.sums());
            addDetails(c, batch.details());
            return null;
          });
    } catch (SQLException | RuntimeException e) {
      rollups.restore(batch);
      throw e;
    }
  }

  private static void addSums(Connection c, Map<CallRollups.Key, CallRollups.Sums> sums)
      throws SQLException {
    if (sums.isEmpty()) return;
    // rows in one order everywhere, so that two instances adding to the same rows never deadlock
    var keys =
        sums.keySet().stream()
            .sorted(
                Comparator.comparingLong(CallRollups.Key::org)
                    .thenComparing(CallRollups.Key::grain)
                    .thenComparing(CallRollups.Key::bucket)
                    .thenComparing(CallRollups.Key::endpoint)
                    .thenComparingInt(CallRollups.Key::version))
            .toList();
    var rows = new ArrayList<Object[]>(keys.size());
    for (CallRollups.Key key : keys) {
      CallRollups.Sums sum = sums.get(key);
      rows.add(
          new Object[] {
            key.org(),
            key.grain(),
            Timestamp.from(key.bucket()),
            key.endpoint(),
            key.version(),
            sum.calls,
            sum.byClass[2],
            sum.byClass[3],
            sum.byClass[4],
            sum.byClass[5],
            sum.durationMicros,
            sum.maxDurationMicros,
            countsLiteral(sum.durations),
            sum.bytesIn,
            sum.bytesOut,
            sum.scriptCpuMicros,
            sum.databaseMicros,
            sum.egressBytes,
            sum.logBytes
          });
    }
    String[] types = {
      "bigint",
      "text",
      "timestamptz",
      "text",
      "int4",
      "bigint",
      "bigint",
      "bigint",
      "bigint",
      "bigint",
      "bigint",
      "bigint",
      "text",
      "bigint",
      "bigint",
      "bigint",
      "bigint",
      "bigint",
      "bigint"
    };
    Sql.update(
        c,
        """
        insert into slipway.call_rollups as r (org_id, grain, bucket, endpoint, version, calls,
          status_2xx, status_3xx, status_4xx, status_5xx, duration_us, max_duration_us, durations,
          bytes_in, bytes_out, script_cpu_us, db_us, egress_bytes, log_bytes)
        select o, g, b, e, v, n, s2, s3, s4, s5, d, m, ds::bigint[], bi, bo, cpu, db, eg, lb
        from unnest(?::bigint[], ?::text[], ?::timestamptz[], ?::text[], ?::int[], ?::bigint[],
                    ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
                    ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
                    ?::bigint[])
          as t(o, g, b, e, v, n, s2, s3, s4, s5, d, m, ds, bi, bo, cpu, db, eg, lb)
        on conflict (org_id, grain, bucket, endpoint, version) do update set
          calls = r.calls + excluded.calls,
          status_2xx = r.status_2xx + excluded.status_2xx,
          status_3xx = r.status_3xx + excluded.status_3xx,
          status_4xx = r.status_4xx + excluded.status_4xx,
          status_5xx = r.status_5xx + excluded.status_5xx,
          duration_us = r.duration_us + excluded.duration_us,
          max_duration_us = greatest(r.max_duration_us, excluded.max_duration_us),
          durations = slipway.add_counts(r.durations, excluded.durations),
          bytes_in = r.bytes_in + excluded.bytes_in,
          bytes_out = r.bytes_out + excluded.bytes_out,
          script_cpu_us = r.script_cpu_us + excluded.script_cpu_us,
          db_us = r.db_us + excluded.db_us,
          egress_bytes = r.egress_bytes + excluded.egress_bytes,
          log_bytes = r.log_bytes + excluded.log_bytes""",
        Sql.columns(c, types, rows));
  }

  private static void addDetails(
      Connection c, Map<CallRollups.DetailKey, CallRollups.DetailSums> details)
      throws SQLException {
    if (details.isEmpty()) return;
    var keys =
        details.keySet().stream()
            .sorted(
                Comparator.comparingLong(CallRollups.DetailKey::org)
                    .thenComparing(CallRollups.DetailKey::bucket)
                    .thenComparing(CallRollups.DetailKey::kind)
                    .thenComparing(CallRollups.DetailKey::endpoint)
                    .thenComparingInt(CallRollups.DetailKey::version)
                    .thenComparing(CallRollups.DetailKey::name))
            .toList();
    var rows = new ArrayList<Object[]>(keys.size());
    for (CallRollups.DetailKey key : keys) {
      CallRollups.DetailSums sum = details.get(key);
      rows.add(
          new Object[] {
            key.org(),
            Timestamp.from(key.bucket()),
            key.endpoint(),
            key.version(),
            key.kind(),
            key.name(),
            sum.calls,
            sum.totalMicros,
            sum.maxMicros
          });
    }
    String[] types = {
      "bigint", "timestamptz", "text", "int4", "text", "text", "bigint", "bigint", "bigint"
    };
    Sql.update(
        c,
        """
        insert into slipway.call_rollup_details as r (org_id, bucket, endpoint, version, kind,
          name, calls, total_us, max_us)
        select * from unnest(?::bigint[], ?::timestamptz[], ?::text[], ?::int[], ?::text[],
                             ?::text[], ?::bigint[], ?::bigint[], ?::bigint[])
        on conflict (org_id, bucket, kind, endpoint, version, name) do update set
          calls = r.calls + excluded.calls,
          total_us = r.total_us + excluded.total_us,
          max_us = greatest(r.max_us, excluded.max_us)""",
        Sql.columns(c, types, rows));
  }

  /** A histogram as an array literal, its trailing empty buckets left out. */
  private static String countsLiteral(long[] counts) {
    int end = counts.length;
    while (end > 0 && counts[end - 1] == 0) end--;
    var literal = new StringBuilder(end * 3 + 2).append('{');
    for (int i = 0; i < end; i++) {
      if (i > 0) literal.append(',');
      literal.append(counts[i]);
    }
    return literal.append('}').toString();
  }

  /** Calls left out of the rollups because too many sums waited for the database. */
  public long rollupsDropped() {
    return rollups.dropped();
  }

  @Override
  public List<CallRecord> search(long org, CallQuery query, int limit) throws SQLException {
    var where = new StringBuilder("org_id = ?");
    var args = new ArrayList<Object>();
    args.add(org);
    condition(where, args, "endpoint = ?", query.endpoint());
    condition(where, args, "version = ?", query.version());
    condition(where, args, "status / 100 = ?", query.statusClass());
    condition(where, args, "error_code = ?", query.errorCode());
    condition(where, args, "caller = ?", query.caller());
    condition(where, args, "request_id = ?", query.requestId());
    condition(where, args, "at >= ?", timestamp(query.from()));
    condition(where, args, "at < ?", timestamp(query.to()));
    if (query.text() != null) {
      String pattern = "%" + query.text().replaceAll("([\\\\%_])", "\\\\$1") + "%";
      where.append(" and (error ilike ? or error_code ilike ?)");
      args.add(pattern);
      args.add(pattern);
    }
    if (query.before() != null) {
      where.append(" and (at, request_id collate \"C\") < (?, ? collate \"C\")");
      args.add(timestamp(query.before().at()));
      args.add(query.before().requestId());
    }
    args.add(limit);
    return platform.inOrg(
        org,
        c ->
            Sql.list(
                c,
                "select "
                    + COLUMNS
                    + ", null, null, false, null, null from slipway.calls where "
                    + where
                    + " order by at desc, request_id collate \"C\" desc limit ?",
                CallStore::call,
                args.toArray()));
  }

  @Override
  public java.util.Optional<CallRecord> find(long org, String requestId) throws SQLException {
    return platform
        .inOrg(
            org,
            c ->
                Sql.list(
                    c,
                    "select "
                        + COLUMNS
                        + ", request_body, response_body, bodies_truncated, query, content_type"
                        + " from slipway.calls"
                        + " where org_id = ? and request_id = ? order by at desc limit 1",
                    CallStore::call,
                    org,
                    requestId))
        .stream()
        .findFirst();
  }

  private static final String COLUMNS =
      "at, request_id, method, path, endpoint, version, org_id, release_id, status, duration_us,"
          + " error, error_code, caller, client, request_bytes, response_bytes, script_cpu_us,"
          + " db_us, egress_bytes, steps";

  private static CallRecord call(ResultSet rs) throws SQLException {
    String steps = rs.getString(20);
    String requestBody = rs.getString(21);
    String responseBody = rs.getString(22);
    return new CallRecord(
        rs.getTimestamp(1).toInstant(),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getInt(6),
        rs.getLong(7),
        rs.getLong(8),
        rs.getInt(9),
        rs.getLong(10),
        rs.getString(11),
        rs.getString(12),
        rs.getString(13),
        rs.getString(14),
        rs.getLong(15),
        rs.getLong(16),
        new CallRecord.Cost(rs.getLong(17), rs.getLong(18), rs.getLong(19)),
        steps == null ? List.of() : steps(steps),
        requestBody == null && responseBody == null
            ? null
            : new CallRecord.Bodies(
                rs.getString(24), rs.getString(25), requestBody, responseBody, rs.getBoolean(23)),
        null);
  }

  private static final TypeReference<List<CallRecord.StepTime>> STEPS = new TypeReference<>() {};

  private static List<CallRecord.StepTime> steps(String json) {
    try {
      return Json.MAPPER.readValue(json, STEPS);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void condition(
      StringBuilder where, List<Object> args, String condition, Object value) {
    if (value == null) return;
    where.append(" and ").append(condition);
    args.add(value);
  }

  private static Timestamp timestamp(Instant at) {
    return at == null ? null : Timestamp.from(at);
  }

  private static final long PRUNE_LOCK = 0x5_11_b_ca11_5L;

  /**
   * Makes the partitions of the next hours, drops those past the time kept and the oldest while the
   * calls or their bytes are over the caps (the newest partition then loses its oldest rows to the
   * calls' cap), and deletes rollups past their time.
   *
   * <p>The calls over the cap are those whose ids are older than the newest {@code keepCalls} ids
   * the sequence gave out (ids follow the order calls were written in): one scan, no count and no
   * sort. Counting them exactly and deleting the oldest by time took two CPUs for 1-2 s once a
   * minute under 13,000 calls a second, and stalled every endpoint's SQL for up to 300 ms
   * (bench/README: 2026-12-07). Two instances pruning at once delete the same calls.
   *
   * @return whether calls were deleted to keep the calls' cap: pruning again soon then keeps each
   *     delete small
   */
  @Override
  public boolean prune() throws SQLException {
    Instant now = clock.instant();
    ensurePartition(now);
    var hours = partitionHours();
    Instant oldestKept = now.minus(retention.keepFor());
    long calls = 0;
    long bytes = 0;
    for (var partition : hours) {
      calls += partition.calls;
      bytes += partition.bytes;
    }
    Instant currentHour = now.truncatedTo(ChronoUnit.HOURS);
    for (var partition : hours) {
      // the current hour's partition, and those made ahead, stay
      if (!partition.hour.isBefore(currentHour)) break;
      boolean expired = !partition.hour.plus(1, ChronoUnit.HOURS).isAfter(oldestKept);
      if (!expired && calls <= retention.keepCalls() && bytes <= retention.keepBytes()) break;
      drop(partition.name);
      partitions.remove(partition.hour);
      counted.remove(partition.name);
      calls -= partition.calls;
      bytes -= partition.bytes;
    }
    boolean over = calls > retention.keepCalls();
    return platform.system(
        c -> {
          // one instance at a time; maintenance takes one CPU, never the data plane's others
          Sql.list(c, "select pg_advisory_xact_lock(" + PRUNE_LOCK + ")", rs -> null);
          Sql.update(c, "set local max_parallel_workers_per_gather = 0");
          Sql.update(c, "delete from slipway.calls where at < ?", Timestamp.from(oldestKept));
          int overCap =
              over
                  ? Sql.update(
                      c,
                      """
                      delete from slipway.calls
                      where id <= (select last_value from slipway.call_ids) - ?""",
                      retention.keepCalls())
                  : 0;
          Sql.update(
              c,
              "delete from slipway.call_rollups where grain = 'minute' and bucket < ?",
              Timestamp.from(now.minus(MINUTE_ROLLUPS_KEPT)));
          Sql.update(
              c,
              "delete from slipway.call_rollups where grain <> 'minute' and bucket < ?",
              Timestamp.from(now.minus(retention.rollupsFor())));
          Sql.update(
              c,
              "delete from slipway.call_rollup_details where bucket < ?",
              Timestamp.from(now.minus(retention.rollupsFor())));
          return overCap > 0;
        });
  }

  private record Partition(String name, Instant hour, long calls, long bytes) {}

  /** The call log's partitions, oldest first, with their calls and bytes. */
  private List<Partition> partitionHours() throws SQLException {
    Instant current = clock.instant().truncatedTo(ChronoUnit.HOURS);
    var named =
        platform.system(
            c ->
                Sql.list(
                    c,
                    """
                    select c.relname, pg_total_relation_size(c.oid) from pg_inherits i
                    join pg_class c on c.oid = i.inhrelid
                    where i.inhparent = 'slipway.calls'::regclass order by c.relname""",
                    rs -> Map.entry(rs.getString(1), rs.getLong(2))));
    var found = new ArrayList<Partition>();
    for (var entry : named) {
      String name = entry.getKey();
      Instant hour;
      try {
        hour =
            java.time.LocalDateTime.parse(
                    name.substring("calls_".length()), DateTimeFormatter.ofPattern("yyyyMMddHH"))
                .toInstant(ZoneOffset.UTC);
      } catch (RuntimeException e) {
        LOG.warn("the call log's partition {} is not named by its hour; left alone", name);
        continue;
      }
      Long calls = counted.get(name);
      if (calls == null) {
        calls = platform.system(c -> count(c, name));
        if (hour.isBefore(current)) counted.put(name, calls);
      }
      found.add(new Partition(name, hour, calls, entry.getValue()));
    }
    return found;
  }

  /**
   * Above this many calls by PostgreSQL's estimate a partition's calls are estimated, not counted:
   * counting the current hour's once a minute read all of it, under a load of 15,000 calls a second
   * a million rows, in 0.4–0.6 s of two CPUs.
   */
  static final long COUNTED_UP_TO = 100_000;

  /**
   * The calls in a partition: counted while few, else PostgreSQL's estimate (its statistics, which
   * follow the inserts and deletes within seconds; the planner's count, which only a vacuum or an
   * analyze updates, before they have any).
   */
  private static long count(Connection c, String partition) throws SQLException {
    long estimate =
        Sql.id(
            c,
            """
            select case when s.n_live_tup > 0 then s.n_live_tup
                        else greatest(c.reltuples::bigint, 0) end
            from pg_class c left join pg_stat_all_tables s on s.relid = c.oid
            where c.oid = ?::regclass""",
            "slipway." + partition);
    return estimate > COUNTED_UP_TO
        ? estimate
        : Sql.id(c, "select count(*) from slipway." + partition);
  }

  private void drop(String partition) throws SQLException {
    platform.system(
        c -> {
          try (var s = c.createStatement()) {
            s.execute("drop table if exists slipway." + partition);
          }
          return null;
        });
  }
}
