package dev.slipway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workers' command line with the runtime and AOT caches that bin/slipway names (its start-up
 * caches).
 */
class WorkerCommandTest {
  private static final SandboxLimits LIMITS = new SandboxLimits(Duration.ofSeconds(2), 1_000, 1);
  private static final String JAVA =
      Path.of(System.getProperty("java.home"), "bin", "java").toString();

  /**
   * {@link WorkerCommand#of} with these system properties set, as bin/slipway passes them, and
   * cleared after.
   */
  private static <T> T with(Map<String, String> properties, Supplier<T> body) {
    properties.forEach(System::setProperty);
    try {
      return body.get();
    } finally {
      properties.keySet().forEach(System::clearProperty);
    }
  }

  private static WorkerCommand command(Map<String, String> properties) {
    return with(properties, () -> WorkerCommand.of("96m", 0, false, LIMITS, Optional.empty()));
  }

  @Test
  void workers_start_from_the_aot_cache_of_their_runtime_when_the_file_is_there(@TempDir Path dir)
      throws Exception {
    Path cache = Files.writeString(dir.resolve("worker.aot"), "");
    var command =
        command(
            Map.of(
                WorkerCommand.JAVA_PROPERTY,
                JAVA,
                WorkerCommand.AOT_CACHE_PROPERTY,
                cache.toString()));
    assertThat(command.aotCache()).contains(cache);
    for (int number : new int[] {1, 2}) {
      List<String> line = command.command(number);
      assertThat(line.getFirst()).isEqualTo(JAVA);
      assertThat(line)
          .contains("-XX:AOTCache=" + cache)
          .noneMatch(part -> part.startsWith("-XX:AOTCacheOutput"));
    }
  }

  @Test
  void a_missing_cache_or_no_runtime_of_bin_slipways_means_no_cache(@TempDir Path dir) {
    String missing = dir.resolve("worker.aot").toString();
    var noFile =
        command(
            Map.of(WorkerCommand.JAVA_PROPERTY, JAVA, WorkerCommand.AOT_CACHE_PROPERTY, missing));
    assertThat(noFile.aotCache()).isEmpty();
    assertThat(noFile.command(1)).noneMatch(part -> part.startsWith("-XX:AOTCache"));
    var noRuntime =
        command(
            Map.of(
                WorkerCommand.JAVA_PROPERTY,
                dir.resolve("no-java").toString(),
                WorkerCommand.AOT_CACHE_PROPERTY,
                missing));
    assertThat(noRuntime.command(1).getFirst()).as("the server's own java").isEqualTo(JAVA);
  }

  @Test
  void only_the_first_worker_records_the_cache_and_none_starts_from_an_old_one(@TempDir Path dir)
      throws Exception {
    Path old = Files.writeString(dir.resolve("worker.aot"), "");
    String output = dir.resolve("new.aot").toString();
    var command =
        command(
            Map.of(
                WorkerCommand.JAVA_PROPERTY,
                JAVA,
                WorkerCommand.AOT_CACHE_PROPERTY,
                old.toString(),
                WorkerCommand.AOT_RECORD_PROPERTY,
                output));
    assertThat(command.aotCache()).isEmpty();
    assertThat(command.records(1)).isTrue();
    assertThat(command.records(2)).isFalse();
    List<String> first = command.command(1);
    assertThat(first.get(first.indexOf(JAVA) + 1))
        .as("right after the launcher")
        .isEqualTo("-XX:AOTCacheOutput=" + output);
    assertThat(command.command(2)).noneMatch(part -> part.startsWith("-XX:AOTCache"));
    assertThat(first.getLast())
        .as("the worker's own arguments stay last")
        .isEqualTo(command.command(2).getLast());
  }
}
