package dev.slipway.signature;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.signature.WebhookVerifier.GitHub;
import dev.slipway.signature.WebhookVerifier.Hmac;
import dev.slipway.signature.WebhookVerifier.Slack;
import dev.slipway.signature.WebhookVerifier.StandardWebhooks;
import dev.slipway.signature.WebhookVerifier.Stripe;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each provider's scheme against the vectors its documentation or reference library publishes, then
 * the same behaviour asked of every provider: a good delivery passes with its event id, and a
 * changed body, another secret, a missing or garbled header, or a timestamp out of tolerance is
 * refused with a reason and no exception.
 */
class WebhookSignaturesTest {
  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final Instant NOW = Instant.ofEpochSecond(1_750_000_000);
  private static final byte[] BODY =
      "{\"id\":\"evt_1\",\"event_id\":\"Ev1\",\"type\":\"ping\"}".getBytes(UTF_8);
  private static final String DELIVERY = "delivery-1";

  private static final Hmac GENERIC =
      new Hmac(
          "X-Signature",
          Hmac.Algorithm.SHA512,
          Hmac.Encoding.BASE64,
          "",
          Optional.of("X-Delivery-Id"));

  /** Every provider, and the event id it reads from {@link #BODY} signed as {@link #DELIVERY}. */
  static Stream<Arguments> providers() {
    return Stream.of(
        Arguments.of(new Stripe(), Optional.of("evt_1")),
        Arguments.of(new GitHub(), Optional.of(DELIVERY)),
        Arguments.of(new Slack(), Optional.of("Ev1")),
        Arguments.of(new StandardWebhooks(), Optional.of(DELIVERY)),
        Arguments.of(GENERIC, Optional.of(DELIVERY)));
  }

  static Stream<WebhookVerifier> timestamped() {
    return Stream.of(new Stripe(), new Slack(), new StandardWebhooks());
  }

  private static Map<String, String> signed(WebhookVerifier verifier, Instant at) {
    return verifier.signedHeaders(BODY, SECRET, DELIVERY, at);
  }

  private static Map<String, String> with(Map<String, String> headers, String name, String value) {
    var changed = new HashMap<>(headers);
    changed.put(name, value);
    return changed;
  }

  private static Map<String, String> without(Map<String, String> headers, String name) {
    var changed = new HashMap<>(headers);
    changed.remove(name);
    return changed;
  }

  private static byte[] mac(String algorithm, byte[] key, String message) throws Exception {
    var mac = Mac.getInstance(algorithm);
    mac.init(new SecretKeySpec(key, algorithm));
    return mac.doFinal(message.getBytes(UTF_8));
  }

  private static void assertRefused(Verification verification, String reason) {
    assertThat(verification.valid()).as(verification.toString()).isFalse();
    assertThat(verification.reason()).isEqualTo(reason);
    assertThat(verification.eventId()).isEmpty();
  }

  // Published vectors

  /** docs.github.com, "Validating webhook deliveries", "Testing the webhook payload validation". */
  @Test
  void the_github_documentation_example_verifies() {
    byte[] body = "Hello, World!".getBytes(UTF_8);
    String secret = "It's a Secret to Everybody";
    String signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    assertThat(GitHub.sign(body, secret)).isEqualTo(signature);
    var verification =
        new GitHub()
            .verify(
                Map.of("x-hub-signature-256", signature, "x-github-delivery", "72d3162e"),
                body,
                secret,
                NOW);
    assertThat(verification).isEqualTo(Verification.accepted(Optional.of("72d3162e")));
  }

