package dev.slipway.signature;

import static dev.slipway.signature.Signing.NO_MATCH;
import static dev.slipway.signature.Signing.NO_SECRET;
import static dev.slipway.signature.Signing.SHA256;
import static dev.slipway.signature.Signing.checkTolerance;
import static dev.slipway.signature.Signing.headerValue;
import static dev.slipway.signature.Signing.hmac;
import static dev.slipway.signature.Signing.missing;
import static dev.slipway.signature.Signing.notSeconds;
import static dev.slipway.signature.Signing.seconds;
import static dev.slipway.signature.Signing.utf8;
import static dev.slipway.signature.Signing.verdict;
import static dev.slipway.signature.Verification.refused;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * How one provider signs its webhook deliveries, to check an incoming one and to sign an outgoing
 * one. Each record is a provider's scheme and its settings; the secret is given per call, since it
 * belongs to the endpoint and is rotated apart from the scheme.
 */
public sealed interface WebhookVerifier {
  /** How far a signed timestamp may be from the receiving clock, either way, unless configured. */
  Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

  /**
   * Whether {@code rawBody} was signed with {@code secret} as the provider signs.
   *
   * <p>Never throws for anything a caller sends: a missing, malformed or mismatching header is a
   * refusal with a reason. An empty secret refuses every delivery. Signatures are compared in
   * constant time.
   *
   * @param headers the request's headers, names in lower case, one value each
   * @param rawBody the body exactly as received, before any parsing
   * @param now the receiving instant, against which a signed timestamp is checked
   */
  Verification verify(Map<String, String> headers, byte[] rawBody, String secret, Instant now);

  /**
   * The headers (names in lower case) the provider would send with {@code body} signed with {@code
   * secret} at {@code at}: for outgoing deliveries, and for tests that forge good and bad ones.
   *
   * @param eventId the delivery's id where the provider sends it in a header; ignored by providers
   *     that read it from the body (Stripe, Slack)
   * @throws IllegalArgumentException if the secret is empty
   */
  Map<String, String> signedHeaders(byte[] body, String secret, String eventId, Instant at);

  /** The provider's name as a spec writes it. */
  default String kind() {
    return switch (this) {
      case Stripe ignored -> "stripe";
      case GitHub ignored -> "github";
      case Slack ignored -> "slack";
      case StandardWebhooks ignored -> "standard-webhooks";
      case Hmac ignored -> "hmac";
    };
  }

  /**
   * Stripe: {@code Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]}, each {@code v1} an
   * HMAC-SHA256 of {@code t + "." + body} keyed with the secret's UTF-8 bytes ({@code whsec_...}
   * verbatim, as Stripe does). Any {@code v1} may match (Stripe sends several while a secret is
   * rolled); {@code v0} and unknown items are ignored. The event id is the body's top-level {@code
   * "id"}.
   */
  record Stripe(Duration tolerance) implements WebhookVerifier {
    public Stripe {
      checkTolerance(tolerance);
    }

    public Stripe() {
      this(DEFAULT_TOLERANCE);
    }

    @Override
    public Verification verify(
        Map<String, String> headers, byte[] rawBody, String secret, Instant now) {
      byte[] key = utf8(secret);
      if (key.length == 0) return NO_SECRET;
      Optional<String> value = headerValue(headers, "stripe-signature");
      if (value.isEmpty()) return missing("Stripe-Signature");
      String timestamp = null;
      var signatures = new ArrayList<byte[]>();
      int v1 = 0;
      for (String item : value.get().split(",")) {
        int equals = item.indexOf('=');
        if (equals < 0) continue;
        String name = item.substring(0, equals).strip();
        String text = item.substring(equals + 1).strip();
        if (name.equals("t")) {
          timestamp = text;
        } else if (name.equals("v1")) {
          v1++;
          Signing.fromHex(text).ifPresent(signatures::add);
        }
      }
      if (timestamp == null) return refused("the Stripe-Signature header has no timestamp (t=)");
      OptionalLong seconds = seconds(timestamp);
      if (seconds.isEmpty()) return notSeconds("the Stripe-Signature header's timestamp (t=)");
      if (v1 == 0) return refused("the Stripe-Signature header has no v1 signature");
      byte[] expected = hmac(SHA256, key, utf8(timestamp + "."), rawBody);
      return verdict(
          expected,
          signatures,
          seconds.getAsLong(),
          now,
          tolerance,
          () -> Signing.jsonText(rawBody, "id"));
    }

