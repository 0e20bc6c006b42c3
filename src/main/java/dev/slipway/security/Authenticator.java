package dev.slipway.security;

import dev.slipway.common.Json;
import dev.slipway.problem.ProblemException;
import dev.slipway.store.CredentialStore;
import dev.slipway.store.IdentityStore;
import dev.slipway.store.PlatformTransactions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Finds who is calling the control plane from what the request carries: a bearer JWT, a bearer API
 * key, or the Studio's session cookie (which must come with its CSRF token on unsafe methods).
 * Every credential is checked against the database on each call, so revocation is immediate.
 */
public final class Authenticator {
  public static final String SESSION_COOKIE = "slipway_session";
  public static final String CSRF_HEADER = "X-CSRF-Token";

  private final PlatformTransactions platform;
  private final IdentityStore identities;
  private final CredentialStore credentials;
  private final Tokens tokens;

  public Authenticator(
      PlatformTransactions platform,
      IdentityStore identities,
      CredentialStore credentials,
      Tokens tokens) {
    this.platform = platform;
    this.identities = identities;
    this.credentials = credentials;
    this.tokens = tokens;
  }

  /** What a request presents. */
  public record Presented(
      String authorization, String sessionCookie, String csrfToken, boolean unsafeMethod) {}

  /** The caller; a 401 when the request presents nothing valid. */
  public Principal authenticate(Presented presented) throws SQLException {
    String header = presented.authorization();
    if (header != null) {
      if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw unauthorized(
            "unauthorized",
            "Send 'Authorization: Bearer <token>' with an access token or API key.");
      }
      String token = header.substring(7).strip();
      return token.chars().filter(ch -> ch == '.').count() == 2 ? jwt(token) : apiKey(token);
    }
    if (presented.sessionCookie() != null) return session(presented);
    throw unauthorized(
        "unauthorized", "Sign in: send a bearer access token or API key, or a session cookie.");
  }

  private Principal jwt(String token) throws SQLException {
    var access =
        tokens
            .verify(token)
            .orElseThrow(() -> unauthorized("invalid_token", "The access token is not valid."));
    UUID family = UUID.fromString(access.family());
    return platform.system(
        c -> {
          var user = identities.userById(c, access.userId());
          // a password change ends every token issued before it; logout ends the token's family
          if (user.isEmpty()
              || user.get().passwordChangedAt().isAfter(access.issuedAt().plusSeconds(1))
              || !credentials.familyLive(c, family)) {
            throw unauthorized("invalid_token", "The access token has been revoked.");
          }
          Role role = member(c, access.orgId(), access.userId());
          return new Principal(
              Principal.Kind.JWT,
              access.orgId(),
              role,
              user.get().id(),
              0,
              user.get().email(),
              Set.of(),
              family.toString());
        });
  }

  private Principal apiKey(String token) throws SQLException {
    return platform.system(
        c -> {
          var key =
              credentials
                  .keyByHash(c, Json.sha256(token))
                  .filter(k -> k.usableAt(Instant.now()))
                  .orElseThrow(
                      () ->
                          unauthorized(
                              "invalid_token", "The API key is not valid, expired or revoked."));
          KeyLimits limits = limits(c, key);
          credentials.touchKey(c, key.id());
          return new Principal(
              Principal.Kind.API_KEY,
              key.orgId(),
              limits.role(),
              0,
              key.id(),
              key.name(),
              limits.scopes(),
              null);
        });
  }

  /** What a key may do now; {@code scopes} empty means every scope its role allows. */
  private record KeyLimits(Role role, Set<String> scopes) {}

  /**
   * A key's role and scopes as they are now: its own, capped by its creator's current role in the
   * org and by what the key that minted it may do now, up the chain. A key whose creator left the
   * org, or whose minting key no longer works, no longer works either. Keys are minted only by
   * older keys, so the chain ends.
   */
  private KeyLimits limits(Connection c, CredentialStore.ApiKey key) throws SQLException {
    Role role = Role.parse(key.role()).orElseThrow();
    Set<String> scopes = Set.copyOf(key.scopes());
    if (key.createdBy() != null) {
      Role creator =
          identities
              .role(c, key.orgId(), key.createdBy())
              .flatMap(Role::parse)
              .orElseThrow(
                  () ->
                      unauthorized(
                          "invalid_token",
                          "The API key's creator is no longer a member of its org."));
      role = role.cappedAt(creator);
    }
    if (key.createdByKey() != null) {
      var minter =
          credentials
              .key(c, key.orgId(), key.createdByKey())
              .filter(k -> k.id() < key.id() && k.usableAt(Instant.now()))
              .orElseThrow(
                  () ->
                      unauthorized(
                          "invalid_token",
                          "The key that made this API key is revoked or expired."));
      KeyLimits minterLimits = limits(c, minter);
      role = role.cappedAt(minterLimits.role());
      scopes = narrowed(scopes, minterLimits.scopes());
    }
    return new KeyLimits(role, scopes);
  }

  /**
   * The scopes both hold (empty holds every scope); none in common is no scope at all, so no key.
   */
  private static Set<String> narrowed(Set<String> own, Set<String> minter) {
    if (minter.isEmpty()) return own;
    if (own.isEmpty()) return minter;
    var both = new HashSet<>(own);
    both.retainAll(minter);
    if (both.isEmpty())
      throw unauthorized(
          "invalid_token", "The API key holds no scope that the key that made it holds.");
    return Set.copyOf(both);
  }

  private Principal session(Presented presented) throws SQLException {
    return platform.system(
        c -> {
          var session =
              credentials
                  .sessionByHash(c, Json.sha256(presented.sessionCookie()))
                  .orElseThrow(
                      () ->
                          unauthorized(
                              "invalid_session", "The session is not valid; sign in again."));
          Instant now = Instant.now();
          if (session.revokedAt() != null
              || session.expiresAt().isBefore(now)
              || session.lastSeenAt().plus(SignIn.SESSION_IDLE).isBefore(now)) {
            throw unauthorized("session_expired", "The session has ended; sign in again.");
          }
          if (presented.unsafeMethod() && !sameToken(presented.csrfToken(), session.csrfToken())) {
            throw new ProblemException(
                403,
                "csrf_token_missing",
                "Forbidden",
                "A session request that changes state needs the "
                    + CSRF_HEADER
                    + " header from sign-in.");
          }
          credentials.touchSession(c, session.id());
          var user = identities.userById(c, session.userId()).orElseThrow();
          Role role = member(c, session.orgId(), session.userId());
          return new Principal(
              Principal.Kind.SESSION,
              session.orgId(),
              role,
              user.id(),
              0,
              user.email(),
              Set.of(),
              Long.toString(session.id()));
        });
  }

  private Role member(Connection c, long org, long userId) throws SQLException {
    return identities
        .role(c, org, userId)
        .flatMap(Role::parse)
        .orElseThrow(() -> unauthorized("not_a_member", "You are no longer a member of this org."));
  }

  private static boolean sameToken(String presented, String expected) {
    return presented != null
        && MessageDigest.isEqual(
            presented.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
  }

  private static ProblemException unauthorized(String code, String detail) {
    return new ProblemException(
        401, code, "Unauthorized", detail, List.of(), Map.of("WWW-Authenticate", "Bearer"));
  }

  /**
   * The CSRF token of the live session behind this cookie, for the Studio to read again after a
   * reload (the control plane answers no cross-origin request, so only the Studio's own page can
   * read it).
   */
  public Optional<String> csrfToken(String sessionCookie) throws SQLException {
    if (sessionCookie == null || sessionCookie.isEmpty()) return Optional.empty();
    return platform.system(
        c ->
            credentials
                .sessionByHash(c, Json.sha256(sessionCookie))
                .map(CredentialStore.Session::csrfToken));
  }

  /** The principal's org, for answers that show it. */
  public Optional<IdentityStore.Org> org(long orgId) throws SQLException {
    return platform.system(c -> identities.org(c, orgId));
  }
}
