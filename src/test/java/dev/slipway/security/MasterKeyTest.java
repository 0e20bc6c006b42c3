package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key that wraps secrets: 32 bytes, named by a hash that does not reveal it. */
class MasterKeyTest {
  private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

  @Test
  void a_key_is_base64_of_32_bytes_and_a_mistake_names_the_setting() {
    MasterKey key = MasterKey.parse(" " + KEY + "\n", "SLIPWAY_MASTER_KEY");
    assertThat(key.key()).hasSize(32);
    assertThat(key.id()).hasSize(16).matches("[0-9a-f]+").isEqualTo(MasterKey.parse(KEY, "x").id());
    assertThat(MasterKey.of(new byte[32]).id()).isEqualTo(key.id());
    byte[] other = new byte[32];
    other[31] = 1;
    assertThat(MasterKey.of(other).id()).isNotEqualTo(key.id());
    assertThatThrownBy(
            () ->
                MasterKey.parse(
                    Base64.getEncoder().encodeToString(new byte[31]), "SLIPWAY_MASTER_KEY"))
        .hasMessage("SLIPWAY_MASTER_KEY: a master key is 32 bytes (base64: 44 characters), got 31");
    assertThatThrownBy(() -> MasterKey.parse("not base64!", "SLIPWAY_MASTER_KEY_PREVIOUS"))
        .hasMessageStartingWith("SLIPWAY_MASTER_KEY_PREVIOUS: ");
  }

  @Test
  void a_key_holds_a_copy_of_its_bytes() {
    byte[] bytes = new byte[32];
    MasterKey key = MasterKey.of(bytes);
    bytes[0] = 9;
    assertThat(key.key()[0]).isZero();
  }

  @Test
  void without_a_setting_the_data_directorys_key_file_is_made_once_readable_by_its_owner_only(
      @TempDir Path dataDir) throws Exception {
    MasterKey first = MasterKey.load(Optional.empty(), dataDir);
    Path file = dataDir.resolve("master.key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(MasterKey.load(Optional.empty(), dataDir).id()).isEqualTo(first.id());
    assertThat(MasterKey.load(Optional.of(KEY), dataDir).id())
        .isEqualTo(MasterKey.parse(KEY, "x").id())
        .isNotEqualTo(first.id());
  }
}
