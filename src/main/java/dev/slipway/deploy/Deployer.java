package dev.slipway.deploy;

import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.runtime.CompiledEndpoint;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.runtime.Router;
import dev.slipway.security.Actor;
import dev.slipway.spec.PathPattern;
import dev.slipway.spec.Trigger;
import dev.slipway.store.AuditStore;
import dev.slipway.store.EndpointStore;
import dev.slipway.store.EndpointVersion;
import dev.slipway.store.Notifications;
import dev.slipway.store.PlatformTransactions;
import dev.slipway.store.Release;
import dev.slipway.store.ReleaseStore;
import dev.slipway.store.ScheduleStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes an org's releases live. A deploy or rollback runs in one transaction under a cluster-wide
 * advisory lock: it compiles the whole release (a release that does not compile never goes live),
 * checks that no route is served twice (in the release, or by another org), records the release,
 * its activation and the audit record, then swaps this instance's routing table and notifies the
 * others. Requests in flight keep the table they started with.
 */
public final class Deployer {
  private static final Logger LOG = LoggerFactory.getLogger(Deployer.class);

  /** Key of the advisory lock that serializes deploys across instances. */
  private static final long DEPLOY_LOCK = 0x5_11_b_4a_7L;

  public static final String CHANNEL = "slipway_release";
  public static final String ENVIRONMENT = "prod";

  private final PlatformTransactions platform;
  private final EndpointStore endpoints;
  private final ReleaseStore releases;
  private final AuditStore audit;
  private final Drafts versions;
  private final LiveRouting live;
  private final ScheduleStore schedules;
  private final Map<Long, CompiledEndpoint> compiled = new ConcurrentHashMap<>();

  public Deployer(
      PlatformTransactions platform,
      EndpointStore endpoints,
      ReleaseStore releases,
      AuditStore audit,
      Drafts versions,
      LiveRouting live,
      ScheduleStore schedules) {
    this.platform = platform;
    this.endpoints = endpoints;
    this.releases = releases;
    this.audit = audit;
    this.versions = versions;
    this.live = live;
    this.schedules = schedules;
  }

  /** One endpoint to deploy: its name, and a version (the latest when empty). */
  public record Target(String name, Optional<Integer> version) {}

  /**
   * What to deploy. With no targets and no removals, every endpoint's latest version; otherwise the
   * live release with the targets set to their versions and the removals taken out.
   */
  public record DeployRequest(List<Target> targets, List<String> remove, Optional<String> note) {}

  public synchronized Release deploy(Actor actor, DeployRequest request) throws SQLException {
    long org = actor.orgId();
    var done =
        underLock(
            org,
            (c, taken) -> {
              var set = releaseSet(c, org, request);
              var chosen = List.copyOf(set.values());
              var served = served(chosen, taken);
              long id =
                  releases.create(
                      c,
                      org,
                      ENVIRONMENT,
                      request.note().orElse(null),
                      chosen.stream().map(EndpointVersion::id).toList());
              releases.activate(c, org, id, ENVIRONMENT, "deploy");
              schedules.sync(c, org, served.schedules());
              audit.record(
                  c,
                  actor.event(
                      "release.deploy",
                      "release:" + id,
                      AuditStore.Outcome.SUCCESS,
                      Map.of(
                          "endpoints",
                          chosen.stream().map(v -> v.name() + " v" + v.version()).toList())));
              notifyOthers(c, org, id);
              return new Swap(releases.find(c, org, id).orElseThrow(), served);
            });
    swap(org, done.release().id(), done.served());
    LOG.info(
        "org {}: deployed release {} with {} endpoint(s) and {} job handler(s)",
        org,
        done.release().id(),
        done.served().routes().size(),
        done.served().handlers().size());
    return done.release();
  }

  /** Makes an earlier release of the org live again. */
  public synchronized Release rollback(Actor actor, long releaseId) throws SQLException {
    long org = actor.orgId();
    var done =
        underLock(
            org,
            (c, taken) -> {
              Release release =
                  releases
                      .find(c, org, releaseId)
                      .orElseThrow(
                          () ->
                              ProblemException.notFound(
                                  "release_not_found", "No release " + releaseId + "."));
              var served = served(release.versions(), taken);
              releases.activate(c, org, releaseId, ENVIRONMENT, "rollback");
              schedules.sync(c, org, served.schedules());
              audit.record(c, actor.success("release.rollback", "release:" + releaseId));
              notifyOthers(c, org, releaseId);
              return new Swap(release, served);
            });
    swap(org, releaseId, done.served());
    LOG.info("org {}: rolled back to release {}", org, releaseId);
    return done.release();
  }

  /**
   * Loads every org's live release from the database, where it is not the one in service already.
   */
  public synchronized void loadActive() throws SQLException {
    var active = platform.system(c -> releases.activeIds(c, ENVIRONMENT));
    for (var entry : active.entrySet()) {
      long org = entry.getKey();
      long releaseId = entry.getValue();
      if (live.current().releaseOf(org) == releaseId) continue;
      Release release = platform.inOrg(org, c -> releases.find(c, org, releaseId).orElseThrow());
      Served served = compiledAll(release.versions());
      swap(org, releaseId, served);
      LOG.info(
          "org {}: serving release {} with {} endpoint(s) and {} job handler(s)",
          org,
          releaseId,
          served.routes().size(),
          served.handlers().size());
    }
  }

  /** What a deploy or rollback hands from its transaction to the swap after it commits. */
  private record Swap(Release release, Served served) {}

