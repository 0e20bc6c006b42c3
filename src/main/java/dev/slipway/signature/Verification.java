package dev.slipway.signature;

import java.util.Objects;
import java.util.Optional;

/**
 * What {@link WebhookVerifier#verify} found.
 *
 * @param valid whether the delivery was signed with the secret, within the provider's tolerance
 * @param reason why it was refused, safe to show the caller (it names headers and limits, never the
 *     secret or the expected signature); empty when valid
 * @param eventId the delivery's event id when the provider has one, to recognise a replay; always
 *     empty when refused, since nothing in an unverified delivery is trusted
 */
public record Verification(boolean valid, String reason, Optional<String> eventId) {
  public Verification {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(eventId, "eventId");
    if (valid && !reason.isEmpty()) {
      throw new IllegalArgumentException("a valid delivery has no reason");
    }
    if (!valid && (reason.isEmpty() || eventId.isPresent())) {
      throw new IllegalArgumentException("a refused delivery has a reason and no event id");
    }
  }

  public static Verification accepted(Optional<String> eventId) {
    return new Verification(true, "", eventId);
  }

  public static Verification refused(String reason) {
    return new Verification(false, reason, Optional.empty());
  }
}
