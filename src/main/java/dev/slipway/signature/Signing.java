package dev.slipway.signature;

import static dev.slipway.signature.Verification.refused;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The parts every provider's scheme is made of. Decoding answers empty instead of throwing, so that
 * a malformed header becomes a refusal; signatures are only ever compared with {@link
 * MessageDigest#isEqual}, whose time does not depend on where two equally long values differ.
 */
final class Signing {
  static final String SHA256 = "HmacSHA256";

  static final Verification NO_SECRET =
      refused("no secret is configured to verify the signature with");
  static final Verification NO_MATCH = refused("no signature matches");

  private static final HexFormat HEX = HexFormat.of();

  /** 18 digits always fit a long; a sign, spaces or a fraction are not seconds. */
  private static final Pattern SECONDS = Pattern.compile("[0-9]{1,18}");

  private Signing() {}

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** The HMAC of the parts one after another; an empty key (which the JDK cannot use) throws. */
  static byte[] hmac(String algorithm, byte[] key, byte[]... parts) {
    if (key.length == 0) throw new IllegalArgumentException("the secret is empty");
    try {
      var mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(key, algorithm));
      for (byte[] part : parts) mac.update(part);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot compute " + algorithm, e);
    }
  }

  static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** The bytes of hex digits (either case); empty for anything else. */
  static Optional<byte[]> fromHex(String text) {
    try {
      return Optional.of(HEX.parseHex(text));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The bytes of standard base64 (padding optional); empty for anything else. */
  static Optional<byte[]> fromBase64(String text) {
    try {
      return Optional.of(Base64.getDecoder().decode(text));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The text after {@code prefix}, decoded; empty when it does not start so or cannot be. */
  static Optional<byte[]> afterPrefix(
      String value, String prefix, Function<String, Optional<byte[]>> decode) {
    return value.startsWith(prefix)
        ? decode.apply(value.substring(prefix.length()))
        : Optional.empty();
  }

  static Verification malformed(String header, String prefix, String encoding) {
    String form = prefix.isEmpty() ? encoding : prefix + " followed by " + encoding;
    return refused("the " + header + " header is not " + form);
  }

  /** The header's value, trimmed; empty when it is absent or blank. */
  static Optional<String> headerValue(Map<String, String> headers, String lowerCaseName) {
    String value = headers.get(lowerCaseName);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
  }

  static Verification missing(String header) {
    return refused("the " + header + " header is missing");
  }

  /** Unix seconds written as digits; empty for anything else. */
  static OptionalLong seconds(String text) {
    return SECONDS.matcher(text).matches()
        ? OptionalLong.of(Long.parseLong(text))
        : OptionalLong.empty();
  }

  static Verification notSeconds(String what) {
    return refused(what + " is not a whole number of seconds");
  }

  static Duration checkTolerance(Duration tolerance) {
    Objects.requireNonNull(tolerance, "tolerance");
    if (tolerance.isNegative()) {
      throw new IllegalArgumentException("tolerance must not be negative: " + tolerance);
    }
    return tolerance;
  }

  /**
   * Accepted when a candidate equals {@code expected} and {@code timestamp} is within {@code
   * tolerance} of {@code now}, either way. The signature is judged first, so that a refusal for the
   * time is only ever given to a delivery that was really signed.
   */
  static Verification verdict(
      byte[] expected,
      List<byte[]> candidates,
      long timestamp,
      Instant now,
      Duration tolerance,
      Supplier<Optional<String>> eventId) {
    if (!anyEquals(expected, candidates)) return NO_MATCH;
    long age = now.getEpochSecond() - timestamp;
    long allowed = tolerance.toSeconds();
    if (age > allowed) {
      return refused(
          "the signature's timestamp is %d s old; at most %d s are allowed"
              .formatted(age, allowed));
    }
    if (-age > allowed) {
      return refused(
          "the signature's timestamp is %d s in the future; at most %d s are allowed"
              .formatted(-age, allowed));
    }
    return Verification.accepted(eventId.get());
  }

  /** Whether any candidate equals {@code expected}; every candidate is compared. */
  static boolean anyEquals(byte[] expected, List<byte[]> candidates) {
    boolean found = false;
    for (byte[] candidate : candidates) found |= MessageDigest.isEqual(expected, candidate);
    return found;
  }

  /** The body's top-level text field {@code name} when the body is JSON that has one. */
  static Optional<String> jsonText(byte[] body, String name) {
    try {
      JsonNode tree = Json.MAPPER.readTree(body);
      JsonNode field = tree == null ? null : tree.get(name);
      return field != null && field.isTextual() ? Optional.of(field.textValue()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
