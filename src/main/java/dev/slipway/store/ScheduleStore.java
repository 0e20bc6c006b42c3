package dev.slipway.store;

import dev.slipway.spec.Trigger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The orgs' schedules (migration V17): written by a deploy or rollback from the release's specs
 * with a schedule trigger, paused and resumed through the API, and ticked by whichever instance
 * holds the schedules' lock: each due tick becomes one job for the schedule's handler.
 */
public final class ScheduleStore {
  /**
   * How late a tick may run and still not be missed: one later than this passed while no instance
   * was running, and the schedule's {@code missed} policy decides whether it runs.
   */
  public static final Duration MISSED_AFTER = Duration.ofMinutes(1);

  private static final long TICK_LOCK = 0x5_11_b_5c4edL;
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ScheduleStore.class);

  /** The most ticks looked at in one schedule's round (a schedule far behind is caught up to). */
  private static final int MAX_TICKS_SCANNED = 100_000;

  private final PlatformTransactions platform;

  public ScheduleStore(PlatformTransactions platform) {
    this.platform = platform;
  }

  /** A schedule as the API shows it; {@code nextRuns} is empty while it is paused. */
  public record Schedule(
      String name,
      String cron,
      String timezone,
      String missed,
      String overlap,
      boolean paused,
      List<Instant> nextRuns,
      Instant lastTickAt,
      Long lastJobId,
      long runs,
      long skipped) {}

  /**
   * Makes {@code live} the org's schedules, in the transaction that makes its release live: a new
   * one, or one whose expression or time zone changed, or one live again, starts at its next tick
   * from now; a paused one stays paused; the org's others stop ticking.
   */
  public void sync(Connection c, long org, Map<String, Trigger.Schedule> live) throws SQLException {
    Instant now = now(c);
    for (var entry : live.entrySet()) {
      Trigger.Schedule schedule = entry.getValue();
      Sql.update(
          c,
          """
          insert into slipway.schedules as s (org_id, handler, cron, timezone, missed, overlap,
                                              next_run_at)
          values (?, ?, ?, ?, ?, ?, ?)
          on conflict (org_id, handler) do update set cron = excluded.cron,
            timezone = excluded.timezone, missed = excluded.missed, overlap = excluded.overlap,
            live = true, updated_at = now(),
            next_run_at = case when not s.live or s.cron <> excluded.cron
                                 or s.timezone <> excluded.timezone
                               then excluded.next_run_at else s.next_run_at end""",
          org,
          entry.getKey(),
          schedule.cron(),
          schedule.zone().getId(),
          schedule.missed() == Trigger.Schedule.Missed.SKIP ? "skip" : "catchUp",
          schedule.overlap() == Trigger.Schedule.Overlap.SKIP ? "skip" : "allow",
          timestamp(schedule.next(now).orElse(null)));
    }
    Sql.update(
        c,
        "update slipway.schedules set live = false, updated_at = now()"
            + " where org_id = ? and live and handler <> all(?)",
        org,
        c.createArrayOf("text", live.keySet().toArray()));
  }

  /**
   * Enqueues a job for each due tick of every live, running schedule, unless another instance is
   * doing so now; answers how many jobs it enqueued. Each schedule then waits for its first tick
   * after now.
   */
  public int tick() throws SQLException {
    return platform.system(
        c -> {
          if (!Sql.list(
                  c, "select pg_try_advisory_xact_lock(" + TICK_LOCK + ")", rs -> rs.getBoolean(1))
              .getFirst()) return 0;
          Instant now = now(c);
          int enqueued = 0;
          for (Due due :
              Sql.list(
                  c,
                  """
                  select org_id, handler, cron, timezone, missed, overlap, next_run_at
                  from slipway.schedules where live and not paused and next_run_at <= now()
                  order by next_run_at limit 1000 for update""",
                  ScheduleStore::due)) {
            // one schedule that cannot be ticked does not hold up the others
            var before = c.setSavepoint();
            try {
              enqueued += run(c, due, now);
              c.releaseSavepoint(before);
            } catch (SQLException | RuntimeException e) {
              c.rollback(before);
              LOG.warn(
                  "schedules: org {}'s {} could not be ticked ({}); trying again",
                  due.org(),
                  due.handler(),
                  e.getMessage());
            }
          }
          if (enqueued > 0) Notifications.send(c, JobStore.CHANNEL, "");
          return enqueued;
        });
  }

  /** A schedule with a tick due. */
  private record Due(long org, String handler, Trigger.Schedule schedule, Instant nextRun) {}

  private static Due due(ResultSet rs) throws SQLException {
    return new Due(
        rs.getLong(1),
        rs.getString(2),
        schedule(rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6)),
        rs.getTimestamp(7).toInstant());
  }

  /** A row's schedule (its job settings are the handler's business, not the ticks'). */
  private static Trigger.Schedule schedule(
      String cron, String zone, String missed, String overlap) {
    return new Trigger.Schedule(
        cron,
        ZoneId.of(zone),
        missed.equals("skip") ? Trigger.Schedule.Missed.SKIP : Trigger.Schedule.Missed.CATCH_UP,
        overlap.equals("skip") ? Trigger.Schedule.Overlap.SKIP : Trigger.Schedule.Overlap.ALLOW,
        Trigger.Job.DEFAULTS);
  }

  /** Enqueues the schedule's due ticks as its policies say, and moves it to its next tick. */
  private int run(Connection c, Due due, Instant now) throws SQLException {
    Trigger.Schedule schedule = due.schedule();
    var ticks = new ArrayDeque<Instant>();
    Instant missedBefore = now.minus(MISSED_AFTER);
    int scanned = 0;
    long skipped = 0;
    for (Instant t = due.nextRun();
        t != null && !t.isAfter(now) && scanned < MAX_TICKS_SCANNED;
        t = schedule.next(t).orElse(null), scanned++) {
      if (schedule.missed() == Trigger.Schedule.Missed.SKIP && t.isBefore(missedBefore)) {
        skipped++;
        continue;
      }
      ticks.addLast(t);
      if (ticks.size() > Trigger.Schedule.MAX_CATCH_UP) {
        ticks.removeFirst();
        skipped++;
      }
    }
    if (schedule.overlap() == Trigger.Schedule.Overlap.SKIP
        && !ticks.isEmpty()
        && !Sql.list(
                c,
                "select 1 from slipway.jobs where org_id = ? and handler = ?"
                    + " and status in ('queued', 'running') limit 1",
                rs -> 1,
                due.org(),
                due.handler())
            .isEmpty()) {
      skipped += ticks.size();
      ticks.clear();
    }
    Long lastJob = null;
    Instant lastTick = null;
    for (Instant tick : ticks) {
      var ids =
          Sql.list(
              c,
              """
              insert into slipway.jobs (org_id, handler, payload, idempotency_key)
              values (?, ?, jsonb_build_object('scheduledAt', ?::text), ?)
              on conflict (org_id, handler, idempotency_key) where idempotency_key is not null
              do nothing returning id""",
              rs -> rs.getLong(1),
              due.org(),
              due.handler(),
              tick.toString(),
              "schedule:" + tick);
      if (!ids.isEmpty()) lastJob = ids.getFirst();
      lastTick = tick;
    }
    Sql.update(
        c,
        """
        update slipway.schedules set next_run_at = ?, runs = runs + ?, skipped = skipped + ?,
          last_tick_at = coalesce(?, last_tick_at), last_job_id = coalesce(?, last_job_id)
        where org_id = ? and handler = ?""",
        timestamp(schedule.next(now).orElse(null)),
        ticks.size(),
        skipped,
        timestamp(lastTick),
        lastJob,
        due.org(),
        due.handler());
    return ticks.size();
  }

  /** The org's live schedules, each with its next {@code nextRuns} ticks. */
  public List<Schedule> list(long org, int nextRuns) throws SQLException {
    return platform.inOrg(org, c -> schedules(c, org, Optional.empty(), nextRuns));
  }

  public Optional<Schedule> find(long org, String name, int nextRuns) throws SQLException {
    return platform.inOrg(
        org, c -> schedules(c, org, Optional.of(name), nextRuns).stream().findFirst());
  }

  private static List<Schedule> schedules(
      Connection c, long org, Optional<String> name, int nextRuns) throws SQLException {
    return Sql.list(
        c,
        """
        select handler, cron, timezone, missed, overlap, paused, next_run_at, last_tick_at,
               last_job_id, runs, skipped
        from slipway.schedules where org_id = ? and live and (?::text is null or handler = ?)
        order by handler""",
        rs -> {
          boolean paused = rs.getBoolean(6);
          var next = new ArrayList<Instant>();
          Instant at = instant(rs.getTimestamp(7));
          if (!paused) {
            var schedule =
                schedule(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5));
            for (; at != null && next.size() < nextRuns; at = schedule.next(at).orElse(null))
              next.add(at);
          }
          return new Schedule(
              rs.getString(1),
              rs.getString(2),
              rs.getString(3),
              rs.getString(4),
              rs.getString(5),
              paused,
              List.copyOf(next),
              instant(rs.getTimestamp(8)),
              (Long) rs.getObject(9),
              rs.getLong(10),
              rs.getLong(11));
        },
        org,
        name.orElse(null),
        name.orElse(null));
  }

  /**
   * Pauses or resumes the org's live schedule and audits it in the same transaction; false when no
   * live schedule has the name. A resumed schedule starts at its next tick from now: ticks that
   * passed while it was paused are not missed, they are not run.
   */
  public boolean setPaused(
      long org, String name, boolean paused, AuditStore audit, AuditStore.Event event)
      throws SQLException {
    return platform.inOrg(
        org,
        c -> {
          var found =
              Sql.list(
                  c,
                  "select cron, timezone from slipway.schedules"
                      + " where org_id = ? and handler = ? and live for update",
                  rs -> new String[] {rs.getString(1), rs.getString(2)},
                  org,
                  name);
          if (found.isEmpty()) return false;
          Instant next =
              paused
                  ? null
                  : schedule(found.getFirst()[0], found.getFirst()[1], "skip", "skip")
                      .next(now(c))
                      .orElse(null);
          Sql.update(
              c,
              """
              update slipway.schedules set paused = ?, updated_at = now(),
                next_run_at = case when ? then next_run_at else ? end
              where org_id = ? and handler = ?""",
              paused,
              paused,
              timestamp(next),
              org,
              name);
          audit.record(c, event);
          return true;
        });
  }

  private static Instant now(Connection c) throws SQLException {
    return Sql.list(c, "select now()", rs -> rs.getTimestamp(1).toInstant()).getFirst();
  }

  private static Timestamp timestamp(Instant at) {
    return at == null ? null : Timestamp.from(at);
  }

  private static Instant instant(Timestamp at) {
    return at == null ? null : at.toInstant();
  }
}
