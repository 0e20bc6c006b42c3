package dev.slipway.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;

/**
 * A Redis server of a test's own, on a free port of 127.0.0.1, keeping nothing on disk: the
 * machine's {@code redis-server} when one is on the PATH, else the Linux x86-64 build that the test
 * dependency {@code com.github.codemonstur:embedded-redis} ships, so the tests need no Redis
 * installed. Closing stops it, which is also how a test takes Redis away.
 */
public final class TestRedis implements AutoCloseable {
  /** The binary's name in the embedded-redis jar; it changes with that dependency's version. */
  private static final String SHIPPED = "redis-server-6.2.6-v5-linux-amd64";

  private static Path executable;

  private final Process process;
  private final int port;

  private TestRedis(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts a server and returns once it answers a PING. */
  public static TestRedis start() throws IOException, InterruptedException {
    int port;
    try (var socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Process process =
        new ProcessBuilder(
                executable().toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    var redis = new TestRedis(process, port);
    try {
      redis.awaitPing();
      return redis;
    } catch (IOException | InterruptedException | RuntimeException e) {
      redis.close();
      throw e;
    }
  }

  /** The URL Slipway takes in {@code SLIPWAY_REDIS_URL}. */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Stops the server and waits until it is gone; closing again does nothing. */
  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits for a PING through Lettuce, not a bare socket: that also loads Lettuce and Netty into
   * this JVM, whose Slipways connect within 200 ms or count Redis as down for 5 s; a first load on
   * a busy machine takes longer than that.
   */
  private void awaitPing() throws IOException, InterruptedException {
    var client = RedisClient.create(RedisURI.create(url()));
    try {
      for (int i = 0; i < 100; i++) {
        if (!process.isAlive())
          throw new IOException(
              executable() + " exited with " + process.exitValue() + " before listening");
        try (var connection = client.connect()) {
          connection.sync().ping();
          return;
        } catch (RedisException e) {
          Thread.sleep(50);
        }
      }
    } finally {
      client.shutdown();
    }
    throw new IOException(executable() + " did not answer on port " + port + " within 5 s");
  }

  private static synchronized Path executable() throws IOException {
    if (executable == null) executable = onPath().orElse(null);
    if (executable == null) executable = unpackShipped();
    return executable;
  }

  private static Optional<Path> onPath() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (dir.isEmpty()) continue;
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate))
        return Optional.of(candidate);
    }
    return Optional.empty();
  }

  private static Path unpackShipped() throws IOException {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch");
    if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      throw new IOException(
          "no redis-server on the PATH, and the one the tests ship is for Linux x86-64 (this is "
              + os
              + " "
              + arch
              + "): install Redis");
    }
    try (InputStream in = TestRedis.class.getResourceAsStream("/" + SHIPPED)) {
      if (in == null)
        throw new IOException(
            "no redis-server on the PATH, and "
                + SHIPPED
                + " is not on the test classpath "
                + "(the embedded-redis test dependency's version changed?)");
      Path dir = Files.createTempDirectory("slipway-test-redis-");
      // deleted at exit in the reverse order of these calls: the binary, then its directory
      dir.toFile().deleteOnExit();
      Path binary = dir.resolve("redis-server");
      Files.copy(in, binary, StandardCopyOption.REPLACE_EXISTING);
      if (!binary.toFile().setExecutable(true))
        throw new IOException("cannot make " + binary + " executable");
      binary.toFile().deleteOnExit();
      return binary;
    }
  }
}
