package dev.slipway.deploy;

import dev.slipway.http.ProblemException;
import dev.slipway.runtime.CompiledEndpoint;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.runtime.Router;
import dev.slipway.runtime.RoutingTable;
import dev.slipway.spec.PathPattern;
import dev.slipway.spec.Violation;
import dev.slipway.store.EndpointStore;
import dev.slipway.store.EndpointVersion;
import dev.slipway.store.Release;
import dev.slipway.store.ReleaseStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes releases live. A deploy or rollback compiles the whole release first (a release that does
 * not compile never goes live), records it in one transaction under a cluster-wide advisory lock,
 * then swaps this instance's routing table and notifies the others. Requests in flight keep the
 * table they started with.
 */
public final class Deployer {
  private static final Logger LOG = LoggerFactory.getLogger(Deployer.class);
  /** Key of the advisory lock that serializes deploys across instances. */
  private static final long DEPLOY_LOCK = 0x5_11_b_4a_7L;
  public static final String CHANNEL = "slipway_release";
  public static final String ENVIRONMENT = "prod";

  private final DataSource dataSource;
  private final EndpointStore endpoints;
  private final ReleaseStore releases;
  private final Versions versions;
  private final LiveRouting live;
  private final Map<Long, CompiledEndpoint> compiled = new ConcurrentHashMap<>();

  public Deployer(DataSource dataSource, EndpointStore endpoints, ReleaseStore releases, Versions versions,
      LiveRouting live) {
    this.dataSource = dataSource;
    this.endpoints = endpoints;
    this.releases = releases;
    this.versions = versions;
    this.live = live;
  }

  /** One endpoint to deploy: its name, and a version (the latest when empty). */
  public record Target(String name, Optional<Integer> version) {}

  /**
   * What to deploy. With no targets and no removals, every endpoint's latest version; otherwise
   * the live release with the targets set to their versions and the removals taken out.
   */
  public record DeployRequest(List<Target> targets, List<String> remove, Optional<String> note) {}

  public synchronized Release deploy(DeployRequest request) throws SQLException {
    Map<String, EndpointVersion> set = new LinkedHashMap<>();
    if (request.targets().isEmpty() && request.remove().isEmpty()) {
      for (var summary : endpoints.list()) set.put(summary.name(), summary.latest());
    } else {
      Optional<Long> activeId = releases.activeId(ENVIRONMENT);
      if (activeId.isPresent()) {
        releases.find(activeId.get()).orElseThrow().versions().forEach(v -> set.put(v.name(), v));
      }
      for (Target target : request.targets()) {
        var version = target.version().isPresent()
            ? endpoints.version(target.name(), target.version().get())
            : endpoints.latest(target.name());
        set.put(target.name(), version.orElseThrow(() -> ProblemException.notFound("endpoint_not_found",
            "No endpoint '" + target.name() + "'" + target.version().map(v -> " with version " + v).orElse("") + ".")));
      }
      for (String name : request.remove()) {
        if (set.remove(name) == null) {
          throw ProblemException.notFound("endpoint_not_live", "Endpoint '" + name + "' is not in the live release.");
        }
      }
    }
    var versions = List.copyOf(set.values());
    RoutingTable table = build(0, versions);
    try (Connection c = transaction()) {
      long id = releases.create(c, ENVIRONMENT, request.note().orElse(null), versions.stream().map(EndpointVersion::id).toList());
      releases.activate(c, id, ENVIRONMENT, "deploy");
      notifyOthers(c, id);
      c.commit();
      swap(new RoutingTable(id, table.router()));
      LOG.info("deployed release {} with {} endpoint(s)", id, versions.size());
      return releases.find(id).orElseThrow();
    }
  }

  /** Makes an earlier release live again. */
  public synchronized Release rollback(long releaseId) throws SQLException {
    Release release = releases.find(releaseId).orElseThrow(() ->
        ProblemException.notFound("release_not_found", "No release " + releaseId + "."));
    RoutingTable table = build(releaseId, release.versions());
    try (Connection c = transaction()) {
      releases.activate(c, releaseId, ENVIRONMENT, "rollback");
      notifyOthers(c, releaseId);
      c.commit();
    }
    swap(table);
    LOG.info("rolled back to release {}", releaseId);
    return release;
  }

  /** Loads the live release from the database, if it is not the one in service already. */
  public synchronized void loadActive() throws SQLException {
    Optional<Long> activeId = releases.activeId(ENVIRONMENT);
    if (activeId.isEmpty() || activeId.get() == live.current().releaseId()) return;
    Release release = releases.find(activeId.get()).orElseThrow();
    swap(build(release.id(), release.versions()));
    LOG.info("serving release {} with {} endpoint(s)", release.id(), release.versions().size());
  }

  /** The compiled form of a version, compiled once and shared while it is live. */
  private CompiledEndpoint compiled(EndpointVersion version) {
    return compiled.computeIfAbsent(version.id(), id -> versions.compile(version));
  }

  private RoutingTable build(long releaseId, List<EndpointVersion> versions) {
    var routes = new LinkedHashMap<Router.RouteKey, CompiledEndpoint>();
    var byShape = new HashMap<String, String>();
    var conflicts = new ArrayList<Violation>();
    for (EndpointVersion version : versions) {
      String shape = version.method() + " " + PathPattern.shape(version.path());
      String other = byShape.putIfAbsent(shape, version.name());
      if (other != null) {
        conflicts.add(new Violation("/endpoints/" + version.name(),
            "'" + version.name() + "' and '" + other + "' both serve " + version.method() + " " + version.path()));
      }
    }
    if (!conflicts.isEmpty()) {
      throw new ProblemException(409, "route_conflict", "Conflict", "Two endpoints in the release serve the same route.",
          conflicts, Map.of());
    }
    for (EndpointVersion version : versions) {
      routes.put(new Router.RouteKey(version.method(), version.path()), compiled(version));
    }
    return new RoutingTable(releaseId, Router.of(routes));
  }

  private void swap(RoutingTable table) {
    live.swap(table);
    var keep = new java.util.HashSet<Long>();
    versionsOf(table).forEach(keep::add);
    compiled.keySet().retainAll(keep);
  }

  private static List<Long> versionsOf(RoutingTable table) {
    return table.router().targets().stream().map(e -> e.identity().versionId()).toList();
  }

  private Connection transaction() throws SQLException {
    Connection c = dataSource.getConnection();
    try {
      c.setAutoCommit(false);
      try (var ps = c.prepareStatement("select pg_advisory_xact_lock(?)")) {
        ps.setLong(1, DEPLOY_LOCK);
        ps.execute();
      }
      return c;
    } catch (SQLException e) {
      c.close();
      throw e;
    }
  }

  private static void notifyOthers(Connection c, long releaseId) throws SQLException {
    try (var ps = c.prepareStatement("select pg_notify(?, ?)")) {
      ps.setString(1, CHANNEL);
      ps.setString(2, ENVIRONMENT + ":" + releaseId);
      ps.execute();
    }
  }
}
