package dev.slipway.security;

import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;

/**
 * Password hashing: Argon2id in PHC string form ({@code $argon2id$v=19$m=19456,t=2,p=1$...}), with
 * OWASP's parameters (19 MiB, 2 passes, 1 lane), by Spring Security's encoder on Bouncy Castle.
 */
public final class Passwords {
  public static final int MIN_LENGTH = 10;
  public static final int MAX_LENGTH = 256;
  private static final Argon2PasswordEncoder ENCODER =
      new Argon2PasswordEncoder(16, 32, 1, 19 * 1024, 2);

  /** Verified against when no user has the email, so a miss takes as long as a wrong password. */
  private static final String DECOY = ENCODER.encode("no user has this password");

  private Passwords() {}

  public static String hash(String password) {
    return ENCODER.encode(password);
  }

  /** Whether {@code password} matches {@code hash}; a null hash is checked against a decoy. */
  public static boolean matches(String password, String hash) {
    boolean matched = ENCODER.matches(password, hash == null ? DECOY : hash);
    return hash != null && matched;
  }

  /** Why a new password is not acceptable, or null when it is. */
  public static String weakness(String password) {
    if (password == null || password.length() < MIN_LENGTH)
      return "must have at least " + MIN_LENGTH + " characters";
    if (password.length() > MAX_LENGTH) return "must have at most " + MAX_LENGTH + " characters";
    return null;
  }
}
