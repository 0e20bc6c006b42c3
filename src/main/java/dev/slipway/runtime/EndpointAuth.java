package dev.slipway.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.slipway.common.Json;
import dev.slipway.egress.Egress;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.spec.Auth;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An endpoint's caller check, compiled from its spec's {@code auth}: none (public), the org's
 * consumer keys, or JWTs verified with an HS256 secret, a JWKS URL or static keys. A request
 * without valid credentials gets 401 with {@code WWW-Authenticate}; a valid caller without an
 * allowed role gets 403. A JWKS URL is fetched through {@link Egress}, under the org's egress
 * policy, like a script's {@code ctx.fetch}.
 */
sealed interface EndpointAuth {
  /**
   * The verified caller, or null for a public endpoint.
   *
   * @param secrets the org's secrets as this request may read them (a JWT's HS256 secret)
   */
  Caller authenticate(EndpointRequest request, Map<String, String> secrets);

  /**
   * Compiles the spec's auth; problems are violations at {@code /auth}. {@code egress} fetches a
   * JWKS URL (null: none is fetched, and tokens of such an endpoint are never verified).
   */
  /** The shortest HS256 key accepted: 256 bits, as RFC 7518 requires. */
  int HS256_MIN_KEY_BYTES = 32;

  static EndpointAuth compile(
      Auth auth, long orgId, ConsumerKeyLookup keys, Egress egress, List<Violation> violations) {
    return switch (auth.mode()) {
      case PUBLIC -> Public.INSTANCE;
      case API_KEY -> new ApiKey(orgId, keys, Set.copyOf(auth.roles()));
      case JWT -> Jwt.compile(auth, orgId, egress, violations);
    };
  }

  /** Anyone may call. */
  enum Public implements EndpointAuth {
    INSTANCE;

    @Override
    public Caller authenticate(EndpointRequest request, Map<String, String> secrets) {
      return null;
    }
  }

  /**
   * A consumer key of the endpoint's org, as {@code Authorization: Bearer} or {@code X-API-Key}.
   */
  record ApiKey(long orgId, ConsumerKeyLookup keys, Set<String> roles) implements EndpointAuth {
    @Override
    public Caller authenticate(EndpointRequest request, Map<String, String> secrets) {
      String token = request.headers().get("x-api-key");
      if (token == null) token = bearer(request);
      if (token == null)
        throw unauthorized(
            false, "Send an API key as 'X-API-Key: <key>' or 'Authorization: Bearer <key>'.");
      var key =
          keys.find(orgId, token.strip())
              .orElseThrow(
                  () -> unauthorized(true, "The API key is not valid, expired or revoked."));
      checkRoles(roles, key.roles());
      var claims = new LinkedHashMap<String, Object>(key.claims());
      claims.put("sub", "key:" + key.id());
      claims.put("key_name", key.name());
      claims.put("role", key.roles().isEmpty() ? null : key.roles().getFirst());
      claims.put("roles", key.roles());
      return caller("key:" + key.id(), key.roles(), claims, Long.MAX_VALUE);
    }
  }

  /**
   * A JWT, verified by signature, expiry (with skew), issuer and audience. A token whose signature
   * cannot be verified, for whatever reason, gets one answer, {@value #UNVERIFIED}: with a JWKS
   * URL, the reasons include what the URL answered (refused by the egress policy, connection
   * refused, a timeout, not a JWK set), and telling those apart would make a port scanner of the
   * endpoint. The reason goes to the call log (and, for a key set that could not be had, the server
   * log).
   */
  record Jwt(
      long orgId,
      Optional<String> secretName,
      Auth.Jwt settings,
      AtomicReference<Processor> bySecret,
      Processor fixed,
      Set<String> roles,
      String[] rolesClaim)
      implements EndpointAuth {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointAuth.class);
    static final String UNVERIFIED = "The token could not be verified.";

