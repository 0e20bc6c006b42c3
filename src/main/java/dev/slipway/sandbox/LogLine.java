package dev.slipway.sandbox;

import java.util.Objects;

/**
 * One line a script logged through {@code ctx.log} or {@code console.*}.
 *
 * @param level {@code "debug"}, {@code "info"}, {@code "warn"} or {@code "error"}
 * @param message the arguments joined like {@code console.log} does, cut to a bounded length
 */
public record LogLine(String level, String message) {
  public LogLine {
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(message, "message");
  }
}
