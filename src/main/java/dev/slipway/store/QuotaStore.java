package dev.slipway.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Cost control's rows (migration V14): each org's quotas, its auto-pause setting and its paused
 * endpoints; and what quotas are measured against, read from the rollups.
 */
public final class QuotaStore {

  /** An org's quotas; an empty one has no limit. */
  public record Quotas(
      Optional<Integer> endpoints,
      Optional<Long> callsPerDay,
      Optional<Long> callsPerMonth,
      Optional<Long> scriptCpuSecondsPerDay,
      Optional<Long> logMb) {
    public static final Quotas NONE =
        new Quotas(
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty());

    public boolean any() {
      return !equals(NONE);
    }
  }

  /** The org's quotas; none when the operator set none. */
  public Quotas quotas(Connection c, long org) throws SQLException {
    return Sql.list(
            c,
            "select endpoints, calls_per_day, calls_per_month, script_cpu_seconds_per_day, log_mb"
                + " from slipway.org_quotas where org_id = ?",
            QuotaStore::quotas,
            org)
        .stream()
        .findFirst()
        .orElse(Quotas.NONE);
  }

  /** Every org's quotas that has any. */
  public List<java.util.Map.Entry<Long, Quotas>> all(Connection c) throws SQLException {
    return Sql.list(
        c,
        "select endpoints, calls_per_day, calls_per_month, script_cpu_seconds_per_day, log_mb, org_id"
            + " from slipway.org_quotas",
        rs -> java.util.Map.entry(rs.getLong(6), quotas(rs)));
  }

  private static Quotas quotas(ResultSet rs) throws SQLException {
    return new Quotas(
        Optional.ofNullable((Integer) rs.getObject(1)),
        Optional.ofNullable((Long) rs.getObject(2)),
        Optional.ofNullable((Long) rs.getObject(3)),
        Optional.ofNullable((Long) rs.getObject(4)),
        Optional.ofNullable((Long) rs.getObject(5)));
  }

  /** Sets the org's quotas (the operator's: as Slipway's own user). */
  public void set(Connection c, long org, Quotas quotas) throws SQLException {
    Sql.update(
        c,
        """
        insert into slipway.org_quotas (org_id, endpoints, calls_per_day, calls_per_month,
          script_cpu_seconds_per_day, log_mb)
        values (?, ?, ?, ?, ?, ?)
        on conflict (org_id) do update set endpoints = excluded.endpoints,
          calls_per_day = excluded.calls_per_day, calls_per_month = excluded.calls_per_month,
          script_cpu_seconds_per_day = excluded.script_cpu_seconds_per_day,
          log_mb = excluded.log_mb, updated_at = now()""",
        org,
        quotas.endpoints().orElse(null),
        quotas.callsPerDay().orElse(null),
        quotas.callsPerMonth().orElse(null),
        quotas.scriptCpuSecondsPerDay().orElse(null),
        quotas.logMb().orElse(null));
  }

  /** How many endpoints the org has, and whether one is named {@code name}. */
  public record EndpointCount(long endpoints, boolean named) {}

  public EndpointCount endpoints(Connection c, long org, String name) throws SQLException {
    return Sql.list(
            c,
            "select count(*), coalesce(bool_or(name = ?), false) from slipway.endpoints where org_id = ?",
            rs -> new EndpointCount(rs.getLong(1), rs.getBoolean(2)),
            name,
            org)
        .getFirst();
  }

  /**
   * What the org's quotas are measured against: calls since the start of the day and of the month,
   * script CPU seconds since the start of the day, and the bytes its kept calls take (those of the
   * days of the last {@code keptFor}).
   */
  public record Use(
      long callsToday, long callsThisMonth, double scriptCpuSecondsToday, long logBytes) {}

  public Use use(Connection c, long org, Instant day, Instant month, Duration keptFor)
      throws SQLException {
    // by the day's rollups: a handful of rows per endpoint, read every few seconds
    Instant keptFrom = Instant.now().minus(keptFor).truncatedTo(java.time.temporal.ChronoUnit.DAYS);
    return Sql.list(
            c,
            """
            select coalesce(sum(calls) filter (where bucket >= ?), 0),
                   coalesce(sum(calls) filter (where bucket >= ?), 0),
                   coalesce(sum(script_cpu_us) filter (where bucket >= ?), 0),
                   coalesce(sum(log_bytes) filter (where bucket >= ?), 0)
            from slipway.call_rollups
            where org_id = ? and grain = 'day' and bucket >= least(?::timestamptz, ?::timestamptz)""",
            rs -> new Use(rs.getLong(1), rs.getLong(2), rs.getLong(3) / 1e6, rs.getLong(4)),
            Timestamp.from(day),
            Timestamp.from(month),
            Timestamp.from(day),
            Timestamp.from(keptFrom),
            org,
            Timestamp.from(month),
            Timestamp.from(keptFrom))
        .getFirst();
  }

