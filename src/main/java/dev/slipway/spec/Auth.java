package dev.slipway.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/**
 * Who may call an endpoint.
 *
 * @param roles when not empty, the caller must hold one of them
 * @param rolesClaim the dotted path of the JWT claim with the caller's role(s)
 */
public record Auth(Mode mode, List<String> roles, String rolesClaim, Optional<Jwt> jwt) {
  public static final Auth PUBLIC = new Auth(Mode.PUBLIC, List.of(), "role", Optional.empty());

  /** The kinds of caller an endpoint accepts. */
  public enum Mode {
    PUBLIC,
    API_KEY,
    JWT
  }

  /**
   * How a JWT endpoint verifies tokens: exactly one of an HS256 secret (the name of the org's
   * secret), a JWKS URL or static public keys.
   */
  public record Jwt(
      Optional<String> secretName,
      Optional<String> jwksUrl,
      List<JsonNode> keys,
      Optional<String> issuer,
      Optional<String> audience,
      int clockSkewSeconds) {}
}
