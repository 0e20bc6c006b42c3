package dev.slipway.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToIntBiFunction;

/**
 * The job queue (migration V16) in plain JDBC. Runners {@link #claim} due jobs under a lease and
 * {@link #finish} them in batches; the platform API lists, enqueues, retries and cancels an org's
 * jobs. Claims take a cluster-wide advisory lock, so the concurrency limits they count (per handler
 * and per org, over every instance's running jobs) hold exactly.
 */
public final class JobStore {
  /** Where an enqueue of a job due now is announced (migration V16's function does it too). */
  public static final String CHANNEL = "slipway_jobs";

  private static final long CLAIM_LOCK = 0x5_11_b_10b5L;

  private static final String COLUMNS =
      """
      id, handler, status, payload::text, attempts, max_attempts, run_at, idempotency_key,
      last_status, last_error, result::text, created_at, started_at, finished_at, duration_ms,
      locked_by""";

  /**
   * The runner's own writes (claims, results, leases) commit without waiting for the disk: one lost
   * in a crash leaves its job queued, or running under a lease that runs out, so the job runs
   * again, never not at all. Enqueues, in the caller's transaction, wait for the disk as usual.
   */
  private static final String RUNNER_COMMIT =
      "select set_config('synchronous_commit', 'off', true)";

  private final PlatformTransactions platform;

  public JobStore(PlatformTransactions platform) {
    this.platform = platform;
  }

  /** A job as the API shows it. */
  public record Job(
      long id,
      String handler,
      String status,
      JsonNode payload,
      int attempts,
      Integer maxAttempts,
      Instant runAt,
      String idempotencyKey,
      Integer lastStatus,
      String lastError,
      JsonNode result,
      Instant createdAt,
      Instant startedAt,
      Instant finishedAt,
      Long durationMs,
      String instance) {}

  /** A job a runner took: leased to it until it finishes or the lease runs out. */
  public record Claimed(
      long id, long orgId, String handler, byte[] payload, int attempts, Integer maxAttempts) {

    /** How many attempts it has: its own number, or else its handler's. */
    public int attemptsAllowed(dev.slipway.spec.Trigger.Job handler) {
      return maxAttempts == null ? handler.attempts() : maxAttempts;
    }
  }

  /**
   * How an attempt ended: {@code status} is the job's next state ({@code succeeded}, {@code queued}
   * again {@code retryInMillis} from now, or {@code dead}).
   *
   * @param result the handler's answer when it is JSON to keep, else null
   */
  public record Finished(
      long id,
      String status,
      int lastStatus,
      String error,
      String result,
      long durationMillis,
      long retryInMillis) {}

