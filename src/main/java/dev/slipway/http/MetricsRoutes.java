package dev.slipway.http;

import dev.slipway.ops.Metrics;
import dev.slipway.security.Action;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.Optional;

/**
 * {@code GET /metrics} in Prometheus's text format: for an operator's scraper, not an org's caller.
 * With {@code SLIPWAY_METRICS_TOKEN} set it needs that bearer token; without one, only a client on
 * this host (loopback) may read it.
 */
public final class MetricsRoutes implements Routes {
  private final Metrics metrics;
  private final Optional<String> token;

  public MetricsRoutes(Metrics metrics, Optional<String> token) {
    this.metrics = metrics;
    this.token = token;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/metrics", this::metrics, Action.PUBLIC);
  }

  private void metrics(Context ctx) {
    OperatorAccess.require(ctx, token, "SLIPWAY_METRICS_TOKEN", true);
    ctx.status(200);
    ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
    ctx.result(metrics.scrape());
  }
}