    /** The {@code Stripe-Signature} value Stripe would send: {@code t=<seconds>,v1=<hex>}. */
    public static String sign(long timestampSeconds, byte[] body, String secret) {
      byte[] mac = hmac(SHA256, utf8(secret), utf8(timestampSeconds + "."), body);
      return "t=" + timestampSeconds + ",v1=" + Signing.hex(mac);
    }

    @Override
    public Map<String, String> signedHeaders(
        byte[] body, String secret, String eventId, Instant at) {
      return Map.of("stripe-signature", sign(at.getEpochSecond(), body, secret));
    }
  }

  /**
   * GitHub: {@code X-Hub-Signature-256: sha256=<hex>}, an HMAC-SHA256 of the raw body keyed with
   * the secret's UTF-8 bytes. GitHub signs no timestamp, so a replay is only recognised by the
   * event id, the {@code X-GitHub-Delivery} header.
   */
  record GitHub() implements WebhookVerifier {
    private static final Hmac SCHEME =
        new Hmac(
            "X-Hub-Signature-256",
            Hmac.Algorithm.SHA256,
            Hmac.Encoding.HEX,
            "sha256=",
            Optional.of("X-GitHub-Delivery"));

    @Override
    public Verification verify(
        Map<String, String> headers, byte[] rawBody, String secret, Instant now) {
      return SCHEME.verify(headers, rawBody, secret, now);
    }

    /** The {@code X-Hub-Signature-256} value GitHub would send: {@code sha256=<hex>}. */
    public static String sign(byte[] body, String secret) {
      return SCHEME.sign(body, secret);
    }

    @Override
    public Map<String, String> signedHeaders(
        byte[] body, String secret, String eventId, Instant at) {
      return SCHEME.signedHeaders(body, secret, eventId, at);
    }
  }

  /**
   * Slack: {@code X-Slack-Signature: v0=<hex>}, an HMAC-SHA256 of {@code "v0:" + timestamp + ":" +
   * body} keyed with the signing secret's UTF-8 bytes, the timestamp sent in {@code
   * X-Slack-Request-Timestamp}. The event id is the body's {@code event_id} when the body is JSON
   * (Events API); slash commands and interactions are form-encoded and have none.
   */
  record Slack(Duration tolerance) implements WebhookVerifier {
    public Slack {
      checkTolerance(tolerance);
    }

    public Slack() {
      this(DEFAULT_TOLERANCE);
    }

    @Override
    public Verification verify(
        Map<String, String> headers, byte[] rawBody, String secret, Instant now) {
      byte[] key = utf8(secret);
      if (key.length == 0) return NO_SECRET;
      Optional<String> signature = headerValue(headers, "x-slack-signature");
      if (signature.isEmpty()) return missing("X-Slack-Signature");
      Optional<String> timestamp = headerValue(headers, "x-slack-request-timestamp");
      if (timestamp.isEmpty()) return missing("X-Slack-Request-Timestamp");
      OptionalLong seconds = seconds(timestamp.get());
      if (seconds.isEmpty()) return notSeconds("the X-Slack-Request-Timestamp header");
      Optional<byte[]> given = Signing.afterPrefix(signature.get(), "v0=", Signing::fromHex);
      if (given.isEmpty()) return Signing.malformed("X-Slack-Signature", "v0=", "hex digits");
      byte[] expected = hmac(SHA256, key, utf8("v0:" + timestamp.get() + ":"), rawBody);
      return verdict(
          expected,
          List.of(given.get()),
          seconds.getAsLong(),
          now,
          tolerance,
          () -> Signing.jsonText(rawBody, "event_id"));
    }

    /** The {@code X-Slack-Signature} value Slack would send: {@code v0=<hex>}. */
    public static String sign(long timestampSeconds, byte[] body, String secret) {
      byte[] mac = hmac(SHA256, utf8(secret), utf8("v0:" + timestampSeconds + ":"), body);
      return "v0=" + Signing.hex(mac);
    }

    @Override
    public Map<String, String> signedHeaders(
        byte[] body, String secret, String eventId, Instant at) {
      long seconds = at.getEpochSecond();
      return Map.of(
          "x-slack-signature",
          sign(seconds, body, secret),
          "x-slack-request-timestamp",
          Long.toString(seconds));
    }
  }

