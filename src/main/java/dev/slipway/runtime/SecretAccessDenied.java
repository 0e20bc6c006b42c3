package dev.slipway.runtime;

import dev.slipway.problem.ProblemException;

/**
 * A run on a caller's behalf reached a secret's value that the caller may not read: 403 {@code
 * secret_access_denied}, naming the secret and never holding its value.
 */
public final class SecretAccessDenied extends ProblemException {
  private final String secret;

  SecretAccessDenied(String secret, String why) {
    super(
        403, "secret_access_denied", "Forbidden", "This run reads secret '" + secret + "'. " + why);
    this.secret = secret;
  }

  /** The secret's name. */
  public String secret() {
    return secret;
  }
}
