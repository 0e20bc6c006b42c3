package dev.slipway.security;

import java.util.Set;

/**
 * Who is calling the control plane, in which org, with which role.
 *
 * @param kind how the caller proved it
 * @param userId the signed-in user, 0 for an API key
 * @param keyId the API key, 0 for a user
 * @param scopes an API key's scopes; empty means every scope its role allows
 * @param sessionId the session (cookie) or refresh family (JWT) to revoke on logout, when there is
 *     one
 */
public record Principal(
    Kind kind,
    long orgId,
    Role role,
    long userId,
    long keyId,
    String name,
    Set<String> scopes,
    String sessionId) {

  /** How a caller signed in. */
  public enum Kind {
    SESSION,
    JWT,
    API_KEY
  }

  /**
   * The audit log's name for this caller: {@code user:3 (ada@example.com)} or {@code key:7 (ci)}.
   */
  public String actor() {
    return kind == Kind.API_KEY
        ? "key:" + keyId + " (" + name + ")"
        : "user:" + userId + " (" + name + ")";
  }
}
