package dev.slipway.spec;

import java.time.Duration;
import java.util.Optional;

/**
 * How an endpoint that receives webhooks checks each delivery before anything runs: the sender's
 * signature over the raw body, made with a secret of the org's, and (where the sender gives each
 * event an id) whether the event was received before.
 *
 * @param secretName the org secret that holds the signing secret ({@code ${secrets.NAME}})
 * @param tolerance how old (or how far ahead) a signed timestamp may be, for senders that sign one
 * @param hmac the signature's form, for the generic {@link Provider#HMAC} only
 * @param dedupe whether a delivery of an event id seen before is acknowledged without running
 */
public record Verify(
    Provider provider, String secretName, Duration tolerance, Optional<Hmac> hmac, boolean dedupe) {
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

  /** Who sends the webhooks, and so how they are signed. */
  public enum Provider {
    STRIPE("stripe"),
    GITHUB("github"),
    SLACK("slack"),
    STANDARD("standard"),
    HMAC("hmac");

    private final String key;

    Provider(String key) {
      this.key = key;
    }

    /** The provider's name as a spec writes it. */
    public String key() {
      return key;
    }

    public static Optional<Provider> of(String key) {
      for (Provider provider : values()) if (provider.key.equals(key)) return Optional.of(provider);
      return Optional.empty();
    }
  }

  /**
   * A generic HMAC signature: in {@code header}, after {@code prefix}, the {@code algorithm}'s MAC
   * of the raw body, in {@code encoding}; the event id, if any, in {@code idHeader}.
   */
  public record Hmac(
      String header, String algorithm, String encoding, String prefix, Optional<String> idHeader) {}
}
