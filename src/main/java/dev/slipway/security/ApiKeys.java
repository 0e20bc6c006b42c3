package dev.slipway.security;

import dev.slipway.common.Json;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.store.AuditStore;
import dev.slipway.store.CredentialStore;
import dev.slipway.store.PlatformTransactions;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * API keys for the platform API, and their rules: a key never gets more than its maker has (its
 * role may not exceed the maker's, and a key made by a key limited to scopes names some of those
 * scopes and no others). Every change is audited in its transaction.
 */
public final class ApiKeys {
  private final PlatformTransactions platform;
  private final CredentialStore credentials;
  private final AuditStore audit;

  public ApiKeys(PlatformTransactions platform, CredentialStore credentials, AuditStore audit) {
    this.platform = platform;
    this.credentials = credentials;
    this.audit = audit;
  }

  /**
   * What a caller asks for.
   *
   * @param role the key's role; the caller's own when empty
   * @param expiresAt an ISO-8601 instant in the future, or empty for a key that does not expire
   */
  public record Request(
      String name, Optional<String> role, List<String> scopes, Optional<String> expiresAt) {}

  /** A new key, and its token: shown in this answer only. */
  public record Created(CredentialStore.ApiKey key, String token) {}

  public List<CredentialStore.ApiKey> list(long org) throws SQLException {
    return platform.inOrg(org, c -> credentials.keys(c, org));
  }

  /**
   * Creates a key that records who it was made for (the signed-in user, or the user of the key that
   * made it) and the key that made it, so that it keeps within their limits later.
   */
  public Created create(Actor actor, Request request) throws SQLException {
    Principal caller = actor.principal();
    Role role = Role.named(request.role().orElse(caller.role().id()), "/role");
    if (!caller.role().atLeast(role)) {
      throw new ProblemException(
          403,
          "forbidden",
          "Forbidden",
          "A key's role may not exceed your own ('" + caller.role().id() + "').");
    }
    var violations = new ArrayList<Violation>();
    for (int i = 0; i < request.scopes().size(); i++) {
      String scope = request.scopes().get(i);
      if (Action.forScope(scope).isEmpty())
        violations.add(new Violation("/scopes/" + i, "unknown scope '" + scope + "'"));
    }
    Instant expiresAt = expiresAt(request.expiresAt(), violations);
    if (!violations.isEmpty())
      throw ProblemException.unprocessable(
          "invalid_request", "The key request is not valid.", violations);
    checkScopesHeld(caller, request.scopes());
    String token = "slw_" + SignIn.randomToken();
    var created =
        platform.inOrg(
            actor.orgId(),
            c -> {
              boolean byKey = caller.kind() == Principal.Kind.API_KEY;
              Long createdBy =
                  byKey
                      ? credentials.key(c, actor.orgId(), caller.keyId()).orElseThrow().createdBy()
                      : Long.valueOf(caller.userId());
              long id =
                  credentials.createKey(
                      c,
                      actor.orgId(),
                      request.name(),
                      Bootstrap.prefixOf(token),
                      Json.sha256(token),
                      role.id(),
                      request.scopes(),
                      createdBy,
                      byKey ? caller.keyId() : null,
                      expiresAt);
              audit.record(c, actor.success("key.create", "key:" + id));
              return credentials.key(c, actor.orgId(), id).orElseThrow();
            });
    return new Created(created, token);
  }

  /** Revokes the org's key {@code id}; false when it has none. */
  public boolean revoke(Actor actor, long id) throws SQLException {
    return platform.inOrg(
        actor.orgId(),
        c -> {
          if (credentials.key(c, actor.orgId(), id).isEmpty()) return false;
          credentials.revokeKey(c, actor.orgId(), id);
          audit.record(c, actor.success("key.revoke", "key:" + id));
          return true;
        });
  }

  /**
   * A key limited to scopes may make keys with some of its scopes only. No scopes would mean every
   * scope the role allows, so it may not ask for none either.
   */
  private static void checkScopesHeld(Principal caller, List<String> scopes) {
    if (caller.scopes().isEmpty()) return;
    String held = String.join(", ", caller.scopes().stream().sorted().toList());
    var violations = new ArrayList<Violation>();
    if (scopes.isEmpty())
      violations.add(new Violation("/scopes", "name some of this key's scopes: " + held));
    for (int i = 0; i < scopes.size(); i++) {
      if (!caller.scopes().contains(scopes.get(i))) {
        violations.add(
            new Violation("/scopes/" + i, "this key does not hold '" + scopes.get(i) + "'"));
      }
    }
    if (!violations.isEmpty()) {
      throw new ProblemException(
          403,
          "scope_not_held",
          "Forbidden",
          "A key limited to scopes may make keys with some of its scopes ("
              + held
              + ") and no others.",
          violations,
          Map.of());
    }
  }

  /**
   * An optional {@code expiresAt}: an ISO-8601 instant in the future; null when absent or not one
   * (named in {@code violations}).
   */
  public static Instant expiresAt(Optional<String> text, List<Violation> violations) {
    if (text.isEmpty()) return null;
    try {
      Instant expires = Instant.parse(text.get());
      if (expires.isBefore(Instant.now()))
        violations.add(new Violation("/expiresAt", "is in the past"));
      return expires;
    } catch (DateTimeParseException e) {
      violations.add(
          new Violation("/expiresAt", "must be an ISO-8601 instant such as 2027-01-31T00:00:00Z"));
      return null;
    }
  }
}