  /**
   * Takes up to {@code room} due jobs for {@code instance} under a lease, no more for a handler or
   * an org than its limit allows next to the jobs running on every instance.
   *
   * @param handlerLimit how many jobs of a handler (org, name) may run at once
   */
  public List<Claimed> claim(
      String instance,
      int room,
      ToIntBiFunction<Long, String> handlerLimit,
      int orgLimit,
      Duration lease)
      throws SQLException {
    return platform.system(
        c -> {
          lock(c);
          // running jobs by org, and by "org/handler": the key the candidates are filtered on
          var byOrg = new HashMap<Long, Integer>();
          var byHandler = new HashMap<String, Integer>();
          var fullHandlers = new ArrayList<String>();
          for (Object[] row :
              Sql.list(
                  c,
                  "select org_id, handler, count(*)::int from slipway.jobs where status = 'running'"
                      + " group by 1, 2",
                  rs -> new Object[] {rs.getLong(1), rs.getString(2), rs.getInt(3)})) {
            long org = (Long) row[0];
            String key = org + "/" + row[1];
            int n = (int) row[2];
            byOrg.merge(org, n, Integer::sum);
            byHandler.put(key, n);
            if (n >= handlerLimit.applyAsInt(org, (String) row[1])) fullHandlers.add(key);
          }
          // as simple filters, so that the queue's index still gives the due jobs in order
          var fullOrgs = byOrg.keySet().stream().filter(org -> byOrg.get(org) >= orgLimit).toList();
          var candidates =
              Sql.list(
                  c,
                  """
                  select id, org_id, handler from slipway.jobs
                  where status = 'queued' and run_at <= now() and org_id <> all(?)
                    and (org_id::text || '/' || handler) <> all(?)
                  order by run_at, id limit %d"""
                      // a number in the text: a cached plan knows the limit, and so keeps to the
                      // index instead of sorting the whole queue
                      .formatted(room * 4),
                  rs -> new Object[] {rs.getLong(1), rs.getLong(2), rs.getString(3)},
                  c.createArrayOf("bigint", fullOrgs.toArray()),
                  c.createArrayOf("text", fullHandlers.toArray()));
          var chosen = new ArrayList<Long>();
          for (Object[] candidate : candidates) {
            if (chosen.size() == room) break;
            long org = (Long) candidate[1];
            String handler = (String) candidate[2];
            String key = org + "/" + handler;
            if (byOrg.getOrDefault(org, 0) >= orgLimit
                || byHandler.getOrDefault(key, 0) >= handlerLimit.applyAsInt(org, handler))
              continue;
            byHandler.merge(key, 1, Integer::sum);
            byOrg.merge(org, 1, Integer::sum);
            chosen.add((Long) candidate[0]);
          }
          if (chosen.isEmpty()) return List.of();
          return Sql.list(
              c,
              """
              update slipway.jobs set status = 'running', attempts = attempts + 1, locked_by = ?,
                locked_until = now() + ? * interval '1 millisecond', started_at = now()
              where id = any(?)
              returning id, org_id, handler, payload::text, attempts, max_attempts""",
              rs ->
                  new Claimed(
                      rs.getLong(1),
                      rs.getLong(2),
                      rs.getString(3),
                      rs.getString(4).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                      rs.getInt(5),
                      (Integer) rs.getObject(6)),
              instance,
              lease.toMillis(),
              c.createArrayOf("bigint", chosen.toArray()));
        });
  }

  /**
   * Queues again the jobs whose lease ran out (their instance stopped while running them); that
   * attempt counts. Under the claims' lock, so that a claim counts running jobs right.
   */
  public int release() throws SQLException {
    return platform.system(
        c -> {
          lock(c);
          return Sql.update(
              c,
              """
              update slipway.jobs set status = 'queued', locked_by = null, locked_until = null,
                last_error = 'its instance stopped while running it (the lease ran out)'
              where status = 'running' and locked_until < now()""");
        });
  }

  /**
   * The claims' lock, and the runner's own commit (see {@link #RUNNER_COMMIT}), in one trip; and
   * the claim's reads as plain index scans. Every job passes through the partial indexes of queued
   * and running jobs, so they fill with entries of jobs that have moved on; an index scan marks
   * such an entry dead as it passes and the next scan skips it, a bitmap scan (which the planner
   * picks for the running jobs' count) reads them all, every round, until a vacuum: the count cost
   * 8.8 ms at 150,000 finished jobs, and throughput fell round by round (bench/README.md).
   */
  private static void lock(java.sql.Connection c) throws SQLException {
    try (var s = c.createStatement()) {
      s.execute(
          "select set_config('synchronous_commit', 'off', true),"
              + " set_config('enable_bitmapscan', 'off', true), pg_advisory_xact_lock("
              + CLAIM_LOCK
              + ")");
    }
  }

  /**
   * Records how attempts ended, in one statement; only where {@code instance} still holds the job's
   * lease (one that ran out belongs to whoever took the job up again).
   */
  public void finish(String instance, List<Finished> done) throws SQLException {
    if (done.isEmpty()) return;
    platform.system(
        c -> {
          try (var s = c.createStatement()) {
            s.execute(RUNNER_COMMIT);
          }
          int n = done.size();
          Object[] ids = new Object[n];
          Object[] states = new Object[n];
          Object[] statuses = new Object[n];
          Object[] errors = new Object[n];
          Object[] results = new Object[n];
          Object[] durations = new Object[n];
          Object[] retries = new Object[n];
          for (int i = 0; i < n; i++) {
            Finished f = done.get(i);
            ids[i] = f.id();
            states[i] = f.status();
            statuses[i] = f.lastStatus();
            errors[i] = f.error();
            results[i] = f.result();
            durations[i] = f.durationMillis();
            retries[i] = f.retryInMillis();
          }
          return Sql.update(
              c,
              """
              update slipway.jobs j set status = d.state, last_status = d.status,
                last_error = d.error, result = d.result::jsonb, duration_ms = d.ms,
                run_at = case when d.state = 'queued' then now() + d.retry * interval '1 millisecond'
                              else j.run_at end,
                locked_by = null, locked_until = null,
                finished_at = case when d.state = 'queued' then null else now() end
              from unnest(?::bigint[], ?::text[], ?::int[], ?::text[], ?::text[], ?::bigint[],
                          ?::bigint[]) d(id, state, status, error, result, ms, retry)
              where j.id = d.id and j.status = 'running' and j.locked_by = ?""",
              c.createArrayOf("bigint", ids),
              c.createArrayOf("text", states),
              c.createArrayOf("int4", statuses),
              c.createArrayOf("text", errors),
              c.createArrayOf("text", results),
              c.createArrayOf("bigint", durations),
              c.createArrayOf("bigint", retries),
              instance);
        });
  }

