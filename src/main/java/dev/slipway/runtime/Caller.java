package dev.slipway.runtime;

import java.util.List;
import java.util.Map;

/**
 * A verified caller of an endpoint: what expressions read as {@code auth} and what SQL reads as
 * {@code current_setting('request.jwt.claims')}.
 *
 * @param claimsJson the claims as JSON, for {@code request.jwt.claims}
 * @param expiresAtMillis when the credential stops being valid (a JWT's expiry plus the skew)
 */
public record Caller(
    String subject,
    List<String> roles,
    Map<String, Object> claims,
    String claimsJson,
    long expiresAtMillis) {
  /** How the call log names the caller: {@code key:<name>} for a consumer key, else the subject. */
  public String name() {
    return subject.startsWith("key:") && claims.get("key_name") instanceof String key
        ? "key:" + key
        : subject;
  }

  /** The {@code auth} variable of expressions: {@code sub}, {@code roles}, {@code claims}. */
  Map<String, Object> scope() {
    return Map.of("sub", subject, "roles", roles, "claims", claims);
  }
}
