package dev.slipway.deploy;

import dev.slipway.common.NamedThreads;
import dev.slipway.ops.CostGate;
import dev.slipway.problem.ProblemException;
import dev.slipway.runtime.CompiledEndpoint;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.security.Actor;
import dev.slipway.store.AuditStore;
import dev.slipway.store.Notifications;
import dev.slipway.store.PlatformTransactions;
import dev.slipway.store.QuotaStore;
import dev.slipway.store.QuotaStore.Quotas;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Quotas, pauses and auto-pause. Every {@code interval} it reads the paused endpoints and each org
 * with quotas against what its calls used (the rollups), and tells the {@link CostGate} which orgs
 * are past a quota; a quota newly passed is audited. Every 30 intervals (one instance at a time) it
 * pauses the live endpoints of orgs with auto-pause that no call reached for their period. A pause
 * or resume here is told to other instances ({@link #CHANNEL}).
 */
public final class CostControl implements AutoCloseable {
  /** Where a pause or resume is announced, so that every instance reads the pauses again. */
  public static final String CHANNEL = "slipway_pauses";

  private static final Logger LOG = LoggerFactory.getLogger(CostControl.class);
  private static final int SWEEP_EVERY = 30;

  /** The advisory lock one instance's auto-pause sweep holds. */
  private static final long SWEEP_LOCK = 0x5c1_9a05eL;

  private final PlatformTransactions platform;
  private final QuotaStore store;
  private final AuditStore audit;
  private final CostGate gate;
  private final LiveRouting live;
  private final Duration logsKeptFor;
  private final Duration interval;
  private final Clock clock;
  private final Thread thread;
  private volatile boolean running = true;

  /** The quotas each org was past at the last look, so that only a newly passed one is audited. */
  private Map<Long, Set<String>> passed = Map.of();

  public CostControl(
      PlatformTransactions platform,
      QuotaStore store,
      AuditStore audit,
      CostGate gate,
      LiveRouting live,
      Duration logsKeptFor,
      Duration interval,
      Clock clock) {
    this.platform = platform;
    this.store = store;
    this.audit = audit;
    this.gate = gate;
    this.live = live;
    this.logsKeptFor = logsKeptFor;
    this.interval = interval;
    this.clock = clock;
    refresh();
    this.thread = NamedThreads.startDaemon("cost-control", this::loop);
  }

  private void loop() {
    for (long round = 1; running; round++) {
      LockSupport.parkNanos(interval.toNanos());
      if (!running) break;
      refresh();
      if (round % SWEEP_EVERY == 0) sweep();
    }
  }

  /** Reads the pauses and the quotas again; a failure is logged and the last state kept. */
  public synchronized void refresh() {
    try {
      refreshPauses();
      refreshQuotas();
    } catch (SQLException | RuntimeException e) {
      LOG.warn("cost control could not read quotas and pauses: {}", e.getMessage());
    }
  }

  private void refreshPauses() throws SQLException {
    var paused = new HashMap<Long, Set<String>>();
    for (var pause : platform.system(store::pauses))
      paused.computeIfAbsent(pause.org(), o -> new HashSet<>()).add(pause.endpoint());
    gate.paused(paused);
  }

  /** An org's quotas against what it used, and which it is past. */
  public record Standing(
      Quotas quotas, QuotaStore.Use use, long endpoints, List<String> exceeded) {}

  private void refreshQuotas() throws SQLException {
    var over = new HashMap<Long, CostGate.Exceeded>();
    var logsFull = new HashSet<Long>();
    var nowPassed = new HashMap<Long, Set<String>>();
    for (var entry : platform.system(store::all)) {
      long org = entry.getKey();
      Quotas quotas = entry.getValue();
      if (!quotas.any()) continue;
      Standing standing = standing(org, quotas);
      Set<String> names = new HashSet<>(standing.exceeded());
      nowPassed.put(org, names);
      CostGate.Exceeded refusal = refusal(quotas, standing);
      if (refusal != null) over.put(org, refusal);
      if (names.contains("log_mb")) logsFull.add(org);
      for (String name : names)
        if (!passed.getOrDefault(org, Set.of()).contains(name)) auditPassed(org, name, standing);
    }
    passed = nowPassed;
    gate.quotas(over, logsFull);
  }

  /** The org's standing against its quotas now. */
  public Standing standing(long org) throws SQLException {
    return standing(org, platform.inOrg(org, c -> store.quotas(c, org)));
  }

  private Standing standing(long org, Quotas quotas) throws SQLException {
    Instant now = clock.instant();
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    var use =
        platform.inOrg(
            org,
            c ->
                store.use(
                    c,
                    org,
                    today.atStartOfDay(ZoneOffset.UTC).toInstant(),
                    today.withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                    logsKeptFor));
    long endpoints = platform.inOrg(org, c -> store.endpoints(c, org, "").endpoints());
    var exceeded = new ArrayList<String>();
    if (quotas.callsPerDay().filter(limit -> use.callsToday() >= limit).isPresent())
      exceeded.add("calls_per_day");
    if (quotas.callsPerMonth().filter(limit -> use.callsThisMonth() >= limit).isPresent())
      exceeded.add("calls_per_month");
    if (quotas
        .scriptCpuSecondsPerDay()
        .filter(limit -> use.scriptCpuSecondsToday() >= limit)
        .isPresent()) exceeded.add("script_cpu_seconds_per_day");
    if (quotas.logMb().filter(limit -> use.logBytes() >= limit * 1_048_576).isPresent())
      exceeded.add("log_mb");
    if (quotas.endpoints().filter(limit -> endpoints >= limit).isPresent())
      exceeded.add("endpoints");
    return new Standing(quotas, use, endpoints, List.copyOf(exceeded));
  }

  /** The refusal of the org's calls, past a quota on calls or on script CPU; null when none. */
  private CostGate.Exceeded refusal(Quotas quotas, Standing standing) {
    Instant now = clock.instant();
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    long untilTomorrow =
        Duration.between(now, today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant())
            .toSeconds();
    long untilNextMonth =
        Duration.between(
                now, today.withDayOfMonth(1).plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant())
            .toSeconds();
    var exceeded = standing.exceeded();
    if (exceeded.contains("calls_per_month"))
      return new CostGate.Exceeded(
          "calls_per_month",
          "The org has used its "
              + quotas.callsPerMonth().orElseThrow()
              + " calls of this month (quota calls_per_month); calls are refused until the month ends (UTC).",
          Math.max(1, untilNextMonth));
    if (exceeded.contains("calls_per_day"))
      return new CostGate.Exceeded(
          "calls_per_day",
          "The org has used its "
              + quotas.callsPerDay().orElseThrow()
              + " calls of today (quota calls_per_day); calls are refused until 00:00 UTC.",
          Math.max(1, untilTomorrow));
    if (exceeded.contains("script_cpu_seconds_per_day"))
      return new CostGate.Exceeded(
          "script_cpu_seconds_per_day",
          "The org's scripts have used their "
              + quotas.scriptCpuSecondsPerDay().orElseThrow()
              + " CPU seconds of today (quota script_cpu_seconds_per_day); calls are refused until 00:00 UTC.",
          Math.max(1, untilTomorrow));
    return null;
  }

  private void auditPassed(long org, String quota, Standing standing) {
    try {
      var detail = new LinkedHashMap<String, Object>();
      detail.put("quota", quota);
      detail.put("callsToday", standing.use().callsToday());
      detail.put("callsThisMonth", standing.use().callsThisMonth());
      detail.put("scriptCpuSecondsToday", standing.use().scriptCpuSecondsToday());
      detail.put("logBytes", standing.use().logBytes());
      detail.put("endpoints", standing.endpoints());
      platform.inOrg(
          org,
          c -> {
            audit.record(c, systemEvent(org, "quota.exceeded", "quota:" + quota, detail));
            return null;
          });
      LOG.warn("org {} is past its quota {}", org, quota);
    } catch (SQLException e) {
      LOG.warn("org {} is past its quota {}; not audited: {}", org, quota, e.getMessage());
    }
  }

  private AuditStore.Event systemEvent(
      long org, String action, String target, Map<String, Object> detail) {
    return new AuditStore.Event(
        0,
        org,
        clock.instant(),
        "system",
        action,
        target,
        null,
        null,
        AuditStore.Outcome.SUCCESS,
        detail);
  }

  /**
   * Refuses a new endpoint past the org's endpoints quota (429 {@code quota_exceeded}); run in the
   * transaction that saves it.
   */
  public void checkNewEndpoint(Connection c, long org, String name) throws SQLException {
    var quota = store.quotas(c, org).endpoints();
    if (quota.isEmpty()) return;
    var count = store.endpoints(c, org, name);
    if (!count.named() && count.endpoints() >= quota.get())
      throw new ProblemException(
          429,
          "quota_exceeded",
          "Too Many Requests",
          "The org has its "
              + quota.get()
              + " endpoints (quota endpoints): a new one needs the operator to raise it, or an endpoint removed.",
          List.of(),
          Map.of("Slipway-Quota", "endpoints"));
  }

  /** Sets the org's quotas, as the operator; audited in the org. */
  public void setQuotas(long org, Quotas quotas, String sourceIp, String requestId)
      throws SQLException {
    platform.system(
        c -> {
          store.set(c, org, quotas);
          audit.record(
              c,
              new AuditStore.Event(
                  0,
                  org,
                  clock.instant(),
                  "operator",
                  "quota.set",
                  "org:" + org,
                  sourceIp,
                  requestId,
                  AuditStore.Outcome.SUCCESS,
                  quotaDetail(quotas)));
          return null;
        });
    refresh();
  }

  private static Map<String, Object> quotaDetail(Quotas quotas) {
    var detail = new LinkedHashMap<String, Object>();
    detail.put("endpoints", quotas.endpoints().orElse(null));
    detail.put("callsPerDay", quotas.callsPerDay().orElse(null));
    detail.put("callsPerMonth", quotas.callsPerMonth().orElse(null));
    detail.put("scriptCpuSecondsPerDay", quotas.scriptCpuSecondsPerDay().orElse(null));
    detail.put("logMb", quotas.logMb().orElse(null));
    return detail;
  }

  /** The org's paused endpoints. */
  public List<QuotaStore.Pause> pauses(long org) throws SQLException {
    return platform.inOrg(org, store::pauses);
  }

  /** Pauses one of the org's endpoints; false when it was paused already. */
  public boolean pause(Actor actor, String endpoint) throws SQLException {
    return change(actor, endpoint, true);
  }

  /** Resumes one of the org's endpoints; false when it was not paused. */
  public boolean resume(Actor actor, String endpoint) throws SQLException {
    return change(actor, endpoint, false);
  }

  private boolean change(Actor actor, String endpoint, boolean pause) throws SQLException {
    long org = actor.orgId();
    boolean changed =
        platform.inOrg(
            org,
            c -> {
              if (!store.endpoints(c, org, endpoint).named())
                throw ProblemException.notFound(
                    "endpoint_not_found", "No endpoint '" + endpoint + "'.");
              boolean done =
                  pause ? store.pause(c, org, endpoint, "manual") : store.resume(c, org, endpoint);
              if (done) {
                audit.record(
                    c,
                    actor.success(
                        pause ? "endpoint.pause" : "endpoint.resume", "endpoint:" + endpoint));
                Notifications.send(c, CHANNEL, Long.toString(org));
              }
              return done;
            });
    refresh();
    return changed;
  }

  /** The org's auto-pause period; empty when off. */
  public Optional<Duration> autoPause(long org) throws SQLException {
    return platform.inOrg(org, c -> store.autoPause(c, org));
  }

  /** Turns the org's auto-pause on (after {@code after} without a call) or off; audited. */
  public void setAutoPause(Actor actor, Optional<Duration> after) throws SQLException {
    platform.inOrg(
        actor.orgId(),
        c -> {
          store.setAutoPause(c, actor.orgId(), after);
          audit.record(
              c,
              actor.event(
                  "org.auto_pause",
                  "org:" + actor.orgId(),
                  AuditStore.Outcome.SUCCESS,
                  Map.of("after", after.map(d -> d.toSeconds() + "s").orElse("off"))));
          return null;
        });
  }

  /**
   * Pauses each live endpoint of an org with auto-pause that no call reached within its period
   * (counted from the latest of its last call, its release going live and its last resume). One
   * instance sweeps at a time.
   */
  public void sweep() {
    try {
      List<Map.Entry<Long, Duration>> orgs =
          platform.system(
              c -> {
                try (var ps = c.prepareStatement("select pg_try_advisory_xact_lock(?)")) {
                  ps.setLong(1, SWEEP_LOCK);
                  try (var rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) return List.of();
                  }
                }
                return store.autoPauses(c);
              });
      for (var entry : orgs) sweep(entry.getKey(), entry.getValue());
    } catch (SQLException | RuntimeException e) {
      LOG.warn("auto-pause could not sweep: {}", e.getMessage());
    }
  }

  private void sweep(long org, Duration after) throws SQLException {
    Instant idleSince = clock.instant().minus(after);
    var names = new ArrayList<String>();
    for (CompiledEndpoint endpoint : live.current().router().targets())
      if (endpoint.identity().orgId() == org) names.add(endpoint.identity().name());
    if (names.isEmpty()) return;
    boolean paused =
        platform.inOrg(
            org,
            c -> {
              var liveSince = store.liveSince(c, org);
              if (liveSince.isEmpty() || liveSince.get().isAfter(idleSince)) return false;
              var lastCalled = store.lastCalled(c, org);
              var resumed = store.resumed(c, org);
              boolean any = false;
              for (String name : names) {
                Instant last = lastCalled.get(name);
                if (last != null && last.isAfter(idleSince)) continue;
                Instant back = resumed.get(name);
                if (back != null && back.isAfter(idleSince)) continue;
                if (!store.pause(c, org, name, "auto")) continue;
                var detail = new LinkedHashMap<String, Object>();
                detail.put("reason", "auto");
                detail.put("idleFor", after.toSeconds() + "s");
                detail.put("lastCalled", last == null ? null : last.toString());
                audit.record(c, systemEvent(org, "endpoint.pause", "endpoint:" + name, detail));
                LOG.info("auto-paused endpoint {} of org {}: no call for {}", name, org, after);
                any = true;
              }
              if (any) Notifications.send(c, CHANNEL, Long.toString(org));
              return any;
            });
    if (paused) refreshPauses();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    LockSupport.unpark(thread);
    thread.join(5_000);
  }
}
