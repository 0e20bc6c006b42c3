package dev.slipway.http;

import dev.slipway.problem.ProblemException;
import dev.slipway.security.Action;
import dev.slipway.security.Secrets;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;

/** The org's secrets: names and dates out, values only in. */
public final class SecretRoutes implements Routes {
  private final Secrets secrets;

  public SecretRoutes(Secrets secrets) {
    this.secrets = secrets;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(
        HandlerType.GET,
        "/api/secrets",
        ctx -> Api.json(ctx, 200, secrets.list(Api.actor(ctx).orgId())),
        Action.READ);
    routes.addHttpHandler(HandlerType.PUT, "/api/secrets/{name}", this::put, Action.MANAGE_SECRETS);
    routes.addHttpHandler(
        HandlerType.DELETE, "/api/secrets/{name}", this::delete, Action.MANAGE_SECRETS);
  }

  record Saved(String name, boolean created) {}

  /** {@code {value}}: 201 when the name is new, 200 when it replaced a value. */
  private void put(Context ctx) throws SQLException {
    String name = ctx.pathParam("name");
    boolean created = secrets.put(Api.actor(ctx), name, Api.text(Api.jsonBody(ctx), "value"));
    Api.json(ctx, created ? 201 : 200, new Saved(name, created));
  }

  private void delete(Context ctx) throws SQLException {
    String name = ctx.pathParam("name");
    if (!secrets.delete(Api.actor(ctx), name))
      throw ProblemException.notFound("secret_not_found", "No secret '" + name + "'.");
    ctx.status(204);
  }
}
