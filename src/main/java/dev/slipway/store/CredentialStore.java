package dev.slipway.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What callers prove themselves with: API keys, sessions and refresh tokens, each kept only as the
 * SHA-256 of its random token. Lookups by token hash span orgs (the token says which org) and run
 * as the owner; listing and revoking take an org's transaction.
 */
public final class CredentialStore {
  private static final String KEY_COLUMNS =
      "id, org_id, name, prefix, role, scopes, created_by, created_by_key, created_at, expires_at, last_used_at, revoked_at";

  /**
   * A platform API key.
   *
   * @param createdBy the user it was made for: who made it, or the user of the key that made it;
   *     null for the bootstrap key and keys it made
   * @param createdByKey the key that made it; null when a signed-in user made it
   */
  public record ApiKey(
      long id,
      long orgId,
      String name,
      String prefix,
      String role,
      List<String> scopes,
      Long createdBy,
      Long createdByKey,
      Instant createdAt,
      Instant expiresAt,
      Instant lastUsedAt,
      Instant revokedAt) {
    public boolean usableAt(Instant now) {
      return revokedAt == null && (expiresAt == null || expiresAt.isAfter(now));
    }
  }

  public record Session(
      long id,
      long orgId,
      long userId,
      String csrfToken,
      Instant createdAt,
      Instant lastSeenAt,
      Instant expiresAt,
      Instant revokedAt) {}

  public record RefreshToken(
      long id,
      long orgId,
      long userId,
      UUID family,
      Instant expiresAt,
      Instant usedAt,
      Instant revokedAt) {}

  // --- API keys ---------------------------------------------------------------------------------

  public long createKey(
      Connection c,
      long org,
      String name,
      String prefix,
      String tokenSha256,
      String role,
      List<String> scopes,
      Long createdBy,
      Long createdByKey,
      Instant expiresAt)
      throws SQLException {
    return Sql.id(
        c,
        """
        insert into slipway.api_keys (org_id, name, prefix, token_sha256, role, scopes, created_by, created_by_key, expires_at)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning id""",
        org,
        name,
        prefix,
        tokenSha256,
        role,
        c.createArrayOf("text", scopes.toArray()),
        createdBy,
        createdByKey,
        expiresAt == null ? null : Timestamp.from(expiresAt));
  }

  public Optional<ApiKey> keyByHash(Connection c, String tokenSha256) throws SQLException {
    return keys(c, "where token_sha256 = ?", tokenSha256).stream().findFirst();
  }

  public Optional<ApiKey> key(Connection c, long org, long id) throws SQLException {
    return keys(c, "where org_id = ? and id = ?", org, id).stream().findFirst();
  }

  public List<ApiKey> keys(Connection c, long org) throws SQLException {
    return keys(c, "where org_id = ? order by id", org);
  }

  /** The org's unrevoked keys made for the user: by the user, or by keys made for the user. */
  public List<ApiKey> liveKeysOf(Connection c, long org, long userId) throws SQLException {
    return keys(
        c, "where org_id = ? and created_by = ? and revoked_at is null order by id", org, userId);
  }

  public void setKeyRole(Connection c, long org, long id, String role) throws SQLException {
    Sql.update(
        c, "update slipway.api_keys set role = ? where org_id = ? and id = ?", role, org, id);
  }

  /** Records a use, at most once a minute per key, so a busy key does not write on every call. */
  public void touchKey(Connection c, long id) throws SQLException {
    Sql.update(
        c,
        """
        update slipway.api_keys set last_used_at = now()
        where id = ? and (last_used_at is null or last_used_at < now() - interval '1 minute')""",
        id);
  }

  public boolean revokeKey(Connection c, long org, long id) throws SQLException {
    return Sql.update(
            c,
            "update slipway.api_keys set revoked_at = now() where org_id = ? and id = ? and revoked_at is null",
            org,
            id)
        == 1;
  }

