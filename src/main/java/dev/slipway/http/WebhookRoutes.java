package dev.slipway.http;

import dev.slipway.common.Json;
import dev.slipway.problem.ProblemException;
import dev.slipway.runtime.SecretSource;
import dev.slipway.security.Action;
import dev.slipway.security.Actor;
import dev.slipway.store.AuditStore;
import dev.slipway.store.JobStore;
import dev.slipway.store.WebhookStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.util.List;

/**
 * The org's outgoing webhooks: the deliveries (newest first), one with every attempt, and sending a
 * finished one again.
 */
public final class WebhookRoutes implements Routes {
  private final WebhookStore webhooks;
  private final JobStore jobs;
  private final AuditStore audit;
  private final SecretSource secrets;

  /** {@code secrets}: the org's secret values are taken out of what a delivery shows. */
  public WebhookRoutes(
      WebhookStore webhooks, JobStore jobs, AuditStore audit, SecretSource secrets) {
    this.webhooks = webhooks;
    this.jobs = jobs;
    this.audit = audit;
    this.secrets = secrets;
  }

  /**
   * The delivery as a reader of the org may see it: a URL, message, error or answer that holds one
   * of the org's secret values (a URL built from a secret) shows {@code [secret:NAME]} instead.
   */
  private WebhookStore.Delivery redacted(long org, WebhookStore.Delivery d) {
    return new WebhookStore.Delivery(
        d.id(),
        d.status(),
        secrets.redact(org, d.url()),
        secrets.redact(org, d.event()),
        Json.MAPPER.valueToTree(secrets.redactTree(org, Json.plain(d.data()))),
        d.secret(),
        d.retryUntil(),
        d.attempts(),
        d.lastStatus(),
        d.lastError() == null ? null : secrets.redact(org, d.lastError()),
        d.createdAt(),
        d.finishedAt(),
        d.attemptLog().stream()
            .map(
                a ->
                    new WebhookStore.Attempt(
                        a.attempt(),
                        a.at(),
                        secrets.redact(org, a.url()),
                        a.status(),
                        a.durationMs(),
                        a.error() == null ? null : secrets.redact(org, a.error()),
                        a.response() == null ? null : secrets.redact(org, a.response())))
            .toList());
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/api/webhooks/deliveries", this::list, Action.READ);
    routes.addHttpHandler(
        HandlerType.GET, "/api/webhooks/deliveries/{id}", this::find, Action.READ);
    routes.addHttpHandler(
        HandlerType.POST, "/api/webhooks/deliveries/{id}/resend", this::resend, Action.RUN_JOBS);
  }

  record Listing(List<WebhookStore.Delivery> deliveries, Long next) {}

  /** {@code ?status=&before=&limit=}: newest first; {@code next} pages on. */
  private void list(Context ctx) throws SQLException {
    var query = JobRoutes.PageQuery.read(ctx, "a delivery id");
    long org = Api.actor(ctx).orgId();
    var page =
        webhooks.list(org, query.status(), query.before(), query.limit()).stream()
            .map(d -> redacted(org, d))
            .toList();
    Api.json(
        ctx, 200, new Listing(page, page.size() == query.limit() ? page.getLast().id() : null));
  }

  private void find(Context ctx) throws SQLException {
    long id = Api.id(ctx, "id", "delivery_not_found", "delivery");
    long org = Api.actor(ctx).orgId();
    Api.json(ctx, 200, redacted(org, webhooks.find(org, id).orElseThrow(() -> notFound(id))));
  }

  private void resend(Context ctx) throws SQLException {
    Actor actor = Api.actor(ctx);
    long id = Api.id(ctx, "id", "delivery_not_found", "delivery");
    if (!jobs.change(
        actor.orgId(),
        id,
        JobStore.Change.RESEND,
        audit,
        actor.success("webhook.resend", "delivery:" + id))) {
      webhooks.find(actor.orgId(), id).orElseThrow(() -> notFound(id));
      throw ProblemException.conflict(
          "delivery_not_finished",
          "Delivery " + id + " is queued or running: only a finished one is sent again.");
    }
    Api.json(ctx, 200, redacted(actor.orgId(), webhooks.find(actor.orgId(), id).orElseThrow()));
  }

  private static ProblemException notFound(long id) {
    return ProblemException.notFound("delivery_not_found", "No webhook delivery " + id + ".");
  }
}
