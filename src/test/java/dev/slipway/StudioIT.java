package dev.slipway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.testing.FakeModelServer;
import dev.slipway.testing.FakeModelServer.ToolCall;
import dev.slipway.testing.ServerProcess;
import dev.slipway.testing.TestSlipway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Studio's end-to-end tests ({@code studio/e2e}, Playwright) in Debian's Chromium against
 * {@code bin/slipway serve} as a user starts it (embedded PostgreSQL, the jar serving the Studio),
 * with a model provider on loopback that proposes one endpoint to every request, so the chat runs
 * as with a real model. Screenshots of the main screens go to {@code target/studio-screenshots}.
 */
class StudioIT {
  private static final Duration FIRST_START = Duration.ofMinutes(5);
  private static final long PLAYWRIGHT_MINUTES = 25;
  private static final String EMAIL = "ada@example.com";
  private static final String PASSWORD = "a long passphrase for the studio";

  @Test
  void the_studio_passes_its_end_to_end_tests_in_chromium(@TempDir Path dir) throws Exception {
    Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    assertThat(chromium)
        .as("Chromium (bin/test installs Debian's chromium package)")
        .isExecutable();
    Path studio = Path.of("studio").toAbsolutePath();
    Path screenshots = Path.of("target", "studio-screenshots").toAbsolutePath();
    Files.createDirectories(screenshots);
    try (var model = new FakeModelServer()) {
      // whatever it is asked, the model proposes projects filtered by status
      model.otherwise(new ToolCall(Json.parse(FakeModelServer.PROJECTS_BY_STATUS)));
      try (var server =
          ServerProcess.launchScript(
              dir.resolve("data"),
              Map.of(
                  "SLIPWAY_AI_PROVIDER", "anthropic",
                  "SLIPWAY_AI_BASE_URL", model.anthropicUrl(),
                  "SLIPWAY_AI_API_KEY", "test-key",
                  "SLIPWAY_AI_MAX_RETRIES", "0",
                  "SLIPWAY_SANDBOX_WORKERS", "2"))) {
        server.awaitHealthy(FIRST_START);
        var owner =
            server.control(
                "POST",
                "/api/members",
                Json.MAPPER
                    .createObjectNode()
                    .put("email", EMAIL)
                    .put("role", "owner")
                    .put("password", PASSWORD)
                    .toString(),
                "application/json");
        assertThat(owner.status()).as(owner.body()).isEqualTo(201);

        Path log = dir.resolve("playwright.log");
        var playwright =
            new ProcessBuilder(studio.resolve("node_modules/.bin/playwright").toString(), "test")
                .directory(studio.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        playwright
            .environment()
            .putAll(
                Map.of(
                    "STUDIO_URL",
                    server.controlUrl(),
                    "DATA_URL",
                    server.dataUrl(),
                    "STUDIO_EMAIL",
                    EMAIL,
                    "STUDIO_PASSWORD",
                    PASSWORD,
                    "STUDIO_TOKEN",
                    TestSlipway.TOKEN,
                    "STUDIO_MODEL",
                    "fake",
                    "STUDIO_SERVER",
                    "jar",
                    "STUDIO_SCREENSHOTS",
                    screenshots.toString(),
                    "CHROMIUM",
                    chromium.toString()));
        Process run = playwright.start();
        boolean ended = run.waitFor(PLAYWRIGHT_MINUTES, TimeUnit.MINUTES);
        if (!ended) run.destroyForcibly();
        String output = Files.readString(log);
        System.out.println(output);
        assertThat(ended)
            .as("Playwright ended within %d minutes:%n%s", PLAYWRIGHT_MINUTES, output)
            .isTrue();
        assertThat(run.exitValue()).as("Playwright's exit code:%n%s", output).isZero();
      }
    }
  }
}
