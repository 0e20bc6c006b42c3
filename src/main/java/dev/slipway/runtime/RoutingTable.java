package dev.slipway.runtime;

import java.util.Map;

/**
 * What the data plane serves: every org's live release, its endpoints behind one router. Immutable;
 * a deploy or rollback builds a new table and {@link LiveRouting} swaps it in at once.
 *
 * @param releases each org's live release id
 * @param openApi the OpenAPI 3.1 document of every endpoint served, as JSON bytes
 * @param handlers each org's live job handlers by name
 */
public record RoutingTable(
    Map<Long, Long> releases,
    Router<CompiledEndpoint> router,
    byte[] openApi,
    Map<Long, Map<String, CompiledEndpoint>> handlers) {
  public static final RoutingTable EMPTY =
      new RoutingTable(
          Map.of(), Router.of(Map.of()), OpenApiDocuments.of(java.util.List.of()), Map.of());

  public RoutingTable {
    releases = Map.copyOf(releases);
    handlers = Map.copyOf(handlers);
  }

  /** The org's live job handler of that name, if it has one. */
  public java.util.Optional<CompiledEndpoint> handler(long orgId, String name) {
    var live = handlers.get(orgId);
    return java.util.Optional.ofNullable(live == null ? null : live.get(name));
  }

  /** The org's live release, 0 when it has deployed nothing. */
  public long releaseOf(long orgId) {
    Long id = releases.get(orgId);
    return id == null ? 0 : id;
  }
}