    /**
     * A processor, the secret value it was built for, and the callers of tokens it verified: a
     * client sends the same token many times, and a token cannot change, so a verified token is
     * kept (until it expires, at most 10 minutes, 10,000 tokens) and not verified again.
     */
    record Processor(
        String secret,
        DefaultJWTProcessor<SecurityContext> processor,
        Cache<String, Caller> verified) {
      Processor(String secret, DefaultJWTProcessor<SecurityContext> processor) {
        this(
            secret,
            processor,
            Caffeine.newBuilder().maximumSize(10_000).expireAfter(UNTIL_EXPIRY).build());
      }
    }

    /** A verified token's caller is kept until the token expires, and never past ten minutes. */
    static final Expiry<String, Caller> UNTIL_EXPIRY =
        new Expiry<>() {
          @Override
          public long expireAfterCreate(String token, Caller caller, long now) {
            long left = caller.expiresAtMillis() - System.currentTimeMillis();
            return TimeUnit.MILLISECONDS.toNanos(Math.clamp(left, 0, 600_000));
          }

          @Override
          public long expireAfterUpdate(String token, Caller caller, long now, long current) {
            return current;
          }

          @Override
          public long expireAfterRead(String token, Caller caller, long now, long current) {
            return current;
          }
        };

    static EndpointAuth compile(Auth auth, long orgId, Egress egress, List<Violation> violations) {
      Auth.Jwt settings = auth.jwt().orElseThrow();
      String[] claimPath = auth.rolesClaim().split("\\.");
      Set<String> roles = Set.copyOf(auth.roles());
      if (settings.secretName().isPresent()) {
        return new Jwt(
            orgId,
            settings.secretName(),
            settings,
            new AtomicReference<>(),
            null,
            roles,
            claimPath);
      }
      try {
        JWKSource<SecurityContext> source =
            settings.jwksUrl().isPresent()
                ? JWKSourceBuilder.create(
                        URI.create(settings.jwksUrl().get()).toURL(),
                        new EgressJwkSetRetriever(egress, orgId))
                    .retrying(true)
                    .build()
                : new ImmutableJWKSet<>(new JWKSet(parseKeys(settings.keys())));
        var processor =
            processor(
                source,
                Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256, JWSAlgorithm.PS256),
                settings);
        return new Jwt(
            orgId,
            Optional.empty(),
            settings,
            null,
            new Processor(null, processor),
            roles,
            claimPath);
      } catch (ParseException | java.net.MalformedURLException | IllegalArgumentException e) {
        violations.add(new Violation("/auth/jwt", "cannot use the keys: " + e.getMessage()));
        return Public.INSTANCE;
      }
    }

    private static List<JWK> parseKeys(List<com.fasterxml.jackson.databind.JsonNode> nodes)
        throws ParseException {
      var keys = new ArrayList<JWK>();
      for (var node : nodes) {
        JWK key = JWK.parse(node.toString());
        if (key.isPrivate())
          throw new ParseException("a key holds private material; give public keys only", 0);
        keys.add(key);
      }
      return keys;
    }

    private static DefaultJWTProcessor<SecurityContext> processor(
        JWKSource<SecurityContext> source, Set<JWSAlgorithm> algorithms, Auth.Jwt settings) {
      var processor = new DefaultJWTProcessor<SecurityContext>();
      processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, source));
      var exact = new JWTClaimsSet.Builder();
      settings.issuer().ifPresent(exact::issuer);
      var verifier =
          new DefaultJWTClaimsVerifier<SecurityContext>(
              settings.audience().orElse(null), exact.build(), Set.of("exp"));
      verifier.setMaxClockSkew(settings.clockSkewSeconds());
      processor.setJWTClaimsSetVerifier(verifier);
      return processor;
    }

    /** The processor for the secret's current value, rebuilt when the secret changes. */
    private Processor current(Map<String, String> secrets) {
      if (fixed != null) return fixed;
      String value = secrets.get(secretName.orElseThrow());
      if (value == null) {
        throw new IllegalStateException(
            "the endpoint's JWT secret '" + secretName.get() + "' does not exist");
      }
      Processor built = bySecret.get();
      if (built == null || !built.secret().equals(value)) {
        byte[] key = value.getBytes(StandardCharsets.UTF_8);
        if (key.length < HS256_MIN_KEY_BYTES)
          throw new IllegalStateException(
              "the JWT secret '" + secretName.get() + "' is shorter than 256 bits");
        built =
            new Processor(
                value, processor(new ImmutableSecret<>(key), Set.of(JWSAlgorithm.HS256), settings));
        bySecret.set(built);
      }
      return built;
    }

    @Override
    public Caller authenticate(EndpointRequest request, Map<String, String> secrets) {
      String token = bearer(request);
      if (token == null)
        throw unauthorized(false, "Send a token as 'Authorization: Bearer <jwt>'.");
      Processor processor = current(secrets);
      Caller known = processor.verified().getIfPresent(token);
      if (known != null && known.expiresAtMillis() > System.currentTimeMillis()) return known;
      JWTClaimsSet claims;
      try {
        claims = processor.processor().process(token, null);
      } catch (ParseException | BadJWTException e) {
        // not a JWT at all, or claims refused after the signature was verified: nothing of the key
        // source shows
        throw unauthorized(true, "The token is not valid: " + e.getMessage());
      } catch (BadJOSEException | JOSEException e) {
        String reason = reason(e);
        if (e instanceof KeySourceException && !(e instanceof RateLimitReachedException)) {
          LOG.warn(
              "org {}: no usable JWK set from {}: {}",
              orgId,
              settings.jwksUrl().orElse("the endpoint's keys"),
              reason);
        }
        throw unauthorized(true, UNVERIFIED).because(reason);
      }
      Map<String, Object> map = claims.toJSONObject();
      List<String> held = rolesIn(map);
      checkRoles(roles, held);
      // kept no longer than the token is valid, skew included
      long expires = claims.getExpirationTime().getTime() + settings.clockSkewSeconds() * 1000L;
      Caller caller = caller(claims.getSubject(), held, map, expires);
      processor.verified().put(token, caller);
      return caller;
    }

    /** What went wrong, with the cause nimbus wrapped (the retriever's or the parser's message). */
    private static String reason(Exception e) {
      Throwable cause = e.getCause();
      String message = String.valueOf(e.getMessage());
      return cause == null || message.contains(String.valueOf(cause.getMessage()))
          ? message
          : message + ": " + cause.getMessage();
    }

    private List<String> rolesIn(Map<String, Object> claims) {
      Object value = claims;
      for (String segment : rolesClaim)
        value = value instanceof Map<?, ?> map ? map.get(segment) : null;
      var held = new ArrayList<String>();
      if (value instanceof String one) held.add(one);
      if (value instanceof List<?> many)
        many.forEach(
            item -> {
              if (item instanceof String s) held.add(s);
            });
      return List.copyOf(held);
    }
  }

  private static void checkRoles(Set<String> allowed, List<String> held) {
    if (allowed.isEmpty()) return;
    for (String role : held) if (allowed.contains(role)) return;
    throw new ProblemException(
        403,
        "forbidden",
        "Forbidden",
        "The caller has none of the roles this endpoint allows.",
        List.of(),
        Map.of("WWW-Authenticate", "Bearer error=\"insufficient_scope\""));
  }

  private static String bearer(EndpointRequest request) {
    String header = request.headers().get("authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
    String token = header.substring(7).strip();
    return token.isEmpty() ? null : token;
  }

  private static ProblemException unauthorized(boolean presented, String detail) {
    return new ProblemException(
        401,
        "unauthorized",
        "Unauthorized",
        detail,
        List.of(),
        Map.of(
            "WWW-Authenticate",
            presented
                ? "Bearer realm=\"slipway\", error=\"invalid_token\""
                : "Bearer realm=\"slipway\""));
  }

  private static Caller caller(
      String subject, List<String> roles, Map<String, Object> claims, long expiresAtMillis) {
    try {
      return new Caller(
          subject == null ? "" : subject,
          roles,
          claims,
          Json.MAPPER.writeValueAsString(claims),
          expiresAtMillis);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("claims are not JSON", e);
    }
  }
}
