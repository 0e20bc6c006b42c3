package dev.slipway.runtime;

import dev.slipway.spec.PathPattern;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing table in service: every org's live release behind one router (orgs share the data
 * plane's path space; a deploy that would take a route another org serves is refused). A request
 * reads the table once when it starts and keeps it to the end, so a swap never changes the version
 * a request in flight runs on.
 */
public final class LiveRouting {
  private static final Logger LOG = LoggerFactory.getLogger(LiveRouting.class);

  /** An org's live release: its routes and its job handlers by name. */
  private record OrgRelease(
      long releaseId,
      Map<Router.RouteKey, CompiledEndpoint> routes,
      Map<String, CompiledEndpoint> handlers) {}

  private final Map<Long, OrgRelease> orgs = new HashMap<>();
  private volatile RoutingTable table = RoutingTable.EMPTY;

  public RoutingTable current() {
    return table;
  }

  /**
   * Makes {@code routes} and {@code handlers} the org's live release and swaps in the table of
   * every org.
   */
  public synchronized void swap(
      long orgId,
      long releaseId,
      Map<Router.RouteKey, CompiledEndpoint> routes,
      Map<String, CompiledEndpoint> handlers) {
    orgs.put(orgId, new OrgRelease(releaseId, Map.copyOf(routes), Map.copyOf(handlers)));
    var merged = new LinkedHashMap<Router.RouteKey, CompiledEndpoint>();
    var releases = new HashMap<Long, Long>();
    var liveHandlers = new HashMap<Long, Map<String, CompiledEndpoint>>();
    var byShape = new HashMap<String, Long>();
    orgs.forEach(
        (org, release) -> {
          releases.put(org, release.releaseId());
          if (!release.handlers().isEmpty()) liveHandlers.put(org, release.handlers());
          release
              .routes()
              .forEach(
                  (key, endpoint) -> {
                    Long owner =
                        byShape.putIfAbsent(
                            key.method() + " " + PathPattern.shape(key.path()), org);
                    if (owner == null) {
                      merged.put(key, endpoint);
                    } else {
                      // deploys refuse this under a cluster-wide lock; only a table loaded
                      // mid-deploy can see it
                      LOG.warn(
                          "{} {} is served by org {} and org {}; org {} keeps it",
                          key.method(),
                          key.path(),
                          owner,
                          org,
                          owner);
                    }
                  });
        });
    table =
        new RoutingTable(
            releases, Router.of(merged), OpenApiDocuments.of(merged.values()), liveHandlers);
  }
}
