package dev.slipway.security;

import dev.slipway.common.Json;
import dev.slipway.problem.ProblemException;
import dev.slipway.store.AuditStore;
import dev.slipway.store.CredentialStore;
import dev.slipway.store.IdentityStore;
import dev.slipway.store.PlatformTransactions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Signing in and out: password checks with throttling, Studio sessions, JWT token pairs with
 * rotating refresh tokens, password changes. A wrong email and a wrong password get the same answer
 * in about the same time, and failures are counted per email (existing or not) and per source
 * address, so a lockout says nothing about which emails exist.
 */
public final class SignIn {
  public static final Duration SESSION_IDLE = Duration.ofMinutes(30);
  public static final Duration SESSION_MAX = Duration.ofHours(12);
  public static final Duration REFRESH_LIFETIME = Duration.ofDays(30);
  static final int EMAIL_FAILURES = 5;
  static final int ADDRESS_FAILURES = 50;
  static final long WINDOW_SECONDS = 15 * 60;
  static final long LOCK_SECONDS = 15 * 60;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final PlatformTransactions platform;
  private final IdentityStore identities;
  private final CredentialStore credentials;
  private final AuditStore audit;
  private final Tokens tokens;

  public SignIn(
      PlatformTransactions platform,
      IdentityStore identities,
      CredentialStore credentials,
      AuditStore audit,
      Tokens tokens) {
    this.platform = platform;
    this.identities = identities;
    this.credentials = credentials;
    this.audit = audit;
    this.tokens = tokens;
  }

  /** A checked password: the user and the org they signed in to, with their role there. */
  public record Verified(IdentityStore.User user, IdentityStore.Org org, Role role) {}

  /** A new Studio session: the cookie's token and the CSRF token for unsafe requests. */
  public record NewSession(String token, String csrfToken, Verified who, Instant expiresAt) {}

  /** A JWT sign-in or refresh: the access token and the next refresh token. */
  public record TokenPair(
      String accessToken, String refreshToken, Duration expiresIn, Verified who) {}

  /** Where a request came from, for throttling and the audit log. */
  public record Origin(String sourceIp, String requestId) {}

  public NewSession startSession(
      String email, String password, Optional<String> orgSlug, Origin origin) throws SQLException {
    Verified who = verify(email, password, orgSlug, origin);
    String token = randomToken();
    String csrf = randomToken();
    Instant expires = Instant.now().plus(SESSION_MAX);
    platform.inOrg(
        who.org().id(),
        c -> {
          credentials.createSession(
              c, who.org().id(), who.user().id(), Json.sha256(token), csrf, expires);
          audit.record(c, event(who, "session.start", origin, AuditStore.Outcome.SUCCESS));
          return null;
        });
    return new NewSession(token, csrf, who, expires);
  }

  public TokenPair issueTokens(
      String email, String password, Optional<String> orgSlug, Origin origin) throws SQLException {
    Verified who = verify(email, password, orgSlug, origin);
    return platform.inOrg(
        who.org().id(),
        c -> {
          var pair = newPair(c, who, UUID.randomUUID());
          audit.record(c, event(who, "token.issue", origin, AuditStore.Outcome.SUCCESS));
          return pair;
        });
  }

  /**
   * Trades a refresh token for a new pair. A token used before is a replay: the whole family is
   * revoked, so neither the thief nor the owner can go on with it.
   */
  public TokenPair refresh(String refreshToken, Origin origin) throws SQLException {
    var outcome =
        platform.system(
            c -> {
              var found = credentials.refreshByHash(c, Json.sha256(refreshToken));
              if (found.isEmpty()) return Optional.<TokenPair>empty();
              var token = found.get();
              if (token.usedAt() != null && token.revokedAt() == null) {
                credentials.revokeFamily(c, token.family());
                audit.record(
                    c,
                    new AuditStore.Event(
                        0,
                        token.orgId(),
                        Instant.now(),
                        "user:" + token.userId(),
                        "token.replay",
                        "family:" + token.family(),
                        origin.sourceIp(),
                        origin.requestId(),
                        AuditStore.Outcome.DENIED,
                        Map.of()));
                return Optional.<TokenPair>empty();
              }
              if (token.revokedAt() != null
                  || token.usedAt() != null
                  || token.expiresAt().isBefore(Instant.now())) {
                return Optional.<TokenPair>empty();
              }
              var user = identities.userById(c, token.userId()).orElseThrow();
              var org = identities.org(c, token.orgId()).orElseThrow();
              var role = identities.role(c, org.id(), user.id()).flatMap(Role::parse);
              if (role.isEmpty()) return Optional.<TokenPair>empty(); // no longer a member
              credentials.markUsed(c, token.id());
              return Optional.of(newPair(c, new Verified(user, org, role.get()), token.family()));
            });
    return outcome.orElseThrow(
        () -> unauthorized("invalid_refresh_token", "The refresh token is not valid."));
  }

  /** Ends the caller's session or token family. */
  public void signOut(Actor actor) throws SQLException {
    Principal principal = actor.principal();
    platform.inOrg(
        actor.orgId(),
        c -> {
          switch (principal.kind()) {
            case SESSION -> credentials.revokeSession(c, Long.parseLong(principal.sessionId()));
            case JWT -> credentials.revokeFamily(c, UUID.fromString(principal.sessionId()));
            case API_KEY ->
                throw new ProblemException(
                    400,
                    "not_signed_in",
                    "Bad Request",
                    "An API key has no session; revoke the key instead.");
          }
          audit.record(c, actor.success("session.end", principal.actor()));
          return null;
        });
  }

