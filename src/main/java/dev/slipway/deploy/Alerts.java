package dev.slipway.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.common.Json;
import dev.slipway.common.NamedThreads;
import dev.slipway.egress.Egress;
import dev.slipway.egress.EgressException;
import dev.slipway.egress.FetchRequest;
import dev.slipway.ops.Durations;
import dev.slipway.store.AlertStore;
import dev.slipway.store.AnalyticsStore;
import dev.slipway.store.PlatformTransactions;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates the orgs' alert rules every {@code interval} (one instance at a time) against the
 * minute rollups and cost control's standing, and when a rule starts or stops firing, posts a
 * signed JSON message to its webhook through the org's egress policy: {@code X-Slipway-Signature:
 * t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the org's secret the rule names>}.
 */
public final class Alerts implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Alerts.class);
  private static final long EVALUATION_LOCK = 0x5c1_a1e27L;
  private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(10);

  private final PlatformTransactions platform;
  private final AlertStore store;
  private final AnalyticsStore analytics;
  private final CostControl costs;
  private final Egress egress;
  private final LongFunction<Map<String, String>> secrets;
  private final dev.slipway.store.AuditStore audit;
  private final Clock clock;
  private final Duration interval;
  private final Thread thread;
  private volatile boolean running = true;

  /** {@code secrets}: an org's secret values by name, one of which signs each rule's messages. */
  public Alerts(
      PlatformTransactions platform,
      AlertStore store,
      AnalyticsStore analytics,
      CostControl costs,
      Egress egress,
      LongFunction<Map<String, String>> secrets,
      dev.slipway.store.AuditStore audit,
      Duration interval,
      Clock clock) {
    this.audit = audit;
    this.platform = platform;
    this.store = store;
    this.analytics = analytics;
    this.costs = costs;
    this.egress = egress;
    this.secrets = secrets;
    this.interval = interval;
    this.clock = clock;
    this.thread = NamedThreads.startDaemon("alerts", this::loop);
  }

  private void loop() {
    while (running) {
      LockSupport.parkNanos(interval.toNanos());
      if (running) evaluate();
    }
  }

  /** Evaluates every org's rules, unless another instance is doing so. */
  public void evaluate() {
    try {
      List<AlertStore.Rule> rules =
          platform.system(
              c -> {
                try (var ps = c.prepareStatement("select pg_try_advisory_xact_lock(?)")) {
                  ps.setLong(1, EVALUATION_LOCK);
                  try (var rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) return List.of();
                  }
                }
                return store.list(c);
              });
      for (var rule : rules) {
        try {
          evaluate(rule);
        } catch (SQLException | RuntimeException e) {
          LOG.warn(
              "alert rule {} of org {} was not evaluated: {}",
              rule.id(),
              rule.org(),
              e.getMessage());
        }
      }
    } catch (SQLException | RuntimeException e) {
      LOG.warn("alert rules were not evaluated: {}", e.getMessage());
    }
  }

  private void evaluate(AlertStore.Rule rule) throws SQLException {
    Double value = measure(rule);
    boolean firing = value != null && value > rule.threshold();
    if (firing == rule.firing()) return;
    String delivery = deliver(rule, firing ? "firing" : "resolved", value);
    platform.inOrg(
        rule.org(),
        c -> {
          store.changed(c, rule.id(), firing, delivery);
          return null;
        });
    LOG.info(
        "alert {} of org {} is {} ({})",
        rule.name(),
        rule.org(),
        firing ? "firing" : "resolved",
        delivery);
  }

  /** What the rule watches now; null when there is nothing to judge (no calls in the window). */
  public Double measure(AlertStore.Rule rule) throws SQLException {
    if (rule.kind().equals("quota")) {
      var standing = costs.standing(rule.org());
      var quotas = standing.quotas();
      var use = standing.use();
      double share = 0;
      share = Math.max(share, ratio(use.callsToday(), quotas.callsPerDay().orElse(null)));
      share = Math.max(share, ratio(use.callsThisMonth(), quotas.callsPerMonth().orElse(null)));
      share =
          Math.max(
              share,
              ratio(use.scriptCpuSecondsToday(), quotas.scriptCpuSecondsPerDay().orElse(null)));
      share = Math.max(share, ratio(use.logBytes() / 1_048_576.0, quotas.logMb().orElse(null)));
      share =
          Math.max(
              share,
              ratio(standing.endpoints(), quotas.endpoints().map(Integer::longValue).orElse(null)));
      return quotas.any() ? share : null;
    }
    Instant now = clock.instant();
    var range =
        new AnalyticsStore.Range(
            rule.org(), now.minusSeconds(rule.windowSeconds()), now, rule.endpoint(), null);
    AnalyticsStore.Sums sums = AnalyticsStore.Sums.NONE;
    for (var point :
        analytics.summary(range, "minute", Duration.ofSeconds(rule.windowSeconds())).series())
      sums = sums.plus(point.sums());
    if (sums.calls() == 0) return null;
    return rule.kind().equals("p95")
        ? Durations.percentileMillis(sums.durations(), 0.95)
        : (double) sums.byClass()[5] / sums.calls();
  }

  private static double ratio(double used, Long limit) {
    if (limit == null) return 0;
    return limit == 0 ? (used > 0 ? 1 : 0) : used / limit;
  }

  /** The org's rules. */
  public List<AlertStore.Rule> list(long org) throws SQLException {
    return platform.inOrg(org, store::list);
  }

  public java.util.Optional<AlertStore.Rule> find(long org, long id) throws SQLException {
    return platform.inOrg(org, c -> store.find(c, org, id));
  }

  /** Adds a rule; 409 {@code alert_exists} when the org has one of that name. Audited. */
  public AlertStore.Rule add(dev.slipway.security.Actor actor, AlertStore.NewRule rule)
      throws SQLException {
    return platform.inOrg(
        actor.orgId(),
        c -> {
          var added =
              store
                  .add(c, actor.orgId(), rule)
                  .orElseThrow(
                      () ->
                          dev.slipway.problem.ProblemException.conflict(
                              "alert_exists", "The org has an alert named '" + rule.name() + "'."));
          audit.record(c, actor.success("alert.create", "alert:" + added.id()));
          return added;
        });
  }

  /** Deletes a rule; false when the org has none of that id. Audited. */
  public boolean delete(dev.slipway.security.Actor actor, long id) throws SQLException {
    return platform.inOrg(
        actor.orgId(),
        c -> {
          boolean deleted = store.delete(c, actor.orgId(), id);
          if (deleted) audit.record(c, actor.success("alert.delete", "alert:" + id));
          return deleted;
        });
  }

  /** Sends a test message for the rule, and answers how it went. */
  public String test(AlertStore.Rule rule) throws SQLException {
    String delivery = deliver(rule, "test", null);
    platform.inOrg(
        rule.org(),
        c -> {
          store.delivered(c, rule.id(), delivery);
          return null;
        });
    return delivery;
  }

  /** Posts the signed message; answers how it went, in words ("HTTP 200", "refused: ..."). */
  private String deliver(AlertStore.Rule rule, String state, Double value) {
    String secret = secrets.apply(rule.org()).get(rule.signingSecret());
    if (secret == null)
      return "not sent: the org has no secret '" + rule.signingSecret() + "' to sign with";
    var message = new LinkedHashMap<String, Object>();
    message.put("alert", rule.name());
    message.put("ruleId", rule.id());
    message.put("state", state);
    message.put("kind", rule.kind());
    message.put("endpoint", rule.endpoint());
    message.put("threshold", rule.threshold());
    message.put("value", value);
    message.put("windowSeconds", rule.windowSeconds());
    message.put("org", rule.org());
    message.put("at", clock.instant().toString());
    String body;
    try {
      body = Json.MAPPER.writeValueAsString(message);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    long t = clock.instant().getEpochSecond();
    var headers = new LinkedHashMap<String, String>();
    headers.put("Content-Type", "application/json");
    headers.put("X-Slipway-Signature", "t=" + t + ",v1=" + sign(secret, t + "." + body));
    headers.put("X-Slipway-Alert", rule.name());
    try {
      var answer =
          egress.fetch(
              rule.org(),
              new FetchRequest(rule.webhookUrl(), "POST", headers, body),
              DELIVERY_TIMEOUT);
      return "HTTP " + answer.status();
    } catch (EgressException e) {
      return "refused: " + e.code() + ": " + e.getMessage();
    } catch (RuntimeException e) {
      return "failed: " + e.getMessage();
    }
  }

  /** HMAC-SHA256 of {@code text} keyed by {@code secret}, in hex. */
  public static String sign(String secret, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    LockSupport.unpark(thread);
    thread.join(5_000);
  }
}
