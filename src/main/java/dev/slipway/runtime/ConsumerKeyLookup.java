package dev.slipway.runtime;

import java.util.List;
import java.util.Optional;

/** Finds the org's consumer key a caller presented (apiKey endpoints). */
public interface ConsumerKeyLookup {
  /** A usable key: not revoked, not expired. */
  record Key(long id, String name, List<String> roles) {}

  /** The org's usable key with this token; cheap when called for every request. */
  Optional<Key> find(long orgId, String token);

  ConsumerKeyLookup NONE = (orgId, token) -> Optional.empty();
}