  /** api.slack.com/authentication/verifying-requests-from-slack, "Validating a request". */
  @Test
  void the_slack_documentation_example_verifies() {
    byte[] body =
        ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
                + "&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA"
                + "&user_name=roadrunner&command=%2Fwebhook-collect&text="
                + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J"
                + "%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
                + "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
            .getBytes(UTF_8);
    String secret = "8f742231b10e8888abcd99yyyzzz85a5";
    String signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    assertThat(Slack.sign(1531420618, body, secret)).isEqualTo(signature);
    var headers = Map.of("x-slack-signature", signature, "x-slack-request-timestamp", "1531420618");
    var verification =
        new Slack().verify(headers, body, secret, Instant.ofEpochSecond(1531420618 + 60));
    // A slash command's body is form-encoded: there is no event id.
    assertThat(verification).isEqualTo(Verification.accepted(Optional.empty()));
  }

  /** standard-webhooks/standard-webhooks, libraries/java WebhookTest.verifyWebhookSignWorks. */
  @Test
  void the_standard_webhooks_library_vector_verifies() {
    byte[] body = "{\"test\": 2432232314}".getBytes(UTF_8);
    String id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    String signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    assertThat(StandardWebhooks.sign(id, 1614265330, body, SECRET)).isEqualTo(signature);
    var headers =
        Map.of("webhook-id", id, "webhook-timestamp", "1614265330", "webhook-signature", signature);
    assertThat(
            new StandardWebhooks().verify(headers, body, SECRET, Instant.ofEpochSecond(1614265330)))
        .isEqualTo(Verification.accepted(Optional.of(id)));
  }

