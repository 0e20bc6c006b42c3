package dev.slipway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.ServerProcess;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@code slipway serve} starts and stops as a process: its output and its exit code. */
class StartAndStopTest {
  private static final String SCRIPTED =
      """
      name: scripted
      method: GET
      path: /api/scripted
      steps:
        - id: counted
          # JavaScript: TypeScript would load its compiler into a worker, slow on a busy machine
          language: javascript
          script: |
            const rows = await ctx.db.query('select count(*)::int as n from app.projects', {});
            return { projects: rows[0].n };
      response: { body: "${steps.counted}" }
      """;

  @Test
  void a_busy_port_is_one_line_naming_the_port_and_its_setting(@TempDir Path dir) throws Exception {
    try (var taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      for (String setting : List.of("SLIPWAY_PORT", "SLIPWAY_CONTROL_PORT")) {
        try (var server =
            ServerProcess.launch(dir.resolve(setting), Map.of(setting, Integer.toString(port)))) {
          assertThat(server.awaitExit(Duration.ofSeconds(60))).isNotZero();
          assertThat(server.output().strip())
              .isEqualTo(
                  "slipway: port "
                      + port
                      + " is in use ("
                      + setting
                      + "); stop what listens there or choose another port");
        }
      }
    }
  }

  @Test
  void a_stop_by_sigterm_logs_no_warning_and_stops_the_embedded_database(@TempDir Path dir)
      throws Exception {
    try (var server =
        ServerProcess.launch(dir.resolve("data"), Map.of("SLIPWAY_SANDBOX_WORKERS", "2"))) {
      server.awaitHealthy(Duration.ofMinutes(3));
      assertThat(server.control("POST", "/api/endpoints", SCRIPTED, "application/yaml").status())
          .isEqualTo(201);
      assertThat(server.control("POST", "/api/deploy", "{}", "application/json").status())
          .isEqualTo(201);
      assertThat(server.data("GET", "/api/scripted", null).json().path("projects").asInt())
          .isPositive();
      var postmaster = server.postmaster().orElseThrow();
      int before = server.output().length();

      // calls keep coming while it stops, as they would to a server being replaced
      var stopping = new AtomicBoolean(false);
      var caller =
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (!stopping.get() || server.postmaster().isPresent()) {
                      try {
                        server.data("GET", "/api/scripted", null);
                      } catch (AssertionError e) {
                        return;
                      }
                    }
                  });
      Thread.sleep(200);
      stopping.set(true);
      server.terminate();
      caller.join();

      String stopOutput = server.output().substring(before);
      System.out.println("what the stop logged:\n" + stopOutput);
      assertThat(
              stopOutput
                  .lines()
                  .filter(
                      line -> line.matches(".*\\b(WARN|ERROR|FATAL)\\b.*|.*Exception.*|\\s+at .*")))
          .as("what the stop logged:\n" + stopOutput)
          .isEmpty();
      // pg_ctl saw it go (its pid file removed) before the JVM ended; the process itself may take a
      // moment more
      assertThat(
              postmaster
                  .onExit()
                  .completeOnTimeout(postmaster, 30, TimeUnit.SECONDS)
                  .join()
                  .isAlive())
          .as("the embedded PostgreSQL")
          .isFalse();
      assertThat(dir.resolve("data/postgres/postmaster.pid")).doesNotExist();
    }
  }
}
