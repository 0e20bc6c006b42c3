package dev.slipway.security;

import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** A member's role in an org, from least to most powerful. */
public enum Role {
  VIEWER,
  MEMBER,
  ADMIN,
  OWNER;

  public boolean atLeast(Role other) {
    return compareTo(other) >= 0;
  }

  /** This role, or {@code cap} when that is less. */
  public Role cappedAt(Role cap) {
    return atLeast(cap) ? cap : this;
  }

  /** The name used in the API and the database: {@code owner}, {@code admin}, ... */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> parse(String id) {
    for (Role role : values()) {
      if (role.id().equals(id)) return Optional.of(role);
    }
    return Optional.empty();
  }

  /** The role named {@code id}; a 422 at {@code pointer} when there is none. */
  public static Role named(String id, String pointer) {
    return parse(id)
        .orElseThrow(
            () ->
                ProblemException.unprocessable(
                    "invalid_request",
                    "'" + id + "' is not a role; use owner, admin, member or viewer.",
                    List.of(new Violation(pointer, "unknown role"))));
  }
}
