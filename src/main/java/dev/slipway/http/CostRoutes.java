package dev.slipway.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.deploy.CostControl;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.security.Action;
import dev.slipway.store.QuotaStore.Quotas;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Cost control: the org's quotas and where it stands ({@code GET /api/quotas}), pausing and
 * resuming endpoints, auto-pause, and the operator's setting of quotas ({@code
 * /api/operator/orgs/{id}/quotas}, with {@code SLIPWAY_OPERATOR_TOKEN}).
 */
public final class CostRoutes implements Routes {
  private static final Pattern PERIOD = Pattern.compile("([1-9][0-9]{0,5})([mhd])");

  private final CostControl costs;
  private final Optional<String> operatorToken;

  public CostRoutes(CostControl costs, Optional<String> operatorToken) {
    this.costs = costs;
    this.operatorToken = operatorToken;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/api/quotas", this::standing, Action.READ);
    routes.addHttpHandler(HandlerType.GET, "/api/pauses", this::pauses, Action.READ);
    routes.addHttpHandler(
        HandlerType.POST, "/api/endpoints/{name}/pause", ctx -> change(ctx, true), Action.DEPLOY);
    routes.addHttpHandler(
        HandlerType.POST, "/api/endpoints/{name}/resume", ctx -> change(ctx, false), Action.DEPLOY);
    routes.addHttpHandler(HandlerType.GET, "/api/org/auto-pause", this::autoPause, Action.READ);
    routes.addHttpHandler(
        HandlerType.PUT, "/api/org/auto-pause", this::setAutoPause, Action.MANAGE_ORG);
    routes.addHttpHandler(
        HandlerType.GET, "/api/operator/orgs/{id}/quotas", this::operatorStanding, Action.PUBLIC);
    routes.addHttpHandler(
        HandlerType.PUT, "/api/operator/orgs/{id}/quotas", this::setQuotas, Action.PUBLIC);
  }

  /** Quotas as the API shows them: null where there is no limit. */
  record QuotaView(
      Integer endpoints,
      Long callsPerDay,
      Long callsPerMonth,
      Long scriptCpuSecondsPerDay,
      Long logMb) {
    static QuotaView of(Quotas quotas) {
      return new QuotaView(
          quotas.endpoints().orElse(null),
          quotas.callsPerDay().orElse(null),
          quotas.callsPerMonth().orElse(null),
          quotas.scriptCpuSecondsPerDay().orElse(null),
          quotas.logMb().orElse(null));
    }
  }

  record Used(
      long endpoints,
      long callsToday,
      long callsThisMonth,
      double scriptCpuSecondsToday,
      double logMb) {}

  record Standing(QuotaView quotas, Used used, List<String> exceeded) {}

  private static Standing view(CostControl.Standing standing) {
    var use = standing.use();
    return new Standing(
        QuotaView.of(standing.quotas()),
        new Used(
            standing.endpoints(),
            use.callsToday(),
            use.callsThisMonth(),
            Math.round(use.scriptCpuSecondsToday() * 1000) / 1000.0,
            Math.round(use.logBytes() / 1_048_576.0 * 1000) / 1000.0),
        standing.exceeded());
  }

  private void standing(Context ctx) throws SQLException {
    Api.json(ctx, 200, view(costs.standing(Api.actor(ctx).orgId())));
  }

  record PauseView(String endpoint, Instant pausedAt, String reason) {}

  private void pauses(Context ctx) throws SQLException {
    Api.json(
        ctx,
        200,
        costs.pauses(Api.actor(ctx).orgId()).stream()
            .map(p -> new PauseView(p.endpoint(), p.pausedAt(), p.reason()))
            .toList());
  }

  record Changed(String endpoint, boolean paused, boolean changed) {}

  private void change(Context ctx, boolean pause) throws SQLException {
    String name = ctx.pathParam("name");
    var actor = Api.actor(ctx);
    boolean changed = pause ? costs.pause(actor, name) : costs.resume(actor, name);
    Api.json(ctx, 200, new Changed(name, pause, changed));
  }

