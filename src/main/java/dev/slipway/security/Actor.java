package dev.slipway.security;

import dev.slipway.store.AuditStore;
import java.time.Instant;
import java.util.Map;

/** A signed-in caller and where the request came from: what an audited change records. */
public record Actor(Principal principal, String sourceIp, String requestId) {
  public long orgId() {
    return principal.orgId();
  }

  /** An audit record of this caller doing {@code action} on {@code target}. */
  public AuditStore.Event event(
      String action, String target, AuditStore.Outcome outcome, Map<String, Object> detail) {
    return new AuditStore.Event(
        0,
        principal.orgId(),
        Instant.now(),
        principal.actor(),
        action,
        target,
        sourceIp,
        requestId,
        outcome,
        detail);
  }

  public AuditStore.Event success(String action, String target) {
    return event(action, target, AuditStore.Outcome.SUCCESS, Map.of());
  }
}