  /** Extends the leases of the jobs {@code instance} is running. */
  public void extend(String instance, Set<Long> ids, Duration lease) throws SQLException {
    if (ids.isEmpty()) return;
    platform.system(
        c -> {
          try (var s = c.createStatement()) {
            s.execute(RUNNER_COMMIT);
          }
          return Sql.update(
              c,
              """
                update slipway.jobs set locked_until = now() + ? * interval '1 millisecond'
                where id = any(?) and status = 'running' and locked_by = ?""",
              lease.toMillis(),
              c.createArrayOf("bigint", ids.toArray()),
              instance);
        });
  }

  /**
   * Deletes finished jobs (succeeded, dead, cancelled) older than {@code keepFor}, and the event
   * ids webhook receivers took more than {@link #DELIVERIES_KEPT} ago (a sender retries for days,
   * not a month).
   */
  public int prune(Duration keepFor) throws SQLException {
    return platform.system(
        c -> {
          Sql.update(
              c,
              "delete from slipway.webhook_deliveries where received_at < now() - ? * interval '1 millisecond'",
              DELIVERIES_KEPT.toMillis());
          return Sql.update(
              c,
              """
              delete from slipway.jobs where status in ('succeeded', 'dead', 'cancelled')
                and finished_at < now() - ? * interval '1 millisecond'""",
              keepFor.toMillis());
        });
  }

  /** How long a webhook receiver remembers an event id it took. */
  public static final Duration DELIVERIES_KEPT = Duration.ofDays(30);

  /**
   * Adds a job for the org's handler, due after {@code delay}; with an idempotency key used before
   * for the handler, the job that has it. The answer says which.
   */
  public Enqueued enqueue(
      long org,
      String handler,
      JsonNode payload,
      Duration delay,
      Optional<String> idempotencyKey,
      Optional<Integer> attempts)
      throws SQLException {
    return platform.inOrg(
        org,
        c -> {
          var added =
              Sql.list(
                  c,
                  """
                  insert into slipway.jobs (org_id, handler, payload, run_at, idempotency_key,
                                            max_attempts)
                  values (?, ?, ?::jsonb, now() + ? * interval '1 millisecond', ?, ?)
                  on conflict (org_id, handler, idempotency_key) where idempotency_key is not null
                  do nothing returning id""",
                  rs -> rs.getLong(1),
                  org,
                  handler,
                  Json.canonical(payload),
                  delay.toMillis(),
                  idempotencyKey.orElse(null),
                  attempts.orElse(null));
          if (!added.isEmpty()) {
            if (delay.isZero()) Notifications.send(c, CHANNEL, "");
            return new Enqueued(added.getFirst(), true);
          }
          long existing =
              Sql.id(
                  c,
                  "select id from slipway.jobs where org_id = ? and handler = ? and idempotency_key = ?",
                  org,
                  handler,
                  idempotencyKey.orElseThrow());
          return new Enqueued(existing, false);
        });
  }

  /** A job's id, and whether this enqueue added it (false: its idempotency key was used). */
  public record Enqueued(long id, boolean added) {}

  /** The org's jobs, newest first, optionally of one handler and in one state, before an id. */
  public List<Job> list(
      long org, Optional<String> handler, Optional<String> status, long beforeId, int limit)
      throws SQLException {
    return platform.inOrg(
        org,
        c ->
            Sql.list(
                c,
                "select "
                    + COLUMNS
                    + " from slipway.jobs where org_id = ? and (?::text is null or handler = ?)"
                    + " and (?::text is null or status = ?) and id < ? order by id desc limit ?",
                JobStore::job,
                org,
                handler.orElse(null),
                handler.orElse(null),
                status.orElse(null),
                status.orElse(null),
                beforeId,
                limit));
  }

