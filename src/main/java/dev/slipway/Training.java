package dev.slipway;

import dev.slipway.config.SlipwayConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * {@code slipway train}: a short life of the server for the JVM to record an AOT cache from, the
 * classes a start loads and links, so that the next start skips that work. {@code bin/slipway} runs
 * it once per build with {@code -XX:AOTCacheOutput}, and the sandbox's first worker records the
 * workers' cache beside it ({@code slipway.sandbox.aot-record}).
 *
 * <p>It starts Slipway with the settings of {@code serve} but on a temporary data directory, the
 * embedded PostgreSQL, no Redis and ports of the system's choosing; waits until {@code /api/health}
 * answers 200 (a sandbox worker is ready); runs a JavaScript and a TypeScript script through {@code
 * /api/execute}, as a user's first steps do; and stops, leaving nothing behind.
 */
final class Training {
  private static final Duration HEALTHY_LIMIT = Duration.ofMinutes(3);
  private static final Duration ANSWER_LIMIT = Duration.ofMinutes(1);
  private static final List<String> SCRIPTS =
      List.of(
          "return { sum: [1, 2, 3].reduce((a, b) => a + b, 0), at: new Date(0).toISOString() };",
          "interface Item { n: number } const items: Item[] = [{ n: 1 }, { n: 2 }]; return items.map(i => i.n * 2);");

  private Training() {}

  static int run() throws Exception {
    Path dataDir = Files.createTempDirectory("slipway-train-");
    String token = UUID.randomUUID().toString().replace("-", "");
    Map<String, String> env = new HashMap<>(System.getenv());
    // the sandbox's settings stay (bin/slipway sets the workers' heap); the rest are this run's
    env.keySet()
        .removeIf(name -> name.startsWith("SLIPWAY_") && !name.startsWith("SLIPWAY_SANDBOX_"));
    env.putAll(
        Map.of(
            "SLIPWAY_DATA_DIR",
            dataDir.toString(),
            "SLIPWAY_HOST",
            "127.0.0.1",
            "SLIPWAY_PORT",
            "0",
            "SLIPWAY_CONTROL_PORT",
            "0",
            "SLIPWAY_ADMIN_TOKEN",
            token,
            // one worker, the one that records, and time enough for a JVM that records as it runs:
            // a run stopped at its timeout would end the worker before it writes the cache
            "SLIPWAY_SANDBOX_WORKERS",
            "1",
            "SLIPWAY_SCRIPT_TIMEOUT_MS",
            "60000"));
    try (Slipway slipway = Slipway.start(SlipwayConfig.load(List.of(), env));
        HttpClient client = HttpClient.newHttpClient()) {
      String api = "http://127.0.0.1:" + slipway.controlPort() + "/api/";
      long deadline = System.nanoTime() + HEALTHY_LIMIT.toNanos();
      while (client
              .send(
                  HttpRequest.newBuilder(URI.create(api + "health")).timeout(ANSWER_LIMIT).build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          != 200) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(
              "the server was not healthy within " + HEALTHY_LIMIT.toMinutes() + " minutes");
        }
        Thread.sleep(50);
      }
      for (String script : SCRIPTS) {
        var execute =
            HttpRequest.newBuilder(URI.create(api + "execute"))
                .timeout(ANSWER_LIMIT)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"code\": \"" + script.replace("\"", "\\\"") + "\"}"))
                .build();
        HttpResponse<String> answer = client.send(execute, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
          throw new IllegalStateException(
              "/api/execute answered " + answer.statusCode() + ": " + answer.body());
        }
      }
    } finally {
      deleteTree(dataDir);
    }
    return 0;
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
