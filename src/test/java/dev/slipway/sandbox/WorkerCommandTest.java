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

  @Test
  void a_worker_for_guarded_runs_is_told_so_and_a_serving_one_is_not() {
    String property = "-D" + WorkerCommand.GUARDED_PROPERTY + "=";
    assertThat(command(Map.of()).command(1)).contains(property + "false");
    assertThat(WorkerCommand.guarded("96m", 0, LIMITS, Optional.empty()).command(1))
        .contains(property + "true")
        .doesNotContain(property + "false");
  }

  @Test
  void only_a_lowered_worker_for_guarded_runs_leaves_for_the_lowest_scheduling_group() {
    String lowest = "-D" + WorkerCommand.LOWEST_PROPERTY + "=";
    assertThat(WorkerCommand.guarded("96m", 10, LIMITS, Optional.empty()).command(1))
        .contains(lowest + "true");
    assertThat(WorkerCommand.guarded("96m", 0, LIMITS, Optional.empty()).command(1))
        .as("workers not lowered (SLIPWAY_SANDBOX_NICE=0)")
        .contains(lowest + "false");
    assertThat(WorkerCommand.of("96m", 10, false, LIMITS, Optional.empty()).command(1))
        .as("a serving worker, even one lowered as a whole")
        .contains(lowest + "false");
  }

  @Test
  void workers_get_the_jars_they_load_from_and_not_the_rest_of_the_servers_class_path() {
    String separator = java.io.File.pathSeparator;
    String server =
        String.join(
            separator,
            "/app/target/slipway-0.1.0.jar",
            "/app/target/classes",
            "/app/lib/jackson-databind-2.21.3.jar",
            "/app/lib/openai-java-core-4.105.0.jar",
            "/app/lib/js-language-25.0.3.jar",
            "/app/lib/swc4j-2.0.0.jar",
            "/app/lib/postgresql-42.7.14.jar",
            "/app/lib/snakeyaml-2.5.jar",
            "/app/lib/kotlin-stdlib-2.2.20.jar",
            "/app/lib/logback-classic-1.5.38.jar",
            "/app/lib/slf4j-api-2.0.18.jar",
            "/app/lib/polyglot-25.0.3.jar",
            "/app/lib/guava-33.5.0-jre.jar");
    assertThat(WorkerCommand.classPath(server).split(separator))
        .containsExactly(
            "/app/target/slipway-0.1.0.jar",
            "/app/target/classes",
            "/app/lib/jackson-databind-2.21.3.jar",
            "/app/lib/js-language-25.0.3.jar",
            "/app/lib/swc4j-2.0.0.jar",
            "/app/lib/snakeyaml-2.5.jar",
            "/app/lib/logback-classic-1.5.38.jar",
            "/app/lib/slf4j-api-2.0.18.jar",
            "/app/lib/polyglot-25.0.3.jar");
  }
}