  record AutoPause(String after) {}

  private void autoPause(Context ctx) throws SQLException {
    Api.json(
        ctx,
        200,
        new AutoPause(
            costs.autoPause(Api.actor(ctx).orgId()).map(CostRoutes::period).orElse(null)));
  }

  /** {@code {after: "7d" | "12h" | "90m" | null}}: null turns auto-pause off. */
  private void setAutoPause(Context ctx) throws SQLException {
    JsonNode after = Api.jsonBody(ctx).path("after");
    Optional<Duration> period;
    if (after.isNull()) period = Optional.empty();
    else {
      var matcher = PERIOD.matcher(after.asText(""));
      if (!after.isTextual() || !matcher.matches())
        throw ProblemException.unprocessable(
            "invalid_request",
            "'after' is how long an endpoint may go without a call: 90m, 12h, 7d, or null for off.",
            List.of(new Violation("/after", "must be a period such as 90m, 12h or 7d, or null")));
      long n = Long.parseLong(matcher.group(1));
      period =
          Optional.of(
              switch (matcher.group(2)) {
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
              });
    }
    costs.setAutoPause(Api.actor(ctx), period);
    Api.json(ctx, 200, new AutoPause(period.map(CostRoutes::period).orElse(null)));
  }

  private static String period(Duration duration) {
    long minutes = duration.toMinutes();
    if (minutes % 1440 == 0) return minutes / 1440 + "d";
    if (minutes % 60 == 0) return minutes / 60 + "h";
    return minutes + "m";
  }

  private long orgId(Context ctx) {
    OperatorAccess.require(ctx, operatorToken, "SLIPWAY_OPERATOR_TOKEN", false);
    try {
      return Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      throw ProblemException.notFound(
          "org_not_found", "'" + ctx.pathParam("id") + "' is no org id.");
    }
  }

  private void operatorStanding(Context ctx) throws SQLException {
    Api.json(ctx, 200, view(costs.standing(orgId(ctx))));
  }

  /**
   * {@code {endpoints?, callsPerDay?, callsPerMonth?, scriptCpuSecondsPerDay?, logMb?}}: each a
   * whole number from 0, or null (or left out) for no limit; it replaces the org's quotas.
   */
  private void setQuotas(Context ctx) throws SQLException {
    long org = orgId(ctx);
    JsonNode body = Api.jsonBody(ctx);
    var violations = new ArrayList<Violation>();
    var known =
        List.of("endpoints", "callsPerDay", "callsPerMonth", "scriptCpuSecondsPerDay", "logMb");
    body.fieldNames()
        .forEachRemaining(
            name -> {
              if (!known.contains(name))
                violations.add(new Violation("/" + name, "is not a quota; quotas: " + known));
            });
    var quotas =
        new Quotas(
            limit(body, "endpoints", violations).map(Long::intValue),
            limit(body, "callsPerDay", violations),
            limit(body, "callsPerMonth", violations),
            limit(body, "scriptCpuSecondsPerDay", violations),
            limit(body, "logMb", violations));
    if (!violations.isEmpty())
      throw ProblemException.unprocessable(
          "invalid_request", "The quotas are not valid.", violations);
    try {
      costs.setQuotas(org, quotas, ctx.ip(), Api.requestId(ctx));
    } catch (SQLException e) {
      if ("23503".equals(e.getSQLState()))
        throw ProblemException.notFound("org_not_found", "No org " + org + ".");
      throw e;
    }
    Api.json(ctx, 200, view(costs.standing(org)));
  }

  private static Optional<Long> limit(JsonNode body, String name, List<Violation> violations) {
    JsonNode value = body.path(name);
    if (value.isMissingNode() || value.isNull()) return Optional.empty();
    if (!value.canConvertToLong()
        || !value.isIntegralNumber()
        || value.asLong() < 0
        || (name.equals("endpoints") && value.asLong() > Integer.MAX_VALUE)) {
      violations.add(new Violation("/" + name, "must be a whole number from 0, or null for none"));
      return Optional.empty();
    }
    return Optional.of(value.asLong());
  }
}
