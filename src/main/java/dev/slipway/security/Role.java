package dev.slipway.security;

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
}
