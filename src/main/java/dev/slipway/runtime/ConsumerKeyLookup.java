package dev.slipway.runtime;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Finds the org's consumer key a caller presented (apiKey endpoints). */
public interface ConsumerKeyLookup {
  /**
   * A usable key: not revoked, not expired.
   *
   * @param claims what its caller carries besides its sub and roles (names other than {@link
   *     #RESERVED})
   */
  record Key(long id, String name, List<String> roles, Map<String, String> claims) {
    /** The claims every key's caller has, which a key's own claims cannot name. */
    public static final java.util.Set<String> RESERVED =
        java.util.Set.of("sub", "key_name", "role", "roles");
  }

  /** The org's usable key with this token; cheap when called for every request. */
  Optional<Key> find(long orgId, String token);

  ConsumerKeyLookup NONE = (orgId, token) -> Optional.empty();
}
