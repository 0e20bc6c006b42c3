package dev.slipway.security;

import dev.slipway.spec.Json;
import dev.slipway.store.SettingsStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer token that guards the control plane: {@code SLIPWAY_ADMIN_TOKEN} when set, otherwise
 * one generated on the first start, printed once and stored only as its SHA-256 hash (a random
 * 256-bit token needs no slow hash). Comparison is constant-time.
 */
public final class AdminToken {
  private static final Logger LOG = LoggerFactory.getLogger(AdminToken.class);
  private static final String SETTING = "admin_token_sha256";

  private final byte[] hash;

  private AdminToken(String hexHash) {
    this.hash = hexHash.getBytes(StandardCharsets.US_ASCII);
  }

  public static AdminToken ensure(SettingsStore settings, Optional<String> configured) throws SQLException {
    if (configured.isPresent()) return new AdminToken(Json.sha256(configured.get()));
    Optional<String> stored = settings.get(SETTING);
    if (stored.isPresent()) return new AdminToken(stored.get());
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String token = "slw_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    if (!settings.putIfAbsent(SETTING, Json.sha256(token))) {
      return new AdminToken(settings.get(SETTING).orElseThrow()); // another instance won the race
    }
    LOG.warn("""

        ================================================================
        Generated the control plane's admin token. It is shown only once:

            {}

        Send it as 'Authorization: Bearer <token>'. Set SLIPWAY_ADMIN_TOKEN
        to choose your own instead.
        ================================================================""", token);
    return new AdminToken(Json.sha256(token));
  }

  public boolean matches(String presented) {
    if (presented == null) return false;
    return MessageDigest.isEqual(hash, Json.sha256(presented).getBytes(StandardCharsets.US_ASCII));
  }
}
