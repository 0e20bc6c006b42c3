package dev.slipway.sandbox;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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

  private SchedulingGroup() {}

  /**
   * Starts a session of its own for this process, whose autogroup then has {@code nice}; false
   * where there are no autogroups or the system refused.
   */
  static boolean leaveWithNice(int nice) {
    if (!System.getProperty("os.name", "").equals("Linux") || !Files.isWritable(AUTOGROUP)) {
      return false;
    }
    try {
      String shared = Files.readString(AUTOGROUP);
      Linker linker = Linker.nativeLinker();
      MethodHandle setsid =
          linker.downcallHandle(
              linker.defaultLookup().findOrThrow("setsid"),
              FunctionDescriptor.of(ValueLayout.JAVA_INT));
      if ((int) setsid.invokeExact() < 0 || Files.readString(AUTOGROUP).equals(shared)) {
        return false;
      }
      Files.writeString(AUTOGROUP, Integer.toString(nice), StandardCharsets.US_ASCII);
      return true;
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      // no setsid in the C library, or /proc refused the write: the server's group it is
      return false;
    }
  }
}