  /** What a release serves, compiled: its HTTP routes, and its job handlers by name. */
  private record Served(
      Map<Router.RouteKey, CompiledEndpoint> routes, Map<String, CompiledEndpoint> handlers) {

    /** The handlers that run on a schedule, with it. */
    Map<String, Trigger.Schedule> schedules() {
      var schedules = new LinkedHashMap<String, Trigger.Schedule>();
      handlers.forEach(
          (name, handler) -> {
            if (handler.spec().trigger() instanceof Trigger.Schedule schedule)
              schedules.put(name, schedule);
          });
      return schedules;
    }
  }

  private Map<String, EndpointVersion> releaseSet(Connection c, long org, DeployRequest request)
      throws SQLException {
    Map<String, EndpointVersion> set = new LinkedHashMap<>();
    if (request.targets().isEmpty() && request.remove().isEmpty()) {
      for (var summary : endpoints.list(c, org)) set.put(summary.name(), summary.latest());
      return set;
    }
    Optional<Long> activeId = releases.activeId(c, org, ENVIRONMENT);
    if (activeId.isPresent()) {
      releases
          .find(c, org, activeId.get())
          .orElseThrow()
          .versions()
          .forEach(v -> set.put(v.name(), v));
    }
    for (Target target : request.targets()) {
      var version =
          target.version().isPresent()
              ? endpoints.version(c, org, target.name(), target.version().get())
              : endpoints.latest(c, org, target.name());
      set.put(
          target.name(),
          version.orElseThrow(
              () ->
                  ProblemException.notFound(
                      "endpoint_not_found",
                      "No endpoint '"
                          + target.name()
                          + "'"
                          + target.version().map(v -> " with version " + v).orElse("")
                          + ".")));
    }
    for (String name : request.remove()) {
      if (set.remove(name) == null) {
        throw ProblemException.notFound(
            "endpoint_not_live", "Endpoint '" + name + "' is not in the live release.");
      }
    }
    return set;
  }

  /**
   * The release's routes and handlers, compiled; a 409 when a route is served twice in it or by
   * another org.
   */
  private Served served(List<EndpointVersion> chosen, Set<String> taken) {
    var byShape = new HashMap<String, String>();
    var conflicts = new ArrayList<Violation>();
    for (EndpointVersion version : chosen) {
      if (!version.servesHttp()) continue;
      String other = byShape.putIfAbsent(shape(version.method(), version.path()), version.name());
      if (other != null) {
        conflicts.add(
            new Violation(
                "/endpoints/" + version.name(),
                "'"
                    + version.name()
                    + "' and '"
                    + other
                    + "' both serve "
                    + version.method()
                    + " "
                    + version.path()));
      }
    }
    if (!conflicts.isEmpty()) {
      throw new ProblemException(
          409,
          "route_conflict",
          "Conflict",
          "Two endpoints in the release serve the same route.",
          conflicts,
          Map.of());
    }
    for (EndpointVersion version : chosen) {
      if (version.servesHttp() && taken.contains(shape(version.method(), version.path()))) {
        conflicts.add(
            new Violation(
                "/endpoints/" + version.name(),
                "another org already serves " + version.method() + " " + version.path()));
      }
    }
    if (!conflicts.isEmpty()) {
      throw new ProblemException(
          409,
          "route_taken",
          "Conflict",
          "A route in the release is served by another org.",
          conflicts,
          Map.of());
    }
    return compiledAll(chosen);
  }

  private Served compiledAll(List<EndpointVersion> versions) {
    var routes = new LinkedHashMap<Router.RouteKey, CompiledEndpoint>();
    var handlers = new LinkedHashMap<String, CompiledEndpoint>();
    for (EndpointVersion version : versions) {
      if (version.servesHttp()) routes.put(routeKey(version), compiled(version));
      else handlers.put(version.name(), compiled(version));
    }
    return new Served(routes, handlers);
  }

  private static String shape(String method, String path) {
    return method + " " + PathPattern.shape(path);
  }

  private static Router.RouteKey routeKey(EndpointVersion version) {
    return new Router.RouteKey(version.method(), version.path());
  }

  /**
   * The compiled form of a version, compiled once and shared while it is live; its scripts are
   * ready in every sandbox worker before it is returned, and so before any route serves it.
   */
  private CompiledEndpoint compiled(EndpointVersion version) {
    return compiled.computeIfAbsent(
        version.id(),
        id -> {
          CompiledEndpoint endpoint = versions.compile(version);
          endpoint.prepareScripts();
          return endpoint;
        });
  }

  private void swap(long org, long releaseId, Served served) {
    live.swap(org, releaseId, served.routes(), served.handlers());
    var keep = new HashSet<Long>();
    live.current().router().targets().forEach(e -> keep.add(e.identity().versionId()));
    live.current()
        .handlers()
        .values()
        .forEach(byName -> byName.values().forEach(e -> keep.add(e.identity().versionId())));
    compiled.keySet().retainAll(keep);
  }

  /** Work under the deploy lock, given the routes (as shapes) that other orgs serve live. */
  @FunctionalInterface
  private interface LockedWork<T> {
    T run(Connection c, Set<String> taken) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction that holds the deploy lock and is confined to the org's
   * rows (the other orgs' live routes are read first, as the owner, for the conflict check).
   */
  private <T> T underLock(long org, LockedWork<T> work) throws SQLException {
    return platform.system(
        c -> {
          try (var ps = c.prepareStatement("select pg_advisory_xact_lock(?)")) {
            ps.setLong(1, DEPLOY_LOCK);
            ps.execute();
          }
          var taken = new HashSet<String>();
          for (var route : releases.routesOfOtherOrgs(c, org, ENVIRONMENT))
            taken.add(shape(route.method(), route.path()));
          platform.enterOrg(c, org);
          return work.run(c, taken);
        });
  }

  private static void notifyOthers(Connection c, long org, long releaseId) throws SQLException {
    Notifications.send(c, CHANNEL, ENVIRONMENT + ":" + org + ":" + releaseId);
  }
}
