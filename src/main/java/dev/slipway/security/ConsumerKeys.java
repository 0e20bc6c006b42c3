package dev.slipway.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.slipway.common.Json;
import dev.slipway.runtime.ConsumerKeyLookup;
import dev.slipway.store.AuditStore;
import dev.slipway.store.Notifications;
import dev.slipway.store.PlatformTransactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An org's consumer keys: what callers of its {@code apiKey} endpoints present. Kept as SHA-256;
 * the data plane looks them up through a cache (hits and misses, 30 s), which a revocation here or
 * on another instance (NOTIFY) empties at once.
 */
public final class ConsumerKeys implements ConsumerKeyLookup {
  public static final String CHANNEL = "slipway_consumer_keys";

  private final PlatformTransactions platform;
  private final AuditStore audit;
  private final Cache<String, Optional<Found>> cache =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofSeconds(30)).build();

  /** A key as stored: its org and usable lifetime, to check against the endpoint's org and now. */
  private record Found(long orgId, Key key, Instant expiresAt, boolean revoked) {}

  /** A key as the API lists it. */
  public record Listed(
      long id,
      String name,
      String prefix,
      List<String> roles,
      Map<String, String> claims,
      Instant createdAt,
      Instant expiresAt,
      boolean revoked) {}

  public ConsumerKeys(PlatformTransactions platform, AuditStore audit) {
    this.platform = platform;
    this.audit = audit;
  }

  @Override
  public Optional<Key> find(long orgId, String token) {
    Optional<Found> found =
        cache.get(
            Json.sha256(token),
            hash -> {
              try {
                return platform.system(c -> load(c, hash));
              } catch (SQLException e) {
                throw new IllegalStateException("cannot look up a consumer key", e);
              }
            });
    return found
        .filter(
            f ->
                f.orgId() == orgId
                    && !f.revoked()
                    && (f.expiresAt() == null || f.expiresAt().isAfter(Instant.now())))
        .map(Found::key);
  }

  private static Optional<Found> load(Connection c, String hash) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "select id, org_id, name, roles, expires_at, revoked_at, claims from slipway.consumer_keys where token_sha256 = ?")) {
      ps.setString(1, hash);
      try (var rs = ps.executeQuery()) {
        if (!rs.next()) return Optional.empty();
        Timestamp expires = rs.getTimestamp(5);
        return Optional.of(
            new Found(
                rs.getLong(2),
                new Key(
                    rs.getLong(1),
                    rs.getString(3),
                    List.copyOf(Arrays.asList((String[]) rs.getArray(4).getArray())),
                    claims(rs.getString(7))),
                expires == null ? null : expires.toInstant(),
                rs.getTimestamp(6) != null));
      }
    }
  }

  /** A key just made: its id, and its token, which is shown this once. */
  public record Created(long id, String token) {}

  /** Creates a key; the token is returned here only. */
  public Created create(
      Actor actor, String name, List<String> roles, Map<String, String> claims, Instant expiresAt)
      throws SQLException {
    String token = "slc_" + SignIn.randomToken();
    long created =
        platform.inOrg(
            actor.orgId(),
            c -> {
              long id;
              try (var ps =
                  c.prepareStatement(
                      """
          insert into slipway.consumer_keys (org_id, name, prefix, token_sha256, roles, expires_at, claims)
          values (?, ?, ?, ?, ?, ?, cast(? as jsonb)) returning id""")) {
                ps.setLong(1, actor.orgId());
                ps.setString(2, name);
                ps.setString(3, Bootstrap.prefixOf(token));
                ps.setString(4, Json.sha256(token));
                ps.setArray(5, c.createArrayOf("text", roles.toArray()));
                ps.setTimestamp(6, expiresAt == null ? null : Timestamp.from(expiresAt));
                ps.setString(7, Json.MAPPER.valueToTree(claims).toString());
                try (var rs = ps.executeQuery()) {
                  rs.next();
                  id = rs.getLong(1);
                }
              }
              audit.record(c, actor.success("consumer_key.create", "consumer_key:" + id));
              return id;
            });
    return new Created(created, token);
  }

  public List<Listed> list(long org) throws SQLException {
    return platform.inOrg(
        org,
        c -> {
          try (var ps =
              c.prepareStatement(
                  """
          select id, name, prefix, roles, created_at, expires_at, revoked_at, claims from slipway.consumer_keys
          where org_id = ? order by id""")) {
            ps.setLong(1, org);
            try (var rs = ps.executeQuery()) {
              var keys = new ArrayList<Listed>();
              while (rs.next()) {
                Timestamp expires = rs.getTimestamp(6);
                keys.add(
                    new Listed(
                        rs.getLong(1),
                        rs.getString(2),
                        rs.getString(3),
                        List.copyOf(Arrays.asList((String[]) rs.getArray(4).getArray())),
                        claims(rs.getString(8)),
                        rs.getTimestamp(5).toInstant(),
                        expires == null ? null : expires.toInstant(),
                        rs.getTimestamp(7) != null));
              }
              return keys;
            }
          }
        });
  }

  private static Map<String, String> claims(String json) {
    try {
      return Map.copyOf(
          Json.MAPPER.readValue(
              json, new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {}));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(
          "a consumer key's claims are not a JSON object of strings", e);
    }
  }

  /** Revokes a key of the actor's org; false when the org has no such key. */
  public boolean revoke(Actor actor, long id) throws SQLException {
    boolean revoked =
        platform.inOrg(
            actor.orgId(),
            c -> {
              int rows;
              try (var ps =
                  c.prepareStatement(
                      "update slipway.consumer_keys set revoked_at = coalesce(revoked_at, now()) where org_id = ? and id = ?")) {
                ps.setLong(1, actor.orgId());
                ps.setLong(2, id);
                rows = ps.executeUpdate();
              }
              if (rows == 0) return false;
              audit.record(c, actor.success("consumer_key.revoke", "consumer_key:" + id));
              Notifications.send(c, CHANNEL, Long.toString(actor.orgId()));
              return true;
            });
    invalidate();
    return revoked;
  }

  /** Forgets every cached lookup (a key was revoked somewhere). */
  public void invalidate() {
    cache.invalidateAll();
  }
}
