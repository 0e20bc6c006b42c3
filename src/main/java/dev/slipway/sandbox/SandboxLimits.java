package dev.slipway.sandbox;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits applied to every run of a {@link ScriptSandbox}. They are per sandbox, not per script: all
 * contexts of one GraalJS engine must share the same resource limits.
 *
 * @param timeout wall-clock time a single run may take, from its start to its result
 * @param statementLimit JavaScript statements a single run may execute; {@code 0} means unlimited
 *     (counting statements costs some speed even under the JIT)
 * @param poolSize contexts kept for reuse, and so the number of scripts that can run at once;
 *     callers beyond that wait, within their timeout, for a free one
 */
public record SandboxLimits(Duration timeout, long statementLimit, int poolSize) {

  /** The largest result, as JSON characters, a run may return. */
  public static final int MAX_OUTPUT_CHARS = 8 * 1024 * 1024;

  public SandboxLimits {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    if (statementLimit < 0) {
      throw new IllegalArgumentException(
          "statementLimit cannot be negative, was " + statementLimit);
    }
    if (poolSize < 1) {
      throw new IllegalArgumentException("poolSize cannot be less than 1, was " + poolSize);
    }
  }

  /** Limits suited to request handling: 5 s, 10 million statements, one context per processor. */
  public static SandboxLimits defaults() {
    return new SandboxLimits(
        Duration.ofSeconds(5), 10_000_000, Runtime.getRuntime().availableProcessors());
  }
}
