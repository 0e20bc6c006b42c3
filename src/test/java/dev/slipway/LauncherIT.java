package dev.slipway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/slipway serve} as a user runs it, after {@code mvn package} (an integration test: it
 * needs the jar and the libraries the package phase lays out): the Graal JIT, the embedded
 * PostgreSQL and the start-up caches that its first start makes, from which the server and its
 * sandbox workers start again after a crash (issue 18, item 2; bench/first-contact times it).
 */
class LauncherIT {
  /**
   * The first start may make the caches: a training run of the server and a worker, and a linked
   * runtime.
   */
  private static final Duration FIRST_START = Duration.ofMinutes(5);

  private static final Duration RESTART = Duration.ofSeconds(60);

  @Test
  void bin_slipway_starts_again_after_a_kill_of_the_server_from_its_start_up_caches(
      @TempDir Path dir) {
    Path dataDir = dir.resolve("data");
    try (var crashed = ServerProcess.launchScript(dataDir, Map.of())) {
      crashed.awaitHealthy(FIRST_START);
      assertThat(crashed.output())
          .doesNotContain("without the start-up caches")
          .doesNotContain("could not link");
      assertThat(sandbox(crashed).path("jit").asBoolean())
          .as("the workers run with the Graal JIT")
          .isTrue();
      crashed.killJvm();

      try (var server = ServerProcess.launchScript(dataDir, Map.of())) {
        Duration healthy = server.awaitHealthy(RESTART);
        System.out.printf(
            "bin/slipway healthy %d ms after the launch that followed a kill -9 of the server alone%n",
            healthy.toMillis());
        assertThat(server.output())
            .contains("still running on")
            .doesNotContain("without the start-up caches")
            .doesNotContain("[error")
            .doesNotContain("[warning");
        JsonNode sandbox = sandbox(server);
        assertThat(sandbox.path("jit").asBoolean()).isTrue();
        assertThat(sandbox.path("aotCache").asBoolean())
            .as("the workers start from their AOT cache")
            .isTrue();
        var executed =
            server.control(
                "POST",
                "/api/execute",
                "{\"code\": \"const n: number = 20; return { doubled: n * 2 };\"}",
                "application/json");
        assertThat(executed.status()).as(executed.body()).isEqualTo(200);
        assertThat(executed.json().path("result").path("doubled").asInt()).isEqualTo(40);
      }
    }
  }

  private static JsonNode sandbox(ServerProcess server) {
    return server.control("GET", "/api/health").json().path("sandbox");
  }
}