  private static List<ApiKey> keys(Connection c, String where, Object... args) throws SQLException {
    try (var ps = c.prepareStatement("select " + KEY_COLUMNS + " from slipway.api_keys " + where)) {
      Sql.bind(ps, args);
      try (var rs = ps.executeQuery()) {
        var keys = new ArrayList<ApiKey>();
        while (rs.next()) {
          keys.add(
              new ApiKey(
                  rs.getLong(1),
                  rs.getLong(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  Arrays.asList((String[]) rs.getArray(6).getArray()),
                  (Long) rs.getObject(7),
                  (Long) rs.getObject(8),
                  instant(rs, 9),
                  instant(rs, 10),
                  instant(rs, 11),
                  instant(rs, 12)));
        }
        return keys;
      }
    }
  }

  // --- sessions ---------------------------------------------------------------------------------

  public void createSession(
      Connection c, long org, long userId, String tokenSha256, String csrfToken, Instant expiresAt)
      throws SQLException {
    Sql.update(
        c,
        "insert into slipway.sessions (org_id, user_id, token_sha256, csrf_token, expires_at) values (?, ?, ?, ?, ?)",
        org,
        userId,
        tokenSha256,
        csrfToken,
        Timestamp.from(expiresAt));
  }

  public Optional<Session> sessionByHash(Connection c, String tokenSha256) throws SQLException {
    try (var ps =
        c.prepareStatement(
            """
        select id, org_id, user_id, csrf_token, created_at, last_seen_at, expires_at, revoked_at
        from slipway.sessions where token_sha256 = ?""")) {
      ps.setString(1, tokenSha256);
      try (var rs = ps.executeQuery()) {
        if (!rs.next()) return Optional.empty();
        return Optional.of(
            new Session(
                rs.getLong(1),
                rs.getLong(2),
                rs.getLong(3),
                rs.getString(4),
                instant(rs, 5),
                instant(rs, 6),
                instant(rs, 7),
                instant(rs, 8)));
      }
    }
  }

  public void touchSession(Connection c, long id) throws SQLException {
    Sql.update(c, "update slipway.sessions set last_seen_at = now() where id = ?", id);
  }

  public void revokeSession(Connection c, long id) throws SQLException {
    Sql.update(
        c,
        "update slipway.sessions set revoked_at = now() where id = ? and revoked_at is null",
        id);
  }

  /** Ends every session and refresh family of the user (a password change). */
  public void revokeAllOf(Connection c, long userId) throws SQLException {
    Sql.update(
        c,
        "update slipway.sessions set revoked_at = now() where user_id = ? and revoked_at is null",
        userId);
    Sql.update(
        c,
        "update slipway.refresh_tokens set revoked_at = now() where user_id = ? and revoked_at is null",
        userId);
  }

  // --- refresh tokens ---------------------------------------------------------------------------

  public void createRefresh(
      Connection c, long org, long userId, UUID family, String tokenSha256, Instant expiresAt)
      throws SQLException {
    Sql.update(
        c,
        "insert into slipway.refresh_tokens (org_id, user_id, family, token_sha256, expires_at) values (?, ?, ?, ?, ?)",
        org,
        userId,
        family,
        tokenSha256,
        Timestamp.from(expiresAt));
  }

  /** The refresh token with this hash, locked for the rest of the transaction. */
  public Optional<RefreshToken> refreshByHash(Connection c, String tokenSha256)
      throws SQLException {
    try (var ps =
        c.prepareStatement(
            """
        select id, org_id, user_id, family, expires_at, used_at, revoked_at
        from slipway.refresh_tokens where token_sha256 = ? for update""")) {
      ps.setString(1, tokenSha256);
      try (var rs = ps.executeQuery()) {
        if (!rs.next()) return Optional.empty();
        return Optional.of(
            new RefreshToken(
                rs.getLong(1),
                rs.getLong(2),
                rs.getLong(3),
                (UUID) rs.getObject(4),
                instant(rs, 5),
                instant(rs, 6),
                instant(rs, 7)));
      }
    }
  }

  public void markUsed(Connection c, long id) throws SQLException {
    Sql.update(c, "update slipway.refresh_tokens set used_at = now() where id = ?", id);
  }

  public void revokeFamily(Connection c, UUID family) throws SQLException {
    Sql.update(
        c,
        "update slipway.refresh_tokens set revoked_at = now() where family = ? and revoked_at is null",
        family);
  }

  /** Whether the family still has a token that is neither revoked nor expired. */
  public boolean familyLive(Connection c, UUID family) throws SQLException {
    try (var ps =
        c.prepareStatement(
            """
        select exists (select from slipway.refresh_tokens
                       where family = ? and revoked_at is null and expires_at > now())""")) {
      ps.setObject(1, family);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  // --- sign-in throttle -------------------------------------------------------------------------

  /**
   * Counts a failed sign-in for {@code key} in a window; when the count reaches {@code limit} the
   * key is locked for {@code lockSeconds}. Returns the lock's end, if locked now.
   */
  public Optional<Instant> countFailure(
      Connection c, String key, int limit, long windowSeconds, long lockSeconds)
      throws SQLException {
    try (var ps =
        c.prepareStatement(
            """
        insert into slipway.login_throttle as t (key, failures, window_start) values (?, 1, now())
        on conflict (key) do update set
          failures = case when t.window_start < now() - make_interval(secs => ?) then 1 else t.failures + 1 end,
          window_start = case when t.window_start < now() - make_interval(secs => ?) then now() else t.window_start end
        returning failures""")) {
      ps.setString(1, key);
      ps.setLong(2, windowSeconds);
      ps.setLong(3, windowSeconds);
      int failures;
      try (var rs = ps.executeQuery()) {
        rs.next();
        failures = rs.getInt(1);
      }
      if (failures < limit) return Optional.empty();
    }
    try (var ps =
        c.prepareStatement(
            """
        update slipway.login_throttle set locked_until = now() + make_interval(secs => ?), failures = 0,
          window_start = now() where key = ? returning locked_until""")) {
      ps.setLong(1, lockSeconds);
      ps.setString(2, key);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return Optional.of(rs.getTimestamp(1).toInstant());
      }
    }
  }

  public Optional<Instant> lockedUntil(Connection c, String key) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "select locked_until from slipway.login_throttle where key = ? and locked_until > now()")) {
      ps.setString(1, key);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getTimestamp(1).toInstant()) : Optional.empty();
      }
    }
  }

  public void clearFailures(Connection c, String key) throws SQLException {
    Sql.update(
        c,
        "delete from slipway.login_throttle where key = ? and (locked_until is null or locked_until <= now())",
        key);
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    Timestamp t = rs.getTimestamp(column);
    return t == null ? null : t.toInstant();
  }
}
