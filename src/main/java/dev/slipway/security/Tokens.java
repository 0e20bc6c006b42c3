package dev.slipway.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;

/**
 * The control plane's access tokens: HS256 JWTs signed with the instance's key, short-lived.
 * Verification accepts only HS256 with this issuer and audience (so {@code alg: none} and algorithm
 * confusion are refused) and checks expiry with a small clock skew.
 */
public final class Tokens {
  public static final String ISSUER = "slipway";
  public static final String AUDIENCE = "slipway-control-plane";
  private static final Duration SKEW = Duration.ofSeconds(30);

  private final MACSigner signer;
  private final MACVerifier verifier;
  private final Duration lifetime;
  private final Clock clock;

  /** The claims of a verified access token. */
  public record Access(
      long userId, long orgId, String family, Instant issuedAt, Instant expiresAt) {}

  public Tokens(byte[] key, Duration lifetime, Clock clock) {
    try {
      this.signer = new MACSigner(key);
      this.verifier = new MACVerifier(key);
    } catch (JOSEException e) {
      throw new IllegalArgumentException("the token key must be at least 256 bits", e);
    }
    this.lifetime = lifetime;
    this.clock = clock;
  }

  public Duration lifetime() {
    return lifetime;
  }

  public String issue(long userId, long orgId, String family) {
    Instant now = clock.instant();
    var claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .subject(Long.toString(userId))
            .claim("org", orgId)
            .claim("fam", family)
            .jwtID(UUID.randomUUID().toString())
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(lifetime)))
            .build();
    var jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign an access token", e);
    }
    return jwt.serialize();
  }

  /** The token's claims when it is ours, intact and current; empty otherwise. */
  public Optional<Access> verify(String token) {
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier))
        return Optional.empty();
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      Instant now = clock.instant();
      if (!ISSUER.equals(claims.getIssuer())
          || claims.getAudience() == null
          || !claims.getAudience().contains(AUDIENCE)) {
        return Optional.empty();
      }
      if (claims.getExpirationTime() == null || claims.getIssueTime() == null)
        return Optional.empty();
      Instant expires = claims.getExpirationTime().toInstant();
      Instant issued = claims.getIssueTime().toInstant();
      if (now.isAfter(expires.plus(SKEW)) || issued.isAfter(now.plus(SKEW)))
        return Optional.empty();
      Long org = claims.getLongClaim("org");
      String family = claims.getStringClaim("fam");
      if (org == null || family == null || claims.getSubject() == null) return Optional.empty();
      return Optional.of(
          new Access(Long.parseLong(claims.getSubject()), org, family, issued, expires));
    } catch (ParseException | JOSEException | NumberFormatException e) {
      return Optional.empty();
    }
  }
}