  public Optional<Job> find(long org, long id) throws SQLException {
    return platform.inOrg(
        org,
        c ->
            Sql.list(
                    c,
                    "select " + COLUMNS + " from slipway.jobs where org_id = ? and id = ?",
                    JobStore::job,
                    org,
                    id)
                .stream()
                .findFirst());
  }

  /**
   * How many of the org's jobs wait, run or are dead: the states to act on, each counted from its
   * own index (finished jobs are listed, not counted).
   */
  public Map<String, Long> counts(long org, Optional<String> handler) throws SQLException {
    return platform.inOrg(
        org,
        c -> {
          var counts = new java.util.LinkedHashMap<String, Long>();
          for (String state : List.of("queued", "running", "dead"))
            counts.put(
                state,
                Sql.id(
                    c,
                    "select count(*) from slipway.jobs where status = ? and org_id = ?"
                        + " and (?::text is null or handler = ?)",
                    state,
                    org,
                    handler.orElse(null),
                    handler.orElse(null)));
          return counts;
        });
  }

  /** The states a job can be in. */
  public static final List<String> STATES =
      List.of("queued", "running", "succeeded", "dead", "cancelled");

  /** What a person may do to a job through the API. */
  public enum Change {
    /** A finished job queued again, due now, its attempts counted from zero. */
    RETRY(
        """
        update slipway.jobs set status = 'queued', attempts = 0, run_at = now(),
          finished_at = null, last_error = null,
          payload = case when handler <> 'webhook:out' then payload
                         else jsonb_set(payload, '{retryUntil}', to_jsonb(now()
                           + (payload->>'retryMs')::bigint * interval '1 millisecond')) end
        where org_id = ? and id = ? and status in ('succeeded', 'dead', 'cancelled')"""),
    /**
     * A finished outgoing webhook ({@link WebhookStore#HANDLER}) queued again, due now, its
     * attempts counted from zero and its retry window anew.
     */
    RESEND(
        """
        update slipway.jobs set status = 'queued', attempts = 0, run_at = now(),
          finished_at = null, last_error = null,
          payload = jsonb_set(payload, '{retryUntil}', to_jsonb(now()
            + (payload->>'retryMs')::bigint * interval '1 millisecond'))
        where org_id = ? and id = ? and handler = 'webhook:out'
          and status in ('succeeded', 'dead', 'cancelled')"""),
    /** A queued job cancelled. */
    CANCEL(
        """
        update slipway.jobs set status = 'cancelled', finished_at = now()
        where org_id = ? and id = ? and status = 'queued'""");

    private final String sql;

    Change(String sql) {
      this.sql = sql;
    }
  }

  /**
   * Makes the change to the org's job and audits it in the same transaction; false when the job is
   * not in a state the change applies to (or not the org's).
   */
  public boolean change(long org, long id, Change change, AuditStore audit, AuditStore.Event event)
      throws SQLException {
    return platform.inOrg(
            org,
            c -> {
              int n = Sql.update(c, change.sql, org, id);
              if (n > 0) {
                if (change != Change.CANCEL) Notifications.send(c, CHANNEL, "");
                audit.record(c, event);
              }
              return n;
            })
        > 0;
  }

  private static Job job(ResultSet rs) throws SQLException {
    return new Job(
        rs.getLong(1),
        rs.getString(2),
        rs.getString(3),
        json(rs.getString(4)),
        rs.getInt(5),
        (Integer) rs.getObject(6),
        instant(rs.getTimestamp(7)),
        rs.getString(8),
        (Integer) rs.getObject(9),
        rs.getString(10),
        json(rs.getString(11)),
        instant(rs.getTimestamp(12)),
        instant(rs.getTimestamp(13)),
        instant(rs.getTimestamp(14)),
        (Long) rs.getObject(15),
        rs.getString(16));
  }

  private static JsonNode json(String text) {
    return text == null ? null : Json.parse(text);
  }

  private static Instant instant(Timestamp at) {
    return at == null ? null : at.toInstant();
  }
}
