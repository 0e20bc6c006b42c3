package dev.slipway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading script outcomes in tests. */
final class Outcomes {
  private Outcomes() {}

  /** The value of a {@link ScriptOutcome.Success}; fails the test on any other outcome. */
  static Object valueOf(ScriptOutcome outcome) {
    assertThat(outcome).isInstanceOf(ScriptOutcome.Success.class);
    return ((ScriptOutcome.Success) outcome).value();
  }

  /** The message of a {@link ScriptOutcome.Failure}; fails the test on any other outcome. */
  static String failureOf(ScriptOutcome outcome) {
    assertThat(outcome).isInstanceOf(ScriptOutcome.Failure.class);
    return ((ScriptOutcome.Failure) outcome).safeMessage();
  }

  /** What kind of outcome it was, and which limit: short enough for an assertion message. */
  static String kindOf(ScriptOutcome outcome) {
    return outcome instanceof ScriptOutcome.Exceeded e
        ? "Exceeded " + e.limit()
        : outcome.getClass().getSimpleName();
  }
}
