package dev.slipway.security;

import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.store.AuditStore;
import dev.slipway.store.CredentialStore;
import dev.slipway.store.IdentityStore;
import dev.slipway.store.PlatformTransactions;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * An org's members and their rules: the last owner stays owner and stays a member; a member's keys
 * come down with a lower role and go with the member. Every change is audited in its transaction.
 */
public final class Members {
  private final PlatformTransactions platform;
  private final IdentityStore identities;
  private final CredentialStore credentials;
  private final AuditStore audit;

  public Members(
      PlatformTransactions platform,
      IdentityStore identities,
      CredentialStore credentials,
      AuditStore audit) {
    this.platform = platform;
    this.identities = identities;
    this.credentials = credentials;
    this.audit = audit;
  }

  /**
   * Who to add: an existing user by email, or a new one with an initial password (and a name). The
   * parts after the email are read as the checks reach them, so a request with several mistakes is
   * answered with the first in this order (email, role, password; the name only for a new user).
   */
  public record Addition(
      String email,
      Supplier<String> role,
      Supplier<Optional<String>> password,
      Supplier<Optional<String>> name) {}

  public List<IdentityStore.Member> list(long org) throws SQLException {
    return platform.inOrg(org, c -> identities.members(c, org));
  }

  /** Adds a user by email; a new user needs an initial password, which they should change. */
  public IdentityStore.Member add(Actor actor, Addition addition) throws SQLException {
    String email = addition.email().strip();
    if (!email.matches("[^@\\s]+@[^@\\s]+")) {
      throw ProblemException.unprocessable(
          "invalid_request",
          "'" + email + "' is not an email address.",
          List.of(new Violation("/email", "not an email address")));
    }
    Role role = Role.named(addition.role().get(), "/role");
    Optional<String> password = addition.password().get();
    String weakness = password.map(Passwords::weakness).orElse(null);
    if (weakness != null) {
      throw ProblemException.unprocessable(
          "weak_password",
          "The password " + weakness + ".",
          List.of(new Violation("/password", weakness)));
    }
    String hash = password.map(Passwords::hash).orElse(null);
    var existing = platform.system(c -> identities.userByEmail(c, email));
    return platform.inOrg(
        actor.orgId(),
        c -> {
          long userId;
          if (existing.isPresent()) {
            userId = existing.get().id();
          } else if (hash != null) {
            userId = identities.createUser(c, email, addition.name().get().orElse(null), hash);
          } else {
            throw ProblemException.unprocessable(
                "password_required",
                "No user has this email; send an initial 'password' to create one.",
                List.of(new Violation("/password", "required for a new user")));
          }
          if (!identities.addMember(c, actor.orgId(), userId, role.id())) {
            throw ProblemException.conflict("already_a_member", email + " is already a member.");
          }
          audit.record(
              c,
              actor.event(
                  "member.add",
                  "user:" + userId,
                  AuditStore.Outcome.SUCCESS,
                  Map.of("role", role.id())));
          return identities.member(c, actor.orgId(), userId).orElseThrow();
        });
  }

  /** Gives a member another role; their keys above it come down to it. */
  public IdentityStore.Member changeRole(Actor actor, long userId, String roleId)
      throws SQLException {
    Role role = Role.named(roleId, "/role");
    return platform.inOrg(
        actor.orgId(),
        c -> {
          var current = member(c, actor.orgId(), userId);
          if (current.role().equals(Role.OWNER.id())
              && role != Role.OWNER
              && identities.owners(c, actor.orgId()) == 1) {
            throw ProblemException.conflict(
                "last_owner", "The org's last owner cannot stop being owner.");
          }
          identities.setRole(c, actor.orgId(), userId, role.id());
          audit.record(
              c,
              actor.event(
                  "member.role",
                  "user:" + userId,
                  AuditStore.Outcome.SUCCESS,
                  Map.of("from", current.role(), "to", role.id())));
          // their keys (and keys those keys made) come down with them; sign-in caps them too, this
          // makes the stored role say so
          for (var key : credentials.liveKeysOf(c, actor.orgId(), userId)) {
            if (role.atLeast(Role.parse(key.role()).orElseThrow())) continue;
            credentials.setKeyRole(c, actor.orgId(), key.id(), role.id());
            audit.record(
                c,
                actor.event(
                    "key.demote",
                    "key:" + key.id(),
                    AuditStore.Outcome.SUCCESS,
                    Map.of(
                        "from",
                        key.role(),
                        "to",
                        role.id(),
                        "because",
                        "member.role user:" + userId)));
          }
          return identities.member(c, actor.orgId(), userId).orElseThrow();
        });
  }

  /** Removes a member and revokes their keys. */
  public void remove(Actor actor, long userId) throws SQLException {
    platform.inOrg(
        actor.orgId(),
        c -> {
          var current = member(c, actor.orgId(), userId);
          if (current.role().equals(Role.OWNER.id()) && identities.owners(c, actor.orgId()) == 1) {
            throw ProblemException.conflict(
                "last_owner", "The org's last owner cannot be removed.");
          }
          identities.removeMember(c, actor.orgId(), userId);
          audit.record(c, actor.success("member.remove", "user:" + userId));
          for (var key : credentials.liveKeysOf(c, actor.orgId(), userId)) {
            credentials.revokeKey(c, actor.orgId(), key.id());
            audit.record(
                c,
                actor.event(
                    "key.revoke",
                    "key:" + key.id(),
                    AuditStore.Outcome.SUCCESS,
                    Map.of("because", "member.remove user:" + userId)));
          }
          return null;
        });
  }

  private IdentityStore.Member member(java.sql.Connection c, long org, long userId)
      throws SQLException {
    return identities
        .member(c, org, userId)
        .orElseThrow(
            () -> ProblemException.notFound("member_not_found", "No member " + userId + "."));
  }
}
