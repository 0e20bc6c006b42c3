package dev.slipway.http;

import dev.slipway.common.Resources;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.runtime.ScriptConsole;
import dev.slipway.security.Action;
import dev.slipway.spec.SpecCodec;
import dev.slipway.store.OrgPools;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** Health and the schemas editors read: public, no org's data. */
public final class StatusRoutes implements Routes {
  /** The declarations of what scripts see ({@code ctx}, {@code console}), for editors. */
  private static final String SCRIPT_TYPES = Resources.text("schemas/slipway.d.ts");

  private final LiveRouting live;
  private final ScriptConsole console;
  private final OrgPools orgs;
  private final boolean embeddedDatabase;
  private final String version;
  private final Instant started;

  public StatusRoutes(
      LiveRouting live,
      ScriptConsole console,
      OrgPools orgs,
      boolean embeddedDatabase,
      String version,
      Instant started) {
    this.live = live;
    this.console = console;
    this.orgs = orgs;
    this.embeddedDatabase = embeddedDatabase;
    this.version = version;
    this.started = started;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/api/health", this::health, Action.PUBLIC);
    routes.addHttpHandler(
        HandlerType.GET,
        "/api/schemas/endpoint.json",
        ctx ->
            ctx.contentType("application/schema+json; charset=utf-8").result(SpecCodec.SCHEMA_TEXT),
        Action.PUBLIC);
    routes.addHttpHandler(
        HandlerType.GET,
        "/api/schemas/slipway.d.ts",
        ctx -> ctx.contentType("application/typescript; charset=utf-8").result(SCRIPT_TYPES),
        Action.PUBLIC);
  }

  /**
   * {@code starting} while the platform API answers but scripts would wait for the first sandbox
   * worker.
   */
  record Health(
      String status,
      String version,
      long uptime,
      Map<String, Object> connections,
      String database,
      Map<String, Object> userSql,
      Map<String, Object> sandbox,
      int liveReleases,
      int liveEndpoints) {}

  private void health(Context ctx) {
    var table = live.current();
    boolean ready = console.sandboxStarted();
    Api.json(
        ctx,
        ready ? 200 : 503,
        new Health(
            ready ? "ok" : "starting",
            version,
            Duration.between(started, Instant.now()).toSeconds(),
            orgs.connections(),
            embeddedDatabase ? "embedded" : "external",
            orgs.describe(),
            console.sandboxHealth(),
            table.releases().size(),
            table.router().targets().size()));
  }
}