  /**
   * Standard Webhooks (<a href="https://www.standardwebhooks.com">standardwebhooks.com</a>, Svix's
   * scheme): headers {@code webhook-id}, {@code webhook-timestamp} and {@code webhook-signature},
   * or the same with {@code svix-} in place of {@code webhook-}. The signature header is a
   * space-separated list of {@code v1,<base64>}, each an HMAC-SHA256 of {@code id + "." + timestamp
   * + "." + body}; any may match, and other versions ({@code v1a}) are ignored. A secret {@code
   * whsec_<base64>} is keyed with the decoded bytes; any other secret with its UTF-8 bytes. The
   * event id is {@code webhook-id}.
   */
  record StandardWebhooks(Duration tolerance) implements WebhookVerifier {
    private static final String SECRET_PREFIX = "whsec_";
    private static final SecureRandom RANDOM = new SecureRandom();

    public StandardWebhooks {
      checkTolerance(tolerance);
    }

    public StandardWebhooks() {
      this(DEFAULT_TOLERANCE);
    }

    @Override
    public Verification verify(
        Map<String, String> headers, byte[] rawBody, String secret, Instant now) {
      byte[] key = key(secret);
      if (key.length == 0) return NO_SECRET;
      String family = family(headers);
      Optional<String> id = headerValue(headers, family + "id");
      if (id.isEmpty()) return missing(family + "id");
      Optional<String> timestamp = headerValue(headers, family + "timestamp");
      if (timestamp.isEmpty()) return missing(family + "timestamp");
      Optional<String> signature = headerValue(headers, family + "signature");
      if (signature.isEmpty()) return missing(family + "signature");
      OptionalLong seconds = seconds(timestamp.get());
      if (seconds.isEmpty()) return notSeconds("the " + family + "timestamp header");
      var signatures = new ArrayList<byte[]>();
      int v1 = 0;
      for (String entry : signature.get().split(" ")) {
        if (!entry.startsWith("v1,")) continue;
        v1++;
        Signing.fromBase64(entry.substring(3)).ifPresent(signatures::add);
      }
      if (v1 == 0) return refused("the " + family + "signature header has no v1 signature");
      byte[] expected = hmac(SHA256, key, utf8(id.get() + "." + timestamp.get() + "."), rawBody);
      return verdict(expected, signatures, seconds.getAsLong(), now, tolerance, () -> id);
    }

    /** The {@code webhook-signature} value a sender would send: {@code v1,<base64>}. */
    public static String sign(String id, long timestampSeconds, byte[] body, String secret) {
      byte[] mac = hmac(SHA256, key(secret), utf8(id + "." + timestampSeconds + "."), body);
      return "v1," + Signing.base64(mac);
    }

    /** A fresh secret: {@code whsec_} and the base64 of 24 random bytes. */
    public static String newSecret() {
      var bytes = new byte[24];
      RANDOM.nextBytes(bytes);
      return SECRET_PREFIX + Signing.base64(bytes);
    }

    @Override
    public Map<String, String> signedHeaders(
        byte[] body, String secret, String eventId, Instant at) {
      long seconds = at.getEpochSecond();
      return Map.of(
          "webhook-id",
          eventId,
          "webhook-timestamp",
          Long.toString(seconds),
          "webhook-signature",
          sign(eventId, seconds, body, secret));
    }

    /**
     * The prefix of all three headers' names: {@code svix-} when the delivery has one of those and
     * none of the standard ones, else {@code webhook-}. Names are never mixed within a delivery.
     */
    private static String family(Map<String, String> headers) {
      for (String name : List.of("id", "timestamp", "signature")) {
        if (headers.containsKey("webhook-" + name)) return "webhook-";
      }
      for (String name : List.of("id", "timestamp", "signature")) {
        if (headers.containsKey("svix-" + name)) return "svix-";
      }
      return "webhook-";
    }

    /** The HMAC key: the bytes after {@code whsec_} when they are base64, else the UTF-8 text. */
    private static byte[] key(String secret) {
      if (secret.startsWith(SECRET_PREFIX)) {
        Optional<byte[]> decoded = Signing.fromBase64(secret.substring(SECRET_PREFIX.length()));
        if (decoded.isPresent()) return decoded.get();
      }
      return utf8(secret);
    }
  }

