package dev.slipway.spec;

import java.time.Duration;

/**
 * One token bucket of an endpoint: {@code limit} calls per {@code window}, refilled evenly, at most
 * {@code burst} at once.
 */
public record RateLimit(Per per, int limit, Duration window, int burst) {
  /** Whose calls share the bucket. */
  public enum Per {
    ENDPOINT,
    CALLER
  }

  /**
   * Parses a window such as {@code 10s}, {@code 1m} or {@code 1h} (the schema has checked its
   * form).
   */
  static Duration window(String text) {
    long amount = Long.parseLong(text.substring(0, text.length() - 1));
    return switch (text.charAt(text.length() - 1)) {
      case 's' -> Duration.ofSeconds(amount);
      case 'm' -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }
}
