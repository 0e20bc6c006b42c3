package dev.slipway.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.deploy.Deployer;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.security.Action;
import dev.slipway.store.PlatformTransactions;
import dev.slipway.store.Release;
import dev.slipway.store.ReleaseStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Optional;

/** Deploys, releases and rollbacks. */
public final class ReleaseRoutes implements Routes {
  private final Deployer deployer;
  private final ReleaseStore releases;
  private final PlatformTransactions platform;
  private final LiveRouting live;

  public ReleaseRoutes(
      Deployer deployer, ReleaseStore releases, PlatformTransactions platform, LiveRouting live) {
    this.deployer = deployer;
    this.releases = releases;
    this.platform = platform;
    this.live = live;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.POST, "/api/deploy", this::deploy, Action.DEPLOY);
    routes.addHttpHandler(HandlerType.GET, "/api/releases", this::list, Action.READ);
    routes.addHttpHandler(HandlerType.GET, "/api/releases/live", this::liveRelease, Action.READ);
    routes.addHttpHandler(HandlerType.GET, "/api/releases/{id}", this::get, Action.READ);
    routes.addHttpHandler(
        HandlerType.POST, "/api/releases/{id}/rollback", this::rollback, Action.DEPLOY);
  }

  /**
   * {@code {endpoints?: [name | {name, version}], remove?: [name], note?}}; an empty body deploys
   * every endpoint's latest version.
   */
  private static Deployer.DeployRequest deployRequest(JsonNode request) {
    var targets = new ArrayList<Deployer.Target>();
    var violations = new ArrayList<Violation>();
    JsonNode list = request.path("endpoints");
    for (int i = 0; i < list.size(); i++) {
      JsonNode item = list.get(i);
      if (item.isTextual()) {
        targets.add(new Deployer.Target(item.asText(), Optional.empty()));
      } else if (item.isObject() && item.path("name").isTextual()) {
        targets.add(
            new Deployer.Target(
                item.get("name").asText(),
                item.path("version").isInt()
                    ? Optional.of(item.get("version").asInt())
                    : Optional.empty()));
      } else {
        violations.add(new Violation("/endpoints/" + i, "must be a name or {name, version}"));
      }
    }
    var remove = new ArrayList<String>();
    request.path("remove").forEach(node -> remove.add(node.asText()));
    if (!violations.isEmpty())
      throw ProblemException.unprocessable(
          "invalid_request", "The deploy request is not valid.", violations);
    Optional<String> note =
        request.path("note").isTextual()
            ? Optional.of(request.get("note").asText())
            : Optional.empty();
    return new Deployer.DeployRequest(targets, remove, note);
  }

  private void deploy(Context ctx) throws SQLException {
    JsonNode request = ctx.body().isBlank() ? Json.MAPPER.createObjectNode() : Api.jsonBody(ctx);
    Release release = deployer.deploy(Api.actor(ctx), deployRequest(request));
    Api.json(ctx, 201, Bodies.ReleaseBody.of(release, live));
  }

  private void rollback(Context ctx) throws SQLException {
    Release release =
        deployer.rollback(Api.actor(ctx), Api.id(ctx, "id", "release_not_found", "release"));
    Api.json(ctx, 200, Bodies.ReleaseBody.of(release, live));
  }

  private void list(Context ctx) throws SQLException {
    int limit = Math.clamp(ctx.queryParamAsClass("limit", Integer.class).getOrDefault(50), 1, 500);
    long org = Api.actor(ctx).orgId();
    Api.json(
        ctx,
        200,
        platform.inOrg(org, c -> releases.list(c, org, limit)).stream()
            .map(r -> Bodies.ReleaseBody.of(r, live))
            .toList());
  }

  private void liveRelease(Context ctx) throws SQLException {
    long org = Api.actor(ctx).orgId();
    long id = live.current().releaseOf(org);
    if (id == 0) throw ProblemException.notFound("no_release", "Nothing has been deployed yet.");
    Api.json(
        ctx,
        200,
        Bodies.ReleaseBody.of(
            platform.inOrg(org, c -> releases.find(c, org, id)).orElseThrow(), live));
  }

  private void get(Context ctx) throws SQLException {
    long id = Api.id(ctx, "id", "release_not_found", "release");
    long org = Api.actor(ctx).orgId();
    Release release =
        platform
            .inOrg(org, c -> releases.find(c, org, id))
            .orElseThrow(
                () -> ProblemException.notFound("release_not_found", "No release " + id + "."));
    Api.json(ctx, 200, Bodies.ReleaseBody.of(release, live));
  }
}