  /**
   * A provider without a scheme of its own: one header holding an HMAC of the raw body keyed with
   * the secret's UTF-8 bytes, optionally after a fixed prefix, and optionally an event id in
   * another header. No timestamp is signed, so a replay is only recognised by the event id.
   *
   * @param header the signature's header, e.g. {@code X-Signature} (looked up in lower case)
   * @param prefix text before the encoded signature, e.g. {@code sha256=}; empty for none
   * @param idHeader the header with the delivery's event id, if the provider sends one
   */
  record Hmac(
      String header,
      Algorithm algorithm,
      Encoding encoding,
      String prefix,
      Optional<String> idHeader)
      implements WebhookVerifier {

    /** The hash under the HMAC. */
    public enum Algorithm {
      SHA1("HmacSHA1"),
      SHA256("HmacSHA256"),
      SHA512("HmacSHA512");

      private final String jcaName;

      Algorithm(String jcaName) {
        this.jcaName = jcaName;
      }

      /** The name a spec writes: {@code sha1}, {@code sha256}, {@code sha512}. */
      public String id() {
        return lowerCase(name());
      }

      public static Optional<Algorithm> byId(String id) {
        return byName(values(), id);
      }
    }

    /** How the signature's bytes are written in the header. */
    public enum Encoding {
      HEX("hex digits", Signing::hex, Signing::fromHex),
      BASE64("base64", Signing::base64, Signing::fromBase64);

      private final String description;
      private final Function<byte[], String> encode;
      private final Function<String, Optional<byte[]>> decode;

      Encoding(
          String description,
          Function<byte[], String> encode,
          Function<String, Optional<byte[]>> decode) {
        this.description = description;
        this.encode = encode;
        this.decode = decode;
      }

      /** The name a spec writes: {@code hex}, {@code base64}. */
      public String id() {
        return lowerCase(name());
      }

      public static Optional<Encoding> byId(String id) {
        return byName(values(), id);
      }
    }

    public Hmac {
      Objects.requireNonNull(header, "header");
      Objects.requireNonNull(algorithm, "algorithm");
      Objects.requireNonNull(encoding, "encoding");
      Objects.requireNonNull(prefix, "prefix");
      Objects.requireNonNull(idHeader, "idHeader");
      if (header.isBlank()) throw new IllegalArgumentException("the signature header is blank");
      if (idHeader.isPresent() && idHeader.get().isBlank()) {
        throw new IllegalArgumentException("the event id header is blank");
      }
    }

    @Override
    public Verification verify(
        Map<String, String> headers, byte[] rawBody, String secret, Instant now) {
      byte[] key = utf8(secret);
      if (key.length == 0) return NO_SECRET;
      Optional<String> value = headerValue(headers, lowerCase(header));
      if (value.isEmpty()) return missing(header);
      Optional<byte[]> given = Signing.afterPrefix(value.get(), prefix, encoding.decode);
      if (given.isEmpty()) return Signing.malformed(header, prefix, encoding.description);
      byte[] expected = hmac(algorithm.jcaName, key, rawBody);
      if (!Signing.anyEquals(expected, List.of(given.get()))) return NO_MATCH;
      return Verification.accepted(idHeader.flatMap(name -> headerValue(headers, lowerCase(name))));
    }

    /** The signature header's value: the prefix and the encoded HMAC of the body. */
    public String sign(byte[] body, String secret) {
      return prefix + encoding.encode.apply(hmac(algorithm.jcaName, utf8(secret), body));
    }

    @Override
    public Map<String, String> signedHeaders(
        byte[] body, String secret, String eventId, Instant at) {
      var headers = new LinkedHashMap<String, String>();
      headers.put(lowerCase(header), sign(body, secret));
      idHeader.ifPresent(name -> headers.put(lowerCase(name), eventId));
      return headers;
    }

    private static String lowerCase(String name) {
      return name.toLowerCase(Locale.ROOT);
    }

    private static <E extends Enum<E>> Optional<E> byName(E[] values, String id) {
      for (E value : values) {
        if (lowerCase(value.name()).equals(id)) return Optional.of(value);
      }
      return Optional.empty();
    }
  }
}
