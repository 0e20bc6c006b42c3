package dev.slipway.spec;

import dev.slipway.problem.Violation;
import java.util.List;

/** A spec that cannot be saved, with every violation found. */
public final class InvalidSpecException extends Exception {
  private final List<Violation> violations;

  public InvalidSpecException(List<Violation> violations) {
    super(violations.size() + " problem(s) in the spec: " + violations);
    this.violations = List.copyOf(violations);
  }

  public InvalidSpecException(String path, String message) {
    this(List.of(new Violation(path, message)));
  }

  public List<Violation> violations() {
    return violations;
  }
}
