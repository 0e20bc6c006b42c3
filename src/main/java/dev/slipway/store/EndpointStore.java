package dev.slipway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Endpoints and their versions in PostgreSQL (plain JDBC). Versions are only ever inserted. */
public final class EndpointStore {
  private static final String VERSION_COLUMNS =
      "v.id, e.name, v.version, v.hash, v.method, v.path, v.spec::text, v.source, v.created_at";

  private final DataSource dataSource;

  public EndpointStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** The outcome of a save: the version now latest, and whether the save made it. */
  public record Saved(EndpointVersion version, boolean created) {}

  /** An endpoint with its latest version. */
  public record Summary(String name, EndpointVersion latest) {}

  /**
   * Saves a spec as the endpoint's next version, unless its hash equals the latest version's.
   * Concurrent saves of one endpoint are serialized by a row lock.
   */
  public Saved save(String name, String hash, String method, String path, String canonicalSpec, String source)
      throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        long endpointId;
        try (var ps = c.prepareStatement("""
            insert into slipway.endpoints (name) values (?)
            on conflict (name) do update set name = excluded.name
            returning id""")) {
          ps.setString(1, name);
          try (var rs = ps.executeQuery()) {
            rs.next();
            endpointId = rs.getLong(1);
          }
        }
        Optional<EndpointVersion> latest = first(c, "where e.id = ? order by v.version desc limit 1", endpointId);
        if (latest.isPresent() && latest.get().hash().equals(hash)) {
          c.commit();
          return new Saved(latest.get(), false);
        }
        int next = latest.map(v -> v.version() + 1).orElse(1);
        long versionId;
        try (var ps = c.prepareStatement("""
            insert into slipway.endpoint_versions (endpoint_id, version, hash, method, path, spec, source)
            values (?, ?, ?, ?, ?, ?::jsonb, ?) returning id""")) {
          ps.setLong(1, endpointId);
          ps.setInt(2, next);
          ps.setString(3, hash);
          ps.setString(4, method);
          ps.setString(5, path);
          ps.setString(6, canonicalSpec);
          ps.setString(7, source);
          try (var rs = ps.executeQuery()) {
            rs.next();
            versionId = rs.getLong(1);
          }
        }
        EndpointVersion saved = first(c, "where v.id = ?", versionId).orElseThrow();
        c.commit();
        return new Saved(saved, true);
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  public List<Summary> list() throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return query(c, """
          where v.version = (select max(version) from slipway.endpoint_versions w where w.endpoint_id = v.endpoint_id)
          order by e.name""").stream().map(v -> new Summary(v.name(), v)).toList();
    }
  }

  public Optional<EndpointVersion> latest(String name) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return first(c, "where e.name = ? order by v.version desc limit 1", name);
    }
  }

  public Optional<EndpointVersion> version(String name, int version) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return first(c, "where e.name = ? and v.version = ?", name, version);
    }
  }

  public List<EndpointVersion> versions(String name) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return query(c, "where e.name = ? order by v.version desc", name);
    }
  }

  public List<EndpointVersion> byIds(Collection<Long> ids) throws SQLException {
    if (ids.isEmpty()) return List.of();
    try (Connection c = dataSource.getConnection()) {
      return query(c, "where v.id = any(?) order by e.name", c.createArrayOf("bigint", ids.toArray()));
    }
  }

  private static Optional<EndpointVersion> first(Connection c, String where, Object... args) throws SQLException {
    return query(c, where, args).stream().findFirst();
  }

  static List<EndpointVersion> query(Connection c, String where, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("select " + VERSION_COLUMNS
        + " from slipway.endpoint_versions v join slipway.endpoints e on e.id = v.endpoint_id " + where)) {
      for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
      try (ResultSet rs = ps.executeQuery()) {
        var versions = new ArrayList<EndpointVersion>();
        while (rs.next()) {
          versions.add(new EndpointVersion(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getString(4),
              rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getTimestamp(9).toInstant()));
        }
        return versions;
      }
    }
  }
}
