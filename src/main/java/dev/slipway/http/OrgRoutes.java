package dev.slipway.http;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.egress.EgressPolicy;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.security.Action;
import dev.slipway.security.EgressRules;
import dev.slipway.security.Orgs;
import dev.slipway.store.AuditStore;
import dev.slipway.store.IdentityStore;
import dev.slipway.store.OrgPools;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The caller's org: its name, its database login, where its scripts may fetch from, and its audit
 * log.
 */
public final class OrgRoutes implements Routes {
  private final Orgs orgs;
  private final OrgPools pools;
  private final EgressRules egressRules;

  public OrgRoutes(Orgs orgs, OrgPools pools, EgressRules egressRules) {
    this.orgs = orgs;
    this.pools = pools;
    this.egressRules = egressRules;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/api/org", this::get, Action.READ);
    routes.addHttpHandler(
        HandlerType.PATCH,
        "/api/org",
        ctx ->
            Api.json(
                ctx,
                200,
                OrgBody.of(orgs.rename(Api.actor(ctx), Api.text(Api.jsonBody(ctx), "name")))),
        Action.MANAGE_ORG);
    routes.addHttpHandler(
        HandlerType.GET,
        "/api/org/egress",
        ctx -> Api.json(ctx, 200, new Egress(egressRules.entries(Api.actor(ctx).orgId()))),
        Action.READ);
    routes.addHttpHandler(HandlerType.PUT, "/api/org/egress", this::putEgress, Action.MANAGE_ORG);
    routes.addHttpHandler(HandlerType.GET, "/api/audit", this::audit, Action.READ_AUDIT);
  }

  record OrgBody(long id, String slug, String name, Instant createdAt) {
    static OrgBody of(IdentityStore.Org org) {
      return new OrgBody(org.id(), org.slug(), org.name(), org.createdAt());
    }
  }

  /** The org, and what its SQL runs as: grant that login what the org's endpoints use. */
  record WithLogin(@JsonUnwrapped OrgBody org, String databaseLogin) {}

  /** Where the org's scripts may fetch from; empty for any public destination. */
  record Egress(List<String> allow) {}

  record AuditEntry(
      long id,
      Instant at,
      String actor,
      String action,
      String target,
      String sourceIp,
      String requestId,
      String outcome,
      Map<String, Object> detail) {
    static AuditEntry of(AuditStore.Event e) {
      return new AuditEntry(
          e.id(),
          e.at(),
          e.actor(),
          e.action(),
          e.target(),
          e.sourceIp(),
          e.requestId(),
          e.outcome().name().toLowerCase(),
          e.detail());
    }
  }

  private void get(Context ctx) throws SQLException {
    long org = Api.actor(ctx).orgId();
    Api.json(ctx, 200, new WithLogin(OrgBody.of(orgs.get(org)), pools.loginOf(org)));
  }

  /** Replaces the allow-list; every unusable entry is a 422 violation at {@code /allow/<i>}. */
  private void putEgress(Context ctx) throws SQLException {
    JsonNode list = Api.jsonBody(ctx).get("allow");
    if (list == null || !list.isArray()) {
      throw ProblemException.unprocessable(
          "invalid_request",
          "The body needs 'allow', a list of host names, *.wildcard hosts "
              + "and CIDR blocks (an empty list allows any public destination).",
          List.of(new Violation("/allow", "required array")));
    }
    var entries = new ArrayList<String>();
    list.forEach(entry -> entries.add(entry.isTextual() ? entry.asText() : null));
    try {
      Api.json(ctx, 200, new Egress(egressRules.replace(Api.actor(ctx), entries)));
    } catch (EgressPolicy.InvalidPolicyException e) {
      throw ProblemException.unprocessable(
          "invalid_egress_rule",
          "The egress allow-list is not valid; nothing was saved.",
          e.problems().stream()
              .map(p -> new Violation("/allow/" + p.index(), p.message()))
              .toList());
    }
  }

  /**
   * {@code ?action=&actor=&outcome=&since=&before=&limit=}: each part that is not what it should be
   * is named.
   */
  private void audit(Context ctx) throws SQLException {
    var violations = new ArrayList<Violation>();
    var outcome =
        Api.query(
            ctx,
            "outcome",
            o -> AuditStore.Outcome.valueOf(o.toUpperCase()),
            "must be success, failure or denied",
            violations);
    var since = Api.query(ctx, "since", Instant::parse, "must be an ISO-8601 instant", violations);
    var before = Api.query(ctx, "before", Long::parseLong, "must be a record id", violations);
    if (!violations.isEmpty())
      throw ProblemException.unprocessable(
          "invalid_query", "The audit query is not valid.", violations);
    int limit =
        Math.clamp(ctx.queryParamAsClass("limit", Integer.class).getOrDefault(100), 1, 1000);
    var filter =
        new AuditStore.Filter(
            Optional.ofNullable(ctx.queryParam("action")),
            Optional.ofNullable(ctx.queryParam("actor")),
            outcome,
            since,
            before,
            limit);
    Api.json(
        ctx,
        200,
        orgs.auditLog(Api.actor(ctx).orgId(), filter).stream().map(AuditEntry::of).toList());
  }
}