  @Test
  void standard_webhooks_accepts_the_svix_header_names() {
    byte[] body = "{\"test\": 2432232314}".getBytes(UTF_8);
    var headers =
        Map.of(
            "svix-id",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            "svix-timestamp",
            "1614265330",
            "svix-signature",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    var verification =
        new StandardWebhooks().verify(headers, body, SECRET, Instant.ofEpochSecond(1614265330));
    assertThat(verification.eventId()).contains("msg_p5jXN8AQM9LWM0D4loKWxJek");
    assertRefused(
        new StandardWebhooks()
            .verify(without(headers, "svix-id"), body, SECRET, Instant.ofEpochSecond(1614265330)),
        "the svix-id header is missing");
  }

  @Test
  void a_standard_webhooks_secret_without_the_whsec_prefix_is_used_as_text() throws Exception {
    String secret = "plain-text-key";
    String expected =
        "v1,"
            + Base64.getEncoder()
                .encodeToString(mac("HmacSHA256", secret.getBytes(UTF_8), "msg_1.1700000000.{}"));
    assertThat(StandardWebhooks.sign("msg_1", 1700000000, "{}".getBytes(UTF_8), secret))
        .isEqualTo(expected);
  }

  @Test
  void standard_webhooks_signatures_in_a_list_verify_when_any_v1_matches() {
    var headers = signed(new StandardWebhooks(), NOW);
    String good = headers.get("webhook-signature");
    var listed =
        with(
            headers,
            "webhook-signature",
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1a,c2lnbmF0dXJl " + good);
    assertThat(new StandardWebhooks().verify(listed, BODY, SECRET, NOW).valid()).isTrue();
    var onlyOther =
        with(headers, "webhook-signature", "v2," + good.substring(3) + " v1a," + good.substring(3));
    assertRefused(
        new StandardWebhooks().verify(onlyOther, BODY, SECRET, NOW),
        "the webhook-signature header has no v1 signature");
  }

  @Test
  void a_new_standard_webhooks_secret_is_24_random_bytes_that_sign_and_verify() {
    String secret = StandardWebhooks.newSecret();
    assertThat(secret).startsWith("whsec_").isNotEqualTo(StandardWebhooks.newSecret());
    assertThat(Base64.getDecoder().decode(secret.substring("whsec_".length()))).hasSize(24);
    var verifier = new StandardWebhooks();
    var headers = verifier.signedHeaders(BODY, secret, DELIVERY, NOW);
    assertThat(verifier.verify(headers, BODY, secret, NOW).valid()).isTrue();
  }

  /** Stripe publishes no vector: the signature is computed here with javax.crypto alone. */
  @Test
  void a_stripe_signature_computed_independently_verifies() throws Exception {
    String hex =
        HexFormat.of()
            .formatHex(
                mac("HmacSHA256", SECRET.getBytes(UTF_8), "1750000000." + new String(BODY, UTF_8)));
    String header = "t=1750000000,v1=" + hex;

    assertThat(Stripe.sign(1750000000, BODY, SECRET)).isEqualTo(header);
    assertThat(new Stripe().verify(Map.of("stripe-signature", header), BODY, SECRET, NOW))
        .isEqualTo(Verification.accepted(Optional.of("evt_1")));
  }

  @Test
  void a_stripe_delivery_verifies_when_any_of_several_v1_signatures_matches() {
    String good = Stripe.sign(NOW.getEpochSecond(), BODY, SECRET);
    String goodHex = good.substring(good.indexOf("v1=") + 3);
    String other = "5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd";
    String header =
        "t=" + NOW.getEpochSecond() + ",v1=" + other + ",v1=" + goodHex + ",v0=" + other;

    var stripe = new Stripe();
    assertThat(stripe.verify(Map.of("stripe-signature", header), BODY, SECRET, NOW).valid())
        .isTrue();
    String onlyOthers = "t=" + NOW.getEpochSecond() + ",v1=" + other + ",v1=" + other;
    assertRefused(
        stripe.verify(Map.of("stripe-signature", onlyOthers), BODY, SECRET, NOW),
        "no signature matches");
  }

  @Test
  void a_stripe_header_without_a_timestamp_or_a_v1_signature_is_refused() {
    var stripe = new Stripe();
    String hex = "0".repeat(64);
    assertRefused(
        stripe.verify(Map.of("stripe-signature", "v1=" + hex), BODY, SECRET, NOW),
        "the Stripe-Signature header has no timestamp (t=)");
    assertRefused(
        stripe.verify(Map.of("stripe-signature", "t=1750000000,v0=" + hex), BODY, SECRET, NOW),
        "the Stripe-Signature header has no v1 signature");
    assertRefused(
        stripe.verify(Map.of("stripe-signature", "t=soon,v1=" + hex), BODY, SECRET, NOW),
        "the Stripe-Signature header's timestamp (t=) is not a whole number of seconds");
  }

  @Test
  void a_generic_hmac_reproduces_the_github_vector_and_other_algorithms() throws Exception {
    byte[] body = "Hello, World!".getBytes(UTF_8);
    var githubLike =
        new Hmac(
            "X-Hub-Signature-256",
            Hmac.Algorithm.SHA256,
            Hmac.Encoding.HEX,
            "sha256=",
            Optional.empty());
    assertThat(githubLike.sign(body, "It's a Secret to Everybody"))
        .isEqualTo("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");

    var sha1 =
        new Hmac("X-Sig", Hmac.Algorithm.SHA1, Hmac.Encoding.BASE64, "sha1=", Optional.empty());
    String expected =
        "sha1="
            + Base64.getEncoder()
                .encodeToString(mac("HmacSHA1", "k".getBytes(UTF_8), "Hello, World!"));
    assertThat(sha1.sign(body, "k")).isEqualTo(expected);
    assertThat(sha1.verify(Map.of("x-sig", expected), body, "k", NOW))
        .isEqualTo(Verification.accepted(Optional.empty()));

    String sha512 =
        Base64.getEncoder()
            .encodeToString(mac("HmacSHA512", SECRET.getBytes(UTF_8), new String(BODY, UTF_8)));
    assertThat(GENERIC.sign(BODY, SECRET)).isEqualTo(sha512);
  }

  @Test
  void generic_hmac_settings_are_named_as_a_spec_writes_them() {
    assertThat(Hmac.Algorithm.byId("sha512")).contains(Hmac.Algorithm.SHA512);
    assertThat(Hmac.Algorithm.byId("md5")).isEmpty();
    assertThat(Hmac.Encoding.byId("base64")).contains(Hmac.Encoding.BASE64);
    assertThat(
            Stream.of(new Stripe(), new GitHub(), new Slack(), new StandardWebhooks(), GENERIC)
                .map(WebhookVerifier::kind))
        .containsExactly("stripe", "github", "slack", "standard-webhooks", "hmac");
  }

  // What every provider does

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void a_signed_delivery_is_accepted_with_its_event_id(
      WebhookVerifier verifier, Optional<String> eventId) {
    assertThat(verifier.verify(signed(verifier, NOW), BODY, SECRET, NOW))
        .isEqualTo(Verification.accepted(eventId));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void a_tampered_body_is_refused(WebhookVerifier verifier) {
    byte[] tampered = new String(BODY, UTF_8).replace("ping", "pong").getBytes(UTF_8);
    assertRefused(
        verifier.verify(signed(verifier, NOW), tampered, SECRET, NOW), "no signature matches");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void a_delivery_signed_with_another_secret_is_refused(WebhookVerifier verifier) {
    var headers = verifier.signedHeaders(BODY, "whsec_b3RoZXIgc2VjcmV0", DELIVERY, NOW);
    assertRefused(verifier.verify(headers, BODY, SECRET, NOW), "no signature matches");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void an_empty_secret_refuses_every_delivery(WebhookVerifier verifier) {
    assertRefused(
        verifier.verify(signed(verifier, NOW), BODY, "", NOW),
        "no secret is configured to verify the signature with");
    assertThatThrownBy(() -> verifier.signedHeaders(BODY, "", DELIVERY, NOW))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static Stream<Arguments> requiredHeaders() {
    return Stream.of(
        Arguments.of(new Stripe(), "stripe-signature", "Stripe-Signature"),
        Arguments.of(new GitHub(), "x-hub-signature-256", "X-Hub-Signature-256"),
        Arguments.of(new Slack(), "x-slack-signature", "X-Slack-Signature"),
        Arguments.of(new Slack(), "x-slack-request-timestamp", "X-Slack-Request-Timestamp"),
        Arguments.of(new StandardWebhooks(), "webhook-id", "webhook-id"),
        Arguments.of(new StandardWebhooks(), "webhook-timestamp", "webhook-timestamp"),
        Arguments.of(new StandardWebhooks(), "webhook-signature", "webhook-signature"),
        Arguments.of(GENERIC, "x-signature", "X-Signature"));
  }

  @ParameterizedTest(name = "{0} without {1}")
  @MethodSource("requiredHeaders")
  void a_missing_header_is_refused_with_its_name(
      WebhookVerifier verifier, String header, String shown) {
    var headers = without(signed(verifier, NOW), header);
    assertRefused(
        verifier.verify(headers, BODY, SECRET, NOW), "the " + shown + " header is missing");
    assertRefused(
        verifier.verify(with(headers, header, "  "), BODY, SECRET, NOW),
        "the " + shown + " header is missing");
  }

  @Test
  void an_event_id_header_that_is_absent_leaves_the_event_id_empty() {
    var headers = without(signed(new GitHub(), NOW), "x-github-delivery");
    assertThat(new GitHub().verify(headers, BODY, SECRET, NOW))
        .isEqualTo(Verification.accepted(Optional.empty()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("timestamped")
  void a_delivery_older_than_the_tolerance_is_refused(WebhookVerifier verifier) {
    var headers = signed(verifier, NOW.minusSeconds(412));
    assertRefused(
        verifier.verify(headers, BODY, SECRET, NOW),
        "the signature's timestamp is 412 s old; at most 300 s are allowed");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("timestamped")
  void a_delivery_from_further_in_the_future_than_the_tolerance_is_refused(
      WebhookVerifier verifier) {
    var headers = signed(verifier, NOW.plusSeconds(301));
    assertRefused(
        verifier.verify(headers, BODY, SECRET, NOW),
        "the signature's timestamp is 301 s in the future; at most 300 s are allowed");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("timestamped")
  void a_delivery_at_the_edge_of_the_tolerance_is_accepted(WebhookVerifier verifier) {
    assertThat(verifier.verify(signed(verifier, NOW.minusSeconds(300)), BODY, SECRET, NOW).valid())
        .isTrue();
    assertThat(verifier.verify(signed(verifier, NOW.plusSeconds(300)), BODY, SECRET, NOW).valid())
        .isTrue();
  }

  @Test
  void a_stripe_delivery_older_than_a_configured_tolerance_is_refused() {
    var stripe = new Stripe(Duration.ofSeconds(10));
    assertRefused(
        stripe.verify(signed(stripe, NOW.minusSeconds(11)), BODY, SECRET, NOW),
        "the signature's timestamp is 11 s old; at most 10 s are allowed");
    assertThatThrownBy(() -> new Slack(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Garbage in each header of each provider: a refusal with a reason, never an exception. */
  static Stream<Arguments> malformed() {
    var values =
        Stream.of(
            "",
            "garbage",
            "=",
            ",,,",
            "t=",
            "v1=",
            "v1,",
            "sha256=",
            "v0=",
            "sha256=zz",
            "v0=" + "g".repeat(64),
            "sha256=abc",
            "t=-1,v1=00",
            "t=99999999999999999999999,v1=00",
            "t=1750000000,v1=not-hex",
            "v1,!!!not base64!!!",
            "1750000000.5",
            "\u00e9\u00e8\u2603",
            "x".repeat(100_000));
    return values.flatMap(
        value ->
            Stream.of(
                Arguments.of(new Stripe(), "stripe-signature", value),
                Arguments.of(new GitHub(), "x-hub-signature-256", value),
                Arguments.of(new Slack(), "x-slack-signature", value),
                Arguments.of(new Slack(), "x-slack-request-timestamp", value),
                Arguments.of(new StandardWebhooks(), "webhook-timestamp", value),
                Arguments.of(new StandardWebhooks(), "webhook-signature", value),
                Arguments.of(GENERIC, "x-signature", value)));
  }

  @ParameterizedTest(name = "{0} {1}: {2}")
  @MethodSource("malformed")
  void a_malformed_header_is_refused_with_a_reason_and_no_exception(
      WebhookVerifier verifier, String header, String value) {
    var verification =
        verifier.verify(with(signed(verifier, NOW), header, value), BODY, SECRET, NOW);
    assertThat(verification.valid()).isFalse();
    assertThat(verification.reason()).isNotBlank().doesNotContain(SECRET);
  }

  @Test
  void a_malformed_header_is_named_in_the_reason() {
    assertRefused(
        new GitHub().verify(Map.of("x-hub-signature-256", "sha256=zz"), BODY, SECRET, NOW),
        "the X-Hub-Signature-256 header is not sha256= followed by hex digits");
    assertRefused(
        new Slack()
            .verify(
                Map.of("x-slack-signature", "v0=00", "x-slack-request-timestamp", "yesterday"),
                BODY,
                SECRET,
                NOW),
        "the X-Slack-Request-Timestamp header is not a whole number of seconds");
    assertRefused(
        new Slack()
            .verify(
                Map.of("x-slack-signature", "v1=00", "x-slack-request-timestamp", "1750000000"),
                BODY,
                SECRET,
                NOW),
        "the X-Slack-Signature header is not v0= followed by hex digits");
    assertRefused(
        GENERIC.verify(Map.of("x-signature", "%%%"), BODY, SECRET, NOW),
        "the X-Signature header is not base64");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"", "not json", "[1,2]", "{\"id\":7}", "{\"id\":null}"})
  void a_stripe_body_without_a_text_id_has_no_event_id(String text) {
    byte[] body = text.getBytes(UTF_8);
    var headers = new Stripe().signedHeaders(body, SECRET, DELIVERY, NOW);
    assertThat(new Stripe().verify(headers, body, SECRET, NOW))
        .isEqualTo(Verification.accepted(Optional.empty()));
  }
}
