package dev.slipway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Releases and their activations in PostgreSQL. Writes take the caller's connection so a deploy
 * is one transaction; the live release is the newest activation of the environment.
 */
public final class ReleaseStore {
  private final DataSource dataSource;

  public ReleaseStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** An activation: when a release went live, by deploy or rollback. */
  public record Activation(long id, long releaseId, String kind, Instant at) {}

  public long create(Connection c, String environment, String note, List<Long> versionIds) throws SQLException {
    long id;
    try (var ps = c.prepareStatement("insert into slipway.releases (environment, note) values (?, ?) returning id")) {
      ps.setString(1, environment);
      ps.setString(2, note);
      try (var rs = ps.executeQuery()) {
        rs.next();
        id = rs.getLong(1);
      }
    }
    try (var ps = c.prepareStatement("insert into slipway.release_endpoints (release_id, version_id) select ?, unnest(?)")) {
      ps.setLong(1, id);
      ps.setArray(2, c.createArrayOf("bigint", versionIds.toArray()));
      ps.executeUpdate();
    }
    return id;
  }

  public void activate(Connection c, long releaseId, String environment, String kind) throws SQLException {
    try (var ps = c.prepareStatement("insert into slipway.activations (release_id, environment, kind) values (?, ?, ?)")) {
      ps.setLong(1, releaseId);
      ps.setString(2, environment);
      ps.setString(3, kind);
      ps.executeUpdate();
    }
  }

  /** The id of the release live in the environment, if any was ever activated. */
  public Optional<Long> activeId(Connection c, String environment) throws SQLException {
    try (var ps = c.prepareStatement(
        "select release_id from slipway.activations where environment = ? order by id desc limit 1")) {
      ps.setString(1, environment);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
      }
    }
  }

  public Optional<Long> activeId(String environment) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return activeId(c, environment);
    }
  }

  public Optional<Release> find(long id) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return find(c, id);
    }
  }

  public Optional<Release> find(Connection c, long id) throws SQLException {
    return releases(c, "where r.id = ?", id).stream().findFirst();
  }

  public List<Release> list(int limit) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return releases(c, "order by r.id desc limit ?", limit);
    }
  }

  public List<Activation> activations(String environment, int limit) throws SQLException {
    try (Connection c = dataSource.getConnection();
        var ps = c.prepareStatement("select id, release_id, kind, activated_at from slipway.activations "
            + "where environment = ? order by id desc limit ?")) {
      ps.setString(1, environment);
      ps.setInt(2, limit);
      try (var rs = ps.executeQuery()) {
        var activations = new ArrayList<Activation>();
        while (rs.next()) {
          activations.add(new Activation(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getTimestamp(4).toInstant()));
        }
        return activations;
      }
    }
  }

  private static List<Release> releases(Connection c, String clause, Object arg) throws SQLException {
    var releases = new LinkedHashMap<Long, Release>();
    try (PreparedStatement ps = c.prepareStatement(
        "select r.id, r.environment, r.note, r.created_at from slipway.releases r " + clause)) {
      ps.setObject(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Timestamp created = rs.getTimestamp(4);
          releases.put(rs.getLong(1), new Release(rs.getLong(1), rs.getString(2), rs.getString(3),
              created.toInstant(), new ArrayList<>()));
        }
      }
    }
    if (releases.isEmpty()) return List.of();
    Map<Long, List<EndpointVersion>> members = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement("select re.release_id, re.version_id from slipway.release_endpoints re where re.release_id = any(?)")) {
      ps.setArray(1, c.createArrayOf("bigint", releases.keySet().toArray()));
      var byVersion = new LinkedHashMap<Long, List<Long>>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) byVersion.computeIfAbsent(rs.getLong(2), v -> new ArrayList<>()).add(rs.getLong(1));
      }
      if (!byVersion.isEmpty()) {
        for (EndpointVersion version : EndpointStore.query(c, "where v.id = any(?) order by e.name",
            c.createArrayOf("bigint", byVersion.keySet().toArray()))) {
          for (long releaseId : byVersion.get(version.id())) {
            members.computeIfAbsent(releaseId, r -> new ArrayList<>()).add(version);
          }
        }
      }
    }
    return releases.values().stream()
        .map(r -> new Release(r.id(), r.environment(), r.note(), r.createdAt(), List.copyOf(members.getOrDefault(r.id(), List.of()))))
        .toList();
  }
}
