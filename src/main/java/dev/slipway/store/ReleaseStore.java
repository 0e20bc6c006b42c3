package dev.slipway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An org's releases and their activations. Every method takes the caller's transaction, so a deploy
 * is one transaction; the live release is the newest activation of the org's environment.
 */
public final class ReleaseStore {
  /** A route another org serves live: its method and path. */
  public record LiveRoute(long orgId, String method, String path) {}

  public long create(Connection c, long org, String environment, String note, List<Long> versionIds)
      throws SQLException {
    long id;
    try (var ps =
        c.prepareStatement(
            "insert into slipway.releases (org_id, environment, note) values (?, ?, ?) returning id")) {
      ps.setLong(1, org);
      ps.setString(2, environment);
      ps.setString(3, note);
      try (var rs = ps.executeQuery()) {
        rs.next();
        id = rs.getLong(1);
      }
    }
    try (var ps =
        c.prepareStatement(
            "insert into slipway.release_endpoints (org_id, release_id, version_id) select ?, ?, unnest(?)")) {
      ps.setLong(1, org);
      ps.setLong(2, id);
      ps.setArray(3, c.createArrayOf("bigint", versionIds.toArray()));
      ps.executeUpdate();
    }
    return id;
  }

  public void activate(Connection c, long org, long releaseId, String environment, String kind)
      throws SQLException {
    try (var ps =
        c.prepareStatement(
            "insert into slipway.activations (org_id, release_id, environment, kind) values (?, ?, ?, ?)")) {
      ps.setLong(1, org);
      ps.setLong(2, releaseId);
      ps.setString(3, environment);
      ps.setString(4, kind);
      ps.executeUpdate();
    }
  }

  /** The id of the release live in the org's environment, if any was ever activated. */
  public Optional<Long> activeId(Connection c, long org, String environment) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "select release_id from slipway.activations where org_id = ? and environment = ? order by id desc limit 1")) {
      ps.setLong(1, org);
      ps.setString(2, environment);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
      }
    }
  }

  /**
   * Every org's live release in the environment: org id to release id. Spans orgs (system only).
   */
  public Map<Long, Long> activeIds(Connection c, String environment) throws SQLException {
    try (var ps =
        c.prepareStatement(
            """
        select distinct on (org_id) org_id, release_id from slipway.activations
        where environment = ? order by org_id, id desc""")) {
      ps.setString(1, environment);
      try (var rs = ps.executeQuery()) {
        var ids = new LinkedHashMap<Long, Long>();
        while (rs.next()) ids.put(rs.getLong(1), rs.getLong(2));
        return ids;
      }
    }
  }

  /** The routes every other org serves live in the environment (system only: spans orgs). */
  public List<LiveRoute> routesOfOtherOrgs(Connection c, long org, String environment)
      throws SQLException {
    try (var ps =
        c.prepareStatement(
            """
        select v.org_id, v.method, v.path
        from (select distinct on (org_id) org_id, release_id from slipway.activations
              where environment = ? order by org_id, id desc) live
        join slipway.release_endpoints re on re.release_id = live.release_id
        join slipway.endpoint_versions v on v.id = re.version_id
        where live.org_id <> ? and v.path <> ''""")) {
      ps.setString(1, environment);
      ps.setLong(2, org);
      try (var rs = ps.executeQuery()) {
        var routes = new ArrayList<LiveRoute>();
        while (rs.next())
          routes.add(new LiveRoute(rs.getLong(1), rs.getString(2), rs.getString(3)));
        return routes;
      }
    }
  }

  /** A release of the org. */
  public Optional<Release> find(Connection c, long org, long id) throws SQLException {
    return releases(c, "where r.org_id = ? and r.id = ?", org, id).stream().findFirst();
  }

  public List<Release> list(Connection c, long org, int limit) throws SQLException {
    return releases(c, "where r.org_id = ? order by r.id desc limit ?", org, limit);
  }

  private static List<Release> releases(Connection c, String clause, Object... args)
      throws SQLException {
    var releases = new LinkedHashMap<Long, Release>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "select r.id, r.org_id, r.environment, r.note, r.created_at from slipway.releases r "
                + clause)) {
      for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Timestamp created = rs.getTimestamp(5);
          releases.put(
              rs.getLong(1),
              new Release(
                  rs.getLong(1),
                  rs.getLong(2),
                  rs.getString(3),
                  rs.getString(4),
                  created.toInstant(),
                  new ArrayList<>()));
        }
      }
    }
    if (releases.isEmpty()) return List.of();
    Map<Long, List<EndpointVersion>> members = new LinkedHashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "select re.release_id, re.version_id from slipway.release_endpoints re where re.release_id = any(?)")) {
      ps.setArray(1, c.createArrayOf("bigint", releases.keySet().toArray()));
      var byVersion = new LinkedHashMap<Long, List<Long>>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next())
          byVersion.computeIfAbsent(rs.getLong(2), v -> new ArrayList<>()).add(rs.getLong(1));
      }
      if (!byVersion.isEmpty()) {
        for (EndpointVersion version :
            EndpointStore.query(
                c,
                "where v.id = any(?) order by e.name",
                c.createArrayOf("bigint", byVersion.keySet().toArray()))) {
          for (long releaseId : byVersion.get(version.id())) {
            members.computeIfAbsent(releaseId, r -> new ArrayList<>()).add(version);
          }
        }
      }
    }
    return releases.values().stream()
        .map(
            r ->
                new Release(
                    r.id(),
                    r.orgId(),
                    r.environment(),
                    r.note(),
                    r.createdAt(),
                    List.copyOf(members.getOrDefault(r.id(), List.of()))))
        .toList();
  }
}
