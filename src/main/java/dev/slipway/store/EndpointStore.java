package dev.slipway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * An org's endpoints and their versions (plain JDBC). Versions are only ever inserted. Every method
 * takes the caller's transaction and names the org in its query; {@link PlatformTransactions#inOrg}
 * enforces the org again underneath.
 */
public final class EndpointStore {
  private static final String VERSION_COLUMNS =
      "v.id, v.org_id, e.name, v.version, v.hash, v.method, v.path, v.spec::text, v.source, v.created_at";

  /** The outcome of a save: the version now latest, and whether the save made it. */
  public record Saved(EndpointVersion version, boolean created) {}

  /** An endpoint with its latest version. */
  public record Summary(String name, EndpointVersion latest) {}

  /**
   * Saves a spec as the endpoint's next version, unless its hash equals the latest version's.
   * Concurrent saves of one endpoint are serialized by a row lock.
   */
  public Saved save(
      Connection c,
      long org,
      String name,
      String hash,
      String method,
      String path,
      String canonicalSpec,
      String source)
      throws SQLException {
    long endpointId;
    try (var ps =
        c.prepareStatement(
            """
        insert into slipway.endpoints (org_id, name) values (?, ?)
        on conflict (org_id, name) do update set name = excluded.name
        returning id""")) {
      ps.setLong(1, org);
      ps.setString(2, name);
      try (var rs = ps.executeQuery()) {
        rs.next();
        endpointId = rs.getLong(1);
      }
    }
    Optional<EndpointVersion> latest =
        first(
            c, "where v.org_id = ? and e.id = ? order by v.version desc limit 1", org, endpointId);
    if (latest.isPresent() && latest.get().hash().equals(hash))
      return new Saved(latest.get(), false);
    int next = latest.map(v -> v.version() + 1).orElse(1);
    long versionId;
    try (var ps =
        c.prepareStatement(
            """
        insert into slipway.endpoint_versions (org_id, endpoint_id, version, hash, method, path, spec, source)
        values (?, ?, ?, ?, ?, ?, ?::jsonb, ?) returning id""")) {
      ps.setLong(1, org);
      ps.setLong(2, endpointId);
      ps.setInt(3, next);
      ps.setString(4, hash);
      ps.setString(5, method);
      ps.setString(6, path);
      ps.setString(7, canonicalSpec);
      ps.setString(8, source);
      try (var rs = ps.executeQuery()) {
        rs.next();
        versionId = rs.getLong(1);
      }
    }
    return new Saved(first(c, "where v.id = ?", versionId).orElseThrow(), true);
  }

  public List<Summary> list(Connection c, long org) throws SQLException {
    return query(
            c,
            """
        where v.org_id = ? and v.version = (select max(version) from slipway.endpoint_versions w where w.endpoint_id = v.endpoint_id)
        order by e.name""",
            org)
        .stream()
        .map(v -> new Summary(v.name(), v))
        .toList();
  }

  public Optional<EndpointVersion> latest(Connection c, long org, String name) throws SQLException {
    return first(c, "where v.org_id = ? and e.name = ? order by v.version desc limit 1", org, name);
  }

  public Optional<EndpointVersion> version(Connection c, long org, String name, int version)
      throws SQLException {
    return first(c, "where v.org_id = ? and e.name = ? and v.version = ?", org, name, version);
  }

  public List<EndpointVersion> versions(Connection c, long org, String name) throws SQLException {
    return query(c, "where v.org_id = ? and e.name = ? order by v.version desc", org, name);
  }

  public List<EndpointVersion> byIds(Connection c, Collection<Long> ids) throws SQLException {
    if (ids.isEmpty()) return List.of();
    return query(
        c, "where v.id = any(?) order by e.name", c.createArrayOf("bigint", ids.toArray()));
  }

  private static Optional<EndpointVersion> first(Connection c, String where, Object... args)
      throws SQLException {
    return query(c, where, args).stream().findFirst();
  }

  static List<EndpointVersion> query(Connection c, String where, Object... args)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "select "
                + VERSION_COLUMNS
                + " from slipway.endpoint_versions v join slipway.endpoints e on e.id = v.endpoint_id "
                + where)) {
      for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
      try (ResultSet rs = ps.executeQuery()) {
        var versions = new ArrayList<EndpointVersion>();
        while (rs.next()) {
          versions.add(
              new EndpointVersion(
                  rs.getLong(1),
                  rs.getLong(2),
                  rs.getString(3),
                  rs.getInt(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getString(8),
                  rs.getString(9),
                  rs.getTimestamp(10).toInstant()));
        }
        return versions;
      }
    }
  }
}
