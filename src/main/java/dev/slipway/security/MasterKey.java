package dev.slipway.security;

import dev.slipway.common.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key-encryption key: {@code SLIPWAY_MASTER_KEY} (base64 of 32 bytes) when set, otherwise the
 * file {@code master.key} in the data directory, generated on the first start with mode 0600.
 * {@code SLIPWAY_MASTER_KEY_PREVIOUS} names the key being rotated away from.
 *
 * @param id names the key in stored rows without revealing it: the first 16 hex digits of its
 *     SHA-256
 */
public record MasterKey(byte[] key, String id) {
  private static final Logger LOG = LoggerFactory.getLogger(MasterKey.class);

  public static MasterKey of(byte[] key) {
    if (key.length != 32)
      throw new IllegalArgumentException(
          "a master key is 32 bytes (base64: 44 characters), got " + key.length);
    return new MasterKey(
        key.clone(), Json.sha256(Base64.getEncoder().encodeToString(key)).substring(0, 16));
  }

  public static MasterKey parse(String base64, String setting) {
    try {
      return of(Base64.getDecoder().decode(base64.strip()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(setting + ": " + e.getMessage());
    }
  }

  /** The configured key, or the data directory's key file (created when missing). */
  public static MasterKey load(Optional<String> configured, Path dataDir) throws IOException {
    if (configured.isPresent()) return parse(configured.get(), "SLIPWAY_MASTER_KEY");
    Path file = dataDir.resolve("master.key");
    if (!Files.exists(file)) {
      Files.createDirectories(dataDir);
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      Path temporary =
          Files.createTempFile(
              dataDir,
              "master",
              ".key",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(temporary, Base64.getEncoder().encodeToString(random) + "\n");
      try {
        Files.move(temporary, file); // not replacing: another instance's key wins a race
        LOG.warn(
            "Generated the master key for secrets at {} (mode 0600). Back it up: without it, secrets cannot be read.",
            file);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        Files.delete(temporary);
      }
    }
    return parse(Files.readString(file), file.toString());
  }
}
