package dev.slipway.http;

import io.javalin.config.RoutesConfig;

/**
 * One area of the platform API (endpoints, releases, keys, ...): its routes, each registered with
 * the {@link dev.slipway.security.Action} it performs, and its handlers. An area takes only the
 * services its handlers use; {@link ControlPlaneServer} checks every route's action before it runs.
 */
public interface Routes {
  void register(RoutesConfig routes);
}
