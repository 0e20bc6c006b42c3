package dev.slipway.runtime;

import java.util.Map;

/**
 * What the data plane serves: one release's endpoints behind their router. Immutable; a deploy or
 * rollback builds a new table and {@link LiveRouting} swaps it in at once.
 *
 * @param releaseId the release, 0 before the first deploy
 */
public record RoutingTable(long releaseId, Router<CompiledEndpoint> router) {
  public static final RoutingTable EMPTY = new RoutingTable(0, Router.of(Map.of()));
}
