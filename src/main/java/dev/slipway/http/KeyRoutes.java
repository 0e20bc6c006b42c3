package dev.slipway.http;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.runtime.ConsumerKeyLookup;
import dev.slipway.security.Action;
import dev.slipway.security.ApiKeys;
import dev.slipway.security.Bootstrap;
import dev.slipway.security.ConsumerKeys;
import dev.slipway.store.CredentialStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keys: API keys for the platform API, and consumer keys for callers of the org's apiKey endpoints.
 */
public final class KeyRoutes implements Routes {
  private final ApiKeys apiKeys;
  private final ConsumerKeys consumerKeys;

  public KeyRoutes(ApiKeys apiKeys, ConsumerKeys consumerKeys) {
    this.apiKeys = apiKeys;
    this.consumerKeys = consumerKeys;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(
        HandlerType.GET,
        "/api/keys",
        ctx ->
            Api.json(ctx, 200, apiKeys.list(Api.actor(ctx).orgId()).stream().map(Key::of).toList()),
        Action.MANAGE_KEYS);
    routes.addHttpHandler(HandlerType.POST, "/api/keys", this::createKey, Action.MANAGE_KEYS);
    routes.addHttpHandler(
        HandlerType.DELETE, "/api/keys/{id}", this::revokeKey, Action.MANAGE_KEYS);
    routes.addHttpHandler(
        HandlerType.GET,
        "/api/consumer-keys",
        ctx -> Api.json(ctx, 200, consumerKeys.list(Api.actor(ctx).orgId())),
        Action.MANAGE_KEYS);
    routes.addHttpHandler(
        HandlerType.POST, "/api/consumer-keys", this::createConsumerKey, Action.MANAGE_KEYS);
    routes.addHttpHandler(
        HandlerType.DELETE, "/api/consumer-keys/{id}", this::revokeConsumerKey, Action.MANAGE_KEYS);
  }

  /** An API key as the API shows it; never its token. */
  record Key(
      long id,
      String name,
      String prefix,
      String role,
      List<String> scopes,
      Long createdBy,
      Long createdByKey,
      Instant createdAt,
      Instant expiresAt,
      Instant lastUsedAt,
      boolean revoked) {
    static Key of(CredentialStore.ApiKey key) {
      return new Key(
          key.id(),
          key.name(),
          key.prefix(),
          key.role(),
          key.scopes(),
          key.createdBy(),
          key.createdByKey(),
          key.createdAt(),
          key.expiresAt(),
          key.lastUsedAt(),
          key.revokedAt() != null);
    }
  }

  /** A new key with its token, which this answer alone holds. */
  record CreatedKey(@JsonUnwrapped Key key, String token) {}

  /** A new consumer key with its token. */
  record CreatedConsumerKey(
      long id,
      String name,
      List<String> roles,
      Map<String, String> claims,
      String token,
      String prefix) {}

  /** {@code {name, role?, scopes?, expiresAt?}}. */
  private static ApiKeys.Request keyRequest(JsonNode body) {
    String name = Api.text(body, "name");
    Optional<String> role = Api.optionalText(body, "role");
    JsonNode listed = body.path("scopes");
    if (!listed.isMissingNode() && !listed.isNull() && !listed.isArray()) {
      throw ProblemException.unprocessable(
          "invalid_request",
          "'scopes' must be a list of scope names.",
          List.of(new Violation("/scopes", "must be an array")));
    }
    var scopes = new ArrayList<String>();
    listed.forEach(scope -> scopes.add(scope.asText()));
    return new ApiKeys.Request(name, role, List.copyOf(scopes), expiresAt(body));
  }

  private static Optional<String> expiresAt(JsonNode body) {
    return body.hasNonNull("expiresAt")
        ? Optional.of(body.get("expiresAt").asText())
        : Optional.empty();
  }

  private void createKey(Context ctx) throws SQLException {
    var created = apiKeys.create(Api.actor(ctx), keyRequest(Api.jsonBody(ctx)));
    Api.json(ctx, 201, new CreatedKey(Key.of(created.key()), created.token()));
  }

  private void revokeKey(Context ctx) throws SQLException {
    long id = Api.id(ctx, "id", "key_not_found", "key");
    if (!apiKeys.revoke(Api.actor(ctx), id))
      throw ProblemException.notFound("key_not_found", "No key " + id + ".");
    ctx.status(204);
  }

  /**
   * {@code {name, roles?, claims?, expiresAt?}}: claims are names to string values, none of them
   * one Slipway sets.
   */
  private void createConsumerKey(Context ctx) throws SQLException {
    JsonNode body = Api.jsonBody(ctx);
    String name = Api.text(body, "name");
    var roles = new ArrayList<String>();
    body.path("roles").forEach(role -> roles.add(role.asText()));
    var violations = new ArrayList<Violation>();
    Instant expires = ApiKeys.expiresAt(expiresAt(body), violations);
    var claims = new LinkedHashMap<String, String>();
    if (body.has("claims") && !body.get("claims").isObject()) {
      violations.add(new Violation("/claims", "must be an object of claim names to string values"));
    }
    body.path("claims")
        .properties()
        .forEach(
            claim -> {
              if (ConsumerKeyLookup.Key.RESERVED.contains(claim.getKey())) {
                violations.add(
                    new Violation(
                        "/claims/" + claim.getKey(),
                        "'" + claim.getKey() + "' is set by Slipway for every key"));
              } else if (!claim.getValue().isTextual()) {
                violations.add(
                    new Violation("/claims/" + claim.getKey(), "a claim's value must be a string"));
              } else {
                claims.put(claim.getKey(), claim.getValue().asText());
              }
            });
    if (!violations.isEmpty())
      throw ProblemException.unprocessable(
          "invalid_request", "The key request is not valid.", violations);
    var created = consumerKeys.create(Api.actor(ctx), name, List.copyOf(roles), claims, expires);
    Api.json(
        ctx,
        201,
        new CreatedConsumerKey(
            created.id(),
            name,
            roles,
            claims,
            created.token(),
            Bootstrap.prefixOf(created.token())));
  }

  private void revokeConsumerKey(Context ctx) throws SQLException {
    long id = Api.id(ctx, "id", "key_not_found", "consumer key");
    if (!consumerKeys.revoke(Api.actor(ctx), id))
      throw ProblemException.notFound("key_not_found", "No consumer key " + id + ".");
    ctx.status(204);
  }
}
