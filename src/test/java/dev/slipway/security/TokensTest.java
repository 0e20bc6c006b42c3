package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Date;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Access tokens: only ours, intact, current, with every claim, verify. */
class TokensTest {
  private static final byte[] KEY = new byte[64];
  private static final Instant NOW = Instant.parse("2026-12-04T00:00:00Z");

  static {
    Arrays.fill(KEY, (byte) 7);
  }

  private static Tokens at(Instant instant) {
    return new Tokens(KEY, Duration.ofMinutes(15), Clock.fixed(instant, ZoneOffset.UTC));
  }

  /** A token signed with the key, its claims as ours but changed by {@code change}. */
  private static String signed(JWSAlgorithm algorithm, UnaryOperator<JWTClaimsSet.Builder> change)
      throws Exception {
    var claims =
        new JWTClaimsSet.Builder()
            .issuer(Tokens.ISSUER)
            .audience(Tokens.AUDIENCE)
            .subject("3")
            .claim("org", 1L)
            .claim("fam", "f")
            .issueTime(Date.from(NOW))
            .expirationTime(Date.from(NOW.plus(Duration.ofMinutes(15))));
    var jwt =
        new SignedJWT(
            new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).build(),
            change.apply(claims).build());
    jwt.sign(new MACSigner(KEY));
    return jwt.serialize();
  }

  @Test
  void a_token_verifies_with_its_claims_until_it_expires_give_or_take_30_seconds() {
    String token = at(NOW).issue(3, 1, "family");
    var access = at(NOW).verify(token).orElseThrow();
    assertThat(access)
        .isEqualTo(new Tokens.Access(3, 1, "family", NOW, NOW.plus(Duration.ofMinutes(15))));
    Instant expires = NOW.plus(Duration.ofMinutes(15));
    assertThat(at(expires.plusSeconds(30)).verify(token)).isPresent();
    assertThat(at(expires.plusSeconds(31)).verify(token)).isEmpty();
    assertThat(at(NOW.minusSeconds(30)).verify(token)).isPresent();
    assertThat(at(NOW.minusSeconds(31)).verify(token)).as("issued in the future").isEmpty();
    assertThat(at(NOW).lifetime()).isEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void a_token_of_another_key_a_changed_one_and_an_unsigned_one_do_not_verify() throws Exception {
    byte[] other = KEY.clone();
    other[0] = 8;
    String theirs =
        new Tokens(other, Duration.ofMinutes(15), Clock.fixed(NOW, ZoneOffset.UTC))
            .issue(3, 1, "f");
    assertThat(at(NOW).verify(theirs)).isEmpty();
    String ours = at(NOW).issue(3, 1, "f");
    String[] parts = ours.split("\\.");
    String changed =
        parts[0] + "." + parts[1].substring(0, parts[1].length() - 2) + "AA." + parts[2];
    assertThat(at(NOW).verify(changed)).isEmpty();
    String unsigned = new PlainJWT(SignedJWT.parse(ours).getJWTClaimsSet()).serialize();
    assertThat(at(NOW).verify(unsigned)).isEmpty();
    assertThat(at(NOW).verify("not a token")).isEmpty();
  }

  @Test
  void only_hs256_with_our_issuer_audience_and_every_claim_verifies() throws Exception {
    assertThat(at(NOW).verify(signed(JWSAlgorithm.HS256, claims -> claims))).isPresent();
    assertThat(at(NOW).verify(signed(JWSAlgorithm.HS512, claims -> claims))).isEmpty();
    assertThat(at(NOW).verify(signed(JWSAlgorithm.HS256, claims -> claims.issuer("someone"))))
        .isEmpty();
    assertThat(at(NOW).verify(signed(JWSAlgorithm.HS256, claims -> claims.audience("elsewhere"))))
        .isEmpty();
    assertThat(at(NOW).verify(signed(JWSAlgorithm.HS256, claims -> claims.audience((String) null))))
        .isEmpty();
    assertThat(at(NOW).verify(signed(JWSAlgorithm.HS256, claims -> claims.expirationTime(null))))
        .isEmpty();
    assertThat(at(NOW).verify(signed(JWSAlgorithm.HS256, claims -> claims.issueTime(null))))
        .isEmpty();
    assertThat(at(NOW).verify(signed(JWSAlgorithm.HS256, claims -> claims.claim("org", null))))
        .isEmpty();
    assertThat(at(NOW).verify(signed(JWSAlgorithm.HS256, claims -> claims.claim("fam", null))))
        .isEmpty();
    assertThat(at(NOW).verify(signed(JWSAlgorithm.HS256, claims -> claims.subject(null))))
        .isEmpty();
    assertThat(at(NOW).verify(signed(JWSAlgorithm.HS256, claims -> claims.subject("ada"))))
        .isEmpty();
  }

  @Test
  void a_key_shorter_than_256_bits_is_refused() {
    assertThatThrownBy(() -> new Tokens(new byte[31], Duration.ofMinutes(1), Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("256 bits");
    assertThat(new Tokens(new byte[32], Duration.ofMinutes(1), Clock.systemUTC())).isNotNull();
  }
}
