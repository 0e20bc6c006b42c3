package dev.slipway.testing;

import dev.slipway.Slipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code slipway serve} in a child JVM on an embedded PostgreSQL, for tests of what only a real
 * process shows: a crash ({@code kill -9}), a stop by signal, its exit code and its output. Ports
 * are chosen by the system and read from the server's "serving" line; stdout and stderr go to one
 * file that {@link #output()} reads.
 *
 * <p>{@link #close()} leaves nothing running: the JVM and the PostgreSQL on the data directory.
 */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern SERVING =
      Pattern.compile("serving endpoints on :(\\d+) and the platform API on :(\\d+)");

  /** The heap of a server the tests launch, unless they give options of their own. */
  private static final List<String> HEAP = List.of("-Xmx512m");

  private final Process process;
  private final Path dataDir;
  private final Path log;
  private final long launched;
  private int dataPort;
  private int controlPort;

  /** The server's process id (bin/slipway execs the JVM, so it is the JVM's). */
  public long pid() {
    return process.pid();
  }

  private ServerProcess(Process process, Path dataDir, Path log, long launched) {
    this.process = process;
    this.dataDir = dataDir;
    this.log = log;
    this.launched = launched;
  }

  /**
   * Launches the server on {@code dataDir} with the settings tests use ({@link TestSlipway#TOKEN},
   * {@link TestSlipway#MASTER_KEY}, one sandbox worker) and {@code settings} over them; does not
   * wait.
   */
  public static ServerProcess launch(Path dataDir, Map<String, String> settings) {
    return launch(dataDir, settings, HEAP);
  }

  /**
   * As {@link #launch(Path, Map)}, the JVM with {@code javaOptions} (a heap size, system
   * properties).
   */
  public static ServerProcess launch(
      Path dataDir, Map<String, String> settings, List<String> javaOptions) {
    return run(dataDir, settings, javaCommand(javaOptions));
  }

  /**
   * As {@link #launch(Path, Map)}, in a session of its own ({@code setsid}), as a service manager
   * starts a server.
   */
  public static ServerProcess launchInOwnSession(Path dataDir, Map<String, String> settings) {
    var command = new ArrayList<String>();
    command.add("setsid");
    command.addAll(javaCommand(HEAP));
    return run(dataDir, settings, command);
  }

  private static List<String> javaCommand(List<String> javaOptions) {
    var command = new ArrayList<String>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // as the test JVM runs (see the surefire argLine): GraalJS interpreted, without warnings
    command.addAll(
        List.of(
            "-Dpolyglot.engine.WarnInterpreterOnly=false",
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow"));
    command.addAll(javaOptions);
    command.addAll(
        List.of("-cp", System.getProperty("java.class.path"), Slipway.class.getName(), "serve"));
    return command;
  }

  /**
   * Launches {@code bin/slipway serve} of the project the tests run in, as a user does: the built
   * jar, the Graal JIT and the start-up caches (which its first start makes); settings as {@link
   * #launch(Path, Map)}.
   */
  public static ServerProcess launchScript(Path dataDir, Map<String, String> settings) {
    return run(
        dataDir, settings, List.of(Path.of("bin", "slipway").toAbsolutePath().toString(), "serve"));
  }

  private static ServerProcess run(
      Path dataDir, Map<String, String> settings, List<String> command) {
    var env = new HashMap<String, String>();
    env.put("SLIPWAY_PORT", "0");
    env.put("SLIPWAY_CONTROL_PORT", "0");
    env.put("SLIPWAY_HOST", "127.0.0.1");
    env.put("SLIPWAY_DATA_DIR", dataDir.toString());
    env.put("SLIPWAY_ADMIN_TOKEN", TestSlipway.TOKEN);
    env.put("SLIPWAY_MASTER_KEY", TestSlipway.MASTER_KEY);
    env.put("SLIPWAY_DB_POOL_SIZE", "8");
    env.put("SLIPWAY_SANDBOX_WORKERS", "1");
    env.putAll(settings);
    try {
      Files.createDirectories(dataDir.getParent());
      Path log = Files.createTempFile(dataDir.getParent(), "slipway-", ".log");
      var builder =
          new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().keySet().removeIf(name -> name.startsWith("SLIPWAY_"));
      builder.environment().putAll(env);
      long launched = System.nanoTime();
      return new ServerProcess(builder.start(), dataDir, log, launched);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until the control plane answers {@code GET /api/health} with 200 and answers how long
   * that took from the launch. Fails when the process ends first or {@code limit} passes.
   */
  public Duration awaitHealthy(Duration limit) {
    long deadline = launched + limit.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive())
        throw new AssertionError(
            "the server ended (exit " + process.exitValue() + "):\n" + output());
      if (controlPort == 0) {
        Matcher serving = SERVING.matcher(output());
        if (serving.find()) {
          dataPort = Integer.parseInt(serving.group(1));
          controlPort = Integer.parseInt(serving.group(2));
        }
      }
      if (controlPort != 0 && healthy()) return Duration.ofNanos(System.nanoTime() - launched);
      pause(Duration.ofMillis(20));
    }
    throw new AssertionError("the server was not healthy within " + limit + ":\n" + output());
  }

  private boolean healthy() {
    try {
      return control("GET", "/api/health").status() == 200;
    } catch (AssertionError e) {
      return false;
    }
  }

  /** The control plane's address, once {@link #awaitHealthy} has read its port. */
  public String controlUrl() {
    return "http://127.0.0.1:" + controlPort;
  }

  /** The data plane's address, once {@link #awaitHealthy} has read its port. */
  public String dataUrl() {
    return "http://127.0.0.1:" + dataPort;
  }

  /** A call to the control plane with the admin token, as {@link TestSlipway#control} makes. */
  public Reply control(String method, String path, String body, String contentType) {
    return TestSlipway.send(
        method,
        "http://127.0.0.1:" + controlPort + path,
        body,
        contentType,
        Map.of("Authorization", "Bearer " + TestSlipway.TOKEN));
  }

  public Reply control(String method, String path) {
    return control(method, path, null, null);
  }

  public Reply data(String method, String path, String jsonBody) {
    return TestSlipway.send(
        method,
        "http://127.0.0.1:" + dataPort + path,
        jsonBody,
        jsonBody == null ? null : "application/json",
        Map.of());
  }

  /** The embedded PostgreSQL's postmaster, while its postmaster.pid names a live process. */
  public Optional<ProcessHandle> postmaster() {
    try {
      List<String> lines =
          Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid"));
      return ProcessHandle.of(Long.parseLong(lines.getFirst().strip()))
          .filter(ProcessHandle::isAlive)
          // not another process that has since been given the number
          .filter(process -> process.info().command().orElse("").endsWith("/postgres"));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** {@code kill -9} of the server's JVM alone: its PostgreSQL (not its child) is left running. */
  public void killJvm() {
    process.destroyForcibly();
    awaitExit(Duration.ofSeconds(30));
  }

  /**
   * {@code kill -9} of the JVM, its sandbox workers, the embedded PostgreSQL and every process of
   * PostgreSQL's at once, as when the machine loses power (less what the disk's cache held).
   */
  public void killAll() {
    var doomed = new ArrayList<ProcessHandle>();
    doomed.add(process.toHandle());
    doomed.addAll(process.descendants().toList());
    postmaster()
        .ifPresent(
            postmaster -> {
              doomed.add(postmaster);
              doomed.addAll(postmaster.descendants().toList());
            });
    doomed.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle each : doomed) each.onExit().join();
  }

  /** Sends SIGTERM, as {@code kill} or a service manager does, and answers the exit code. */
  public int terminate() {
    process.destroy();
    return awaitExit(Duration.ofSeconds(60));
  }

  /** Waits for the process to end by itself and answers its exit code. */
  public int awaitExit(Duration limit) {
    try {
      if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS))
        throw new AssertionError("the server did not end within " + limit);
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Everything the process wrote so far, stdout and stderr together. */
  public String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * Stops the server if it runs, then a PostgreSQL left on the data directory (a smart shutdown).
   */
  @Override
  public void close() {
    stop(process.toHandle());
    postmaster().ifPresent(ServerProcess::stop);
  }

  private static void stop(ProcessHandle process) {
    process.destroy();
    try {
      process.onExit().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
    }
  }
}
