package dev.slipway.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.deploy.Alerts;
import dev.slipway.egress.Egress;
import dev.slipway.egress.EgressException;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.security.Action;
import dev.slipway.security.Secrets;
import dev.slipway.store.AlertStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Alert rules: {@code GET/POST /api/alerts}, {@code DELETE /api/alerts/{id}}, and {@code POST
 * /api/alerts/{id}/test}, which sends a test message now.
 */
public final class AlertRoutes implements Routes {
  private static final Set<String> KINDS = Set.of("error_rate", "p95", "quota");
  private static final Pattern WINDOW = Pattern.compile("([1-9][0-9]{0,4})([mh])");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}");

  private final Alerts alerts;
  private final Egress egress;
  private final Secrets secrets;

  public AlertRoutes(Alerts alerts, Egress egress, Secrets secrets) {
    this.alerts = alerts;
    this.egress = egress;
    this.secrets = secrets;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/api/alerts", this::list, Action.READ);
    routes.addHttpHandler(HandlerType.POST, "/api/alerts", this::add, Action.DEPLOY);
    routes.addHttpHandler(HandlerType.DELETE, "/api/alerts/{id}", this::delete, Action.DEPLOY);
    routes.addHttpHandler(HandlerType.POST, "/api/alerts/{id}/test", this::test, Action.DEPLOY);
  }

  record RuleView(
      long id,
      String name,
      String endpoint,
      String kind,
      double threshold,
      String window,
      String webhookUrl,
      String signingSecret,
      boolean firing,
      Instant changedAt,
      String lastDelivery,
      Instant createdAt) {
    static RuleView of(AlertStore.Rule rule) {
      int seconds = rule.windowSeconds();
      return new RuleView(
          rule.id(),
          rule.name(),
          rule.endpoint(),
          rule.kind(),
          rule.threshold(),
          seconds % 3600 == 0 ? seconds / 3600 + "h" : seconds / 60 + "m",
          rule.webhookUrl(),
          rule.signingSecret(),
          rule.firing(),
          rule.changedAt(),
          rule.lastDelivery(),
          rule.createdAt());
    }
  }

  private void list(Context ctx) throws SQLException {
    Api.json(ctx, 200, alerts.list(Api.actor(ctx).orgId()).stream().map(RuleView::of).toList());
  }

  /**
   * {@code {name, kind: error_rate|p95|quota, threshold, window?: "5m", endpoint?, webhookUrl,
   * signingSecret}}: error_rate and quota are shares (0 to 1), p95 milliseconds; the webhook must
   * be one the org's egress policy allows, the signing secret one of the org's secrets.
   */
  private void add(Context ctx) throws SQLException {
    long org = Api.actor(ctx).orgId();
    JsonNode body = Api.jsonBody(ctx);
    var violations = new ArrayList<Violation>();
    String name = body.path("name").asText("");
    if (!body.path("name").isTextual() || !NAME.matcher(name).matches())
      violations.add(new Violation("/name", "required: letters, digits, space . _ -, up to 80"));
    String kind = body.path("kind").asText("");
    if (!KINDS.contains(kind))
      violations.add(new Violation("/kind", "must be error_rate, p95 or quota"));
    JsonNode threshold = body.path("threshold");
    if (!threshold.isNumber() || threshold.asDouble() < 0)
      violations.add(new Violation("/threshold", "must be a number from 0"));
    else if (!kind.equals("p95") && threshold.asDouble() > 1)
      violations.add(new Violation("/threshold", "is a share for " + kind + ": 0 to 1"));
    int window = 300;
    if (!body.path("window").isMissingNode()) {
      var matcher = WINDOW.matcher(body.path("window").asText(""));
      if (!matcher.matches())
        violations.add(new Violation("/window", "must be minutes or hours: 5m, 1h"));
      else {
        window = Integer.parseInt(matcher.group(1)) * (matcher.group(2).equals("h") ? 3600 : 60);
        if (window < 60 || window > 86_400)
          violations.add(new Violation("/window", "must be from 1m to 24h"));
      }
    }
    String endpoint = body.path("endpoint").isTextual() ? body.path("endpoint").asText() : null;
    String url = body.path("webhookUrl").asText("");
    if (!url.startsWith("https://") && !url.startsWith("http://"))
      violations.add(new Violation("/webhookUrl", "must be an http(s) URL"));
    else {
      try {
        egress.checkWithoutResolving(org, url);
      } catch (EgressException e) {
        violations.add(new Violation("/webhookUrl", e.getMessage()));
      }
    }
    String signingSecret = body.path("signingSecret").asText("");
    boolean known = secrets.list(org).stream().anyMatch(s -> s.name().equals(signingSecret));
    if (!known)
      violations.add(
          new Violation("/signingSecret", "must name one of the org's secrets (PUT /api/secrets)"));
    if (!violations.isEmpty())
      throw ProblemException.unprocessable(
          "invalid_request", "The alert rule is not valid.", violations);
    var added =
        alerts.add(
            Api.actor(ctx),
            new AlertStore.NewRule(
                name, endpoint, kind, threshold.asDouble(), window, url, signingSecret));
    Api.json(ctx, 201, RuleView.of(added));
  }

  private AlertStore.Rule found(Context ctx) throws SQLException {
    long id;
    try {
      id = Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      id = -1;
    }
    long wanted = id;
    return alerts
        .find(Api.actor(ctx).orgId(), id)
        .orElseThrow(
            () -> ProblemException.notFound("alert_not_found", "No alert rule " + wanted + "."));
  }

  private void delete(Context ctx) throws SQLException {
    var rule = found(ctx);
    alerts.delete(Api.actor(ctx), rule.id());
    ctx.status(204);
  }

  record Delivery(long id, String delivery) {}

  private void test(Context ctx) throws SQLException {
    var rule = found(ctx);
    Api.json(ctx, 200, new Delivery(rule.id(), alerts.test(rule)));
  }
}
