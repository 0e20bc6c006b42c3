package dev.slipway.runtime;

import dev.slipway.problem.ProblemException;
import dev.slipway.sandbox.StepInput;
import dev.slipway.signature.Verification;
import dev.slipway.signature.WebhookVerifier;
import dev.slipway.spec.Verify;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A webhook receiver's check of each delivery, compiled from its spec's {@code verify}: the
 * sender's signature over the raw body, with the org secret the spec names, before anything else
 * runs. A delivery that does not verify is a 401 problem saying why, and nothing runs.
 */
public final class WebhookCheck {
  private final Verify spec;
  private final WebhookVerifier verifier;

  private WebhookCheck(Verify spec, WebhookVerifier verifier) {
    this.spec = spec;
    this.verifier = verifier;
  }

  static WebhookCheck compile(Verify spec) {
    return new WebhookCheck(spec, verifier(spec));
  }

  /** How the spec's provider signs: to check a delivery, or to sign one (draft tests). */
  public static WebhookVerifier verifier(Verify spec) {
    return switch (spec.provider()) {
      case STRIPE -> new WebhookVerifier.Stripe(spec.tolerance());
      case GITHUB -> new WebhookVerifier.GitHub();
      case SLACK -> new WebhookVerifier.Slack(spec.tolerance());
      case STANDARD -> new WebhookVerifier.StandardWebhooks(spec.tolerance());
      case HMAC -> {
        Verify.Hmac hmac = spec.hmac().orElseThrow();
        yield new WebhookVerifier.Hmac(
            hmac.header(),
            WebhookVerifier.Hmac.Algorithm.byId(hmac.algorithm()).orElseThrow(),
            WebhookVerifier.Hmac.Encoding.byId(hmac.encoding()).orElseThrow(),
            hmac.prefix(),
            hmac.idHeader());
      }
    };
  }

  /** The org secret that signs the deliveries. */
  String secretName() {
    return spec.secretName();
  }

  /** Whether a replayed event id is acknowledged without running again. */
  boolean dedupes() {
    return spec.dedupe();
  }

  /**
   * The verified delivery's event id (empty when the sender gives none), or a 401 problem.
   *
   * @param secrets the org's secrets as this request may read them
   */
  Optional<String> check(EndpointRequest request, Map<String, String> secrets) {
    String secret = secrets.get(spec.secretName());
    if (secret == null)
      throw new ProblemException(
          503,
          "webhook_secret_missing",
          "Service Unavailable",
          "The receiver's signing secret '"
              + spec.secretName()
              + "' is not set (PUT /api/secrets/"
              + spec.secretName()
              + ").");
    Verification verified =
        verifier.verify(request.headers(), request.body(), secret, Instant.now());
    if (!verified.valid())
      throw new ProblemException(
          401,
          "signature_invalid",
          "Unauthorized",
          "The delivery's "
              + spec.provider().key()
              + " signature does not verify: "
              + verified.reason());
    return verified.eventId();
  }

  /**
   * What a verified delivery is claimed under, so that its replay is recognised: the event id where
   * the signature covers it (Stripe's and Slack's body, Standard Webhooks' signed id); else, where
   * the id is an unsigned header (GitHub, a named HMAC header) or there is none, a hash of the
   * signed body, so that a captured delivery resent under a new id is still the same one, and an id
   * cannot be claimed ahead of the real delivery.
   */
  Optional<String> claimKey(EndpointRequest request, Optional<String> eventId) {
    return switch (spec.provider()) {
      case STRIPE, SLACK, STANDARD -> eventId;
      case GITHUB, HMAC -> {
        try {
          byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(request.body());
          yield Optional.of("sha256:" + java.util.HexFormat.of().formatHex(hash));
        } catch (java.security.NoSuchAlgorithmException e) {
          throw new IllegalStateException(e);
        }
      }
    };
  }

  /**
   * What the receiver's steps read of the delivery beside the usual input (and {@code rawBody}):
   * {@code webhook}, the provider and the event id.
   */
  void describe(Map<String, Object> input, Optional<String> eventId) {
    var webhook = new LinkedHashMap<String, Object>();
    webhook.put("provider", spec.provider().key());
    webhook.put("eventId", eventId.orElse(null));
    input.put(StepInput.WEBHOOK, webhook);
  }

  /** A form-encoded body (Slack's slash commands and interactions) as its fields. */
  static Map<String, Object> formFields(byte[] body) {
    var fields = new LinkedHashMap<String, Object>();
    for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      fields.putIfAbsent(name, value);
    }
    return fields;
  }
}