  /** Changes the caller's password and ends every session and token family of theirs. */
  public void changePassword(Actor actor, String current, String next) throws SQLException {
    Principal principal = actor.principal();
    if (principal.kind() == Principal.Kind.API_KEY) {
      throw new ProblemException(400, "not_a_user", "Bad Request", "An API key has no password.");
    }
    String weakness = Passwords.weakness(next);
    if (weakness != null) {
      throw ProblemException.unprocessable(
          "weak_password",
          "The new password " + weakness + ".",
          List.of(new dev.slipway.problem.Violation("/newPassword", weakness)));
    }
    var user = platform.system(c -> identities.userById(c, principal.userId())).orElseThrow();
    if (!Passwords.matches(current == null ? "" : current, user.passwordHash())) {
      throw unauthorized("invalid_credentials", "The current password is wrong.");
    }
    String hash = Passwords.hash(next);
    platform.system(
        c -> {
          identities.setPassword(c, user.id(), hash);
          credentials.revokeAllOf(c, user.id());
          audit.record(c, actor.success("user.password_change", "user:" + user.id()));
          return null;
        });
  }

  private TokenPair newPair(Connection c, Verified who, UUID family) throws SQLException {
    String refresh = randomToken();
    credentials.createRefresh(
        c,
        who.org().id(),
        who.user().id(),
        family,
        Json.sha256(refresh),
        Instant.now().plus(REFRESH_LIFETIME));
    return new TokenPair(
        tokens.issue(who.user().id(), who.org().id(), family.toString()),
        refresh,
        tokens.lifetime(),
        who);
  }

  /** Checks a password, under the throttle; the org is the named one or the user's first. */
  private Verified verify(String email, String password, Optional<String> orgSlug, Origin origin)
      throws SQLException {
    String emailKey = "email:" + (email == null ? "" : email.strip().toLowerCase());
    String addressKey = "ip:" + origin.sourceIp();
    var locked =
        platform.system(
            c -> {
              var byEmail = credentials.lockedUntil(c, emailKey);
              return byEmail.isPresent() ? byEmail : credentials.lockedUntil(c, addressKey);
            });
    if (locked.isPresent()) throw tooManyAttempts(locked.get());
    var user =
        email == null
            ? Optional.<IdentityStore.User>empty()
            : platform.system(c -> identities.userByEmail(c, email.strip()));
    boolean matched =
        Passwords.matches(
            password == null ? "" : password,
            user.map(IdentityStore.User::passwordHash).orElse(null));
    Optional<Verified> verified = Optional.empty();
    if (matched) {
      verified =
          platform.system(
              c -> {
                for (var membership : identities.memberships(c, user.get().id())) {
                  if (orgSlug.isEmpty() || orgSlug.get().equals(membership.org().slug())) {
                    return Optional.of(
                        new Verified(
                            user.get(),
                            membership.org(),
                            Role.parse(membership.role()).orElseThrow()));
                  }
                }
                return Optional.<Verified>empty();
              });
    }
    if (verified.isPresent()) {
      platform.system(
          c -> {
            credentials.clearFailures(c, emailKey);
            return null;
          });
      return verified.get();
    }
    var lock =
        platform.system(
            c -> {
              var byEmail =
                  credentials.countFailure(
                      c, emailKey, EMAIL_FAILURES, WINDOW_SECONDS, LOCK_SECONDS);
              var byAddress =
                  credentials.countFailure(
                      c, addressKey, ADDRESS_FAILURES, WINDOW_SECONDS, LOCK_SECONDS);
              audit.record(
                  c,
                  new AuditStore.Event(
                      0,
                      0,
                      Instant.now(),
                      "anonymous",
                      "session.sign_in",
                      emailKey,
                      origin.sourceIp(),
                      origin.requestId(),
                      AuditStore.Outcome.FAILURE,
                      Map.of()));
              return byEmail.or(() -> byAddress);
            });
    if (lock.isPresent()) throw tooManyAttempts(lock.get());
    throw unauthorized("invalid_credentials", "The email or password is wrong.");
  }

  private static AuditStore.Event event(
      Verified who, String action, Origin origin, AuditStore.Outcome outcome) {
    return new AuditStore.Event(
        0,
        who.org().id(),
        Instant.now(),
        "user:" + who.user().id() + " (" + who.user().email() + ")",
        action,
        "user:" + who.user().id(),
        origin.sourceIp(),
        origin.requestId(),
        outcome,
        Map.of());
  }

  static ProblemException unauthorized(String code, String detail) {
    return new ProblemException(
        401, code, "Unauthorized", detail, List.of(), Map.of("WWW-Authenticate", "Bearer"));
  }

  private static ProblemException tooManyAttempts(Instant until) {
    long seconds = Math.max(1, Duration.between(Instant.now(), until).toSeconds() + 1);
    return new ProblemException(
        429,
        "too_many_attempts",
        "Too Many Requests",
        "Too many failed sign-ins; try again in " + seconds + " s.",
        List.of(),
        Map.of("Retry-After", Long.toString(seconds)));
  }

  /** A random 256-bit token, URL-safe. */
  public static String randomToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