  /** The org's auto-pause period; empty when it is off. */
  public Optional<Duration> autoPause(Connection c, long org) throws SQLException {
    return Sql.list(
            c,
            "select after_s from slipway.auto_pause where org_id = ?",
            rs -> Duration.ofSeconds(rs.getLong(1)),
            org)
        .stream()
        .findFirst();
  }

  /** Every org's auto-pause period. */
  public List<java.util.Map.Entry<Long, Duration>> autoPauses(Connection c) throws SQLException {
    return Sql.list(
        c,
        "select org_id, after_s from slipway.auto_pause",
        rs -> java.util.Map.entry(rs.getLong(1), Duration.ofSeconds(rs.getLong(2))));
  }

  public void setAutoPause(Connection c, long org, Optional<Duration> after) throws SQLException {
    if (after.isEmpty()) {
      Sql.update(c, "delete from slipway.auto_pause where org_id = ?", org);
      return;
    }
    Sql.update(
        c,
        """
        insert into slipway.auto_pause (org_id, after_s) values (?, ?)
        on conflict (org_id) do update set after_s = excluded.after_s""",
        org,
        after.get().toSeconds());
  }

  /** A paused endpoint. */
  public record Pause(long org, String endpoint, Instant pausedAt, String reason) {}

  /** Every paused endpoint (of the org the transaction is in, or of all). */
  public List<Pause> pauses(Connection c) throws SQLException {
    return Sql.list(
        c,
        """
        select org_id, endpoint, paused_at, reason from slipway.endpoint_pauses
        where resumed_at is null order by org_id, endpoint""",
        rs ->
            new Pause(
                rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getString(4)));
  }

  /** Pauses an endpoint; false when it was paused already. */
  public boolean pause(Connection c, long org, String endpoint, String reason) throws SQLException {
    return Sql.update(
            c,
            """
            insert into slipway.endpoint_pauses (org_id, endpoint, reason) values (?, ?, ?)
            on conflict (org_id, endpoint) do update
              set paused_at = now(), reason = excluded.reason, resumed_at = null
              where endpoint_pauses.resumed_at is not null""",
            org,
            endpoint,
            reason)
        == 1;
  }

  /** Resumes an endpoint; false when it was not paused. */
  public boolean resume(Connection c, long org, String endpoint) throws SQLException {
    return Sql.update(
            c,
            """
            update slipway.endpoint_pauses set resumed_at = now()
            where org_id = ? and endpoint = ? and resumed_at is null""",
            org,
            endpoint)
        == 1;
  }

  /** When each of the org's endpoints that was resumed was last resumed. */
  public java.util.Map<String, Instant> resumed(Connection c, long org) throws SQLException {
    var resumed = new java.util.HashMap<String, Instant>();
    for (var row :
        Sql.list(
            c,
            "select endpoint, resumed_at from slipway.endpoint_pauses where org_id = ? and resumed_at is not null",
            rs -> java.util.Map.entry(rs.getString(1), rs.getTimestamp(2).toInstant()),
            org)) resumed.put(row.getKey(), row.getValue());
    return resumed;
  }

  /**
   * When each of the org's endpoints was last called, by the rollups (to the minute for the last
   * two days, to the hour before).
   */
  public java.util.Map<String, Instant> lastCalled(Connection c, long org) throws SQLException {
    var last = new java.util.HashMap<String, Instant>();
    for (var row :
        Sql.list(
            c,
            "select endpoint, max(bucket) from slipway.call_rollups where org_id = ? group by endpoint",
            rs -> java.util.Map.entry(rs.getString(1), rs.getTimestamp(2).toInstant()),
            org)) last.put(row.getKey(), row.getValue());
    return last;
  }

  /** When the org's live release was made live; empty when it has none. */
  public Optional<Instant> liveSince(Connection c, long org) throws SQLException {
    return Sql.list(
            c,
            "select max(activated_at) from slipway.activations where org_id = ?",
            rs -> rs.getTimestamp(1) == null ? null : rs.getTimestamp(1).toInstant(),
            org)
        .stream()
        .filter(java.util.Objects::nonNull)
        .findFirst();
  }
}
