package dev.slipway.sandbox;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Takes this process out of the scheduling group it shares with the server, into a group of its own
 * that yields the CPU to everything else.
 *
 * <p>Where Linux schedules by autogroup ({@code kernel.sched_autogroup_enabled}, the default of
 * many distributions, this machine's among them), the CPU is shared among sessions first: a
 * thread's niceness and {@code SCHED_IDLE} count only against the threads of its own session. The
 * server, its workers and the shell that started them are one session; each PostgreSQL backend is a
 * session of its own. So a worker for guarded runs under {@code SCHED_IDLE} took, whenever the
 * server's threads were waiting for the database, the whole group's share against the database's
 * backends: its start and a memory bomb's runs took 0.5–1.3 of a core from quiet SQL endpoints
 * (bench/fairness). In a session of its own, with its group's nice at 19, it weighs 15 against
 * 1,024 for each busy backend and for the server.
 *
 * <p>Without autogroups (disabled, or the process in a CPU cgroup of its own) this changes nothing
 * but the session; the worker still ends with the server, which closes its channel.
 */
final class SchedulingGroup {
  private static final Path AUTOGROUP = Path.of("/proc/self/autogroup");

  /** The lowest priority a group can have. */
  static final int LOWEST = 19;

  /**
   * How often the group's nice is asked for: without privileges the kernel takes one such write a
   * tenth of a second on the whole machine, and refuses the rest (guarded workers start together).
   */
  private static final int ATTEMPTS = 30;

  private static final Duration BETWEEN_ATTEMPTS = Duration.ofMillis(110);

  private SchedulingGroup() {}

  /**
   * Starts a session of its own for this process, whose autogroup then has {@code nice}. Returns
   * what went wrong, or empty if nothing did or there are no autogroups here (not Linux, or no
   * {@code /proc/self/autogroup}). A worker that has left the server's group but cannot lower its
   * own runs stronger than before, at the weight of a whole session: its caller reports it.
   */
  static Optional<String> leaveWithNice(int nice) throws InterruptedException {
    if (!System.getProperty("os.name", "").equals("Linux") || !Files.isWritable(AUTOGROUP)) {
      return Optional.empty();
    }
    try {
      String shared = Files.readString(AUTOGROUP);
      Linker linker = Linker.nativeLinker();
      MethodHandle setsid =
          linker.downcallHandle(
              linker.defaultLookup().findOrThrow("setsid"),
              FunctionDescriptor.of(ValueLayout.JAVA_INT));
      if ((int) setsid.invokeExact() < 0 || Files.readString(AUTOGROUP).equals(shared)) {
        return Optional.of("it could not start a session of its own; it stays in the server's");
      }
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      return Optional.of("no setsid here (" + e + "); it stays in the server's group");
    }
    IOException refused = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        Files.writeString(AUTOGROUP, Integer.toString(nice), StandardCharsets.US_ASCII);
        return Optional.empty();
      } catch (IOException e) {
        refused = e;
        Thread.sleep(BETWEEN_ATTEMPTS);
      }
    }
    return Optional.of(
        "its scheduling group's nice could not be set to " + nice + " (" + refused + ")");
  }
}
