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
 * The scheduling group of a Slipway process, where Linux schedules by autogroup ({@code
 * kernel.sched_autogroup_enabled}, the default of many distributions, this machine's among them).
 * There the CPU is shared among sessions first: a thread's niceness and {@code SCHED_IDLE} count
 * only against the threads of its own session. Each PostgreSQL backend is a session of its own (it
 * calls {@code setsid}), so each weighs as much as the server with all its threads.
 *
 * <p>A worker for guarded runs {@linkplain #leaveWithNice leaves} the server's group for one of its
 * own that yields the CPU to everything else. Under {@code SCHED_IDLE} in the server's group it
 * took, whenever the server's threads were waiting for the database, the whole group's share
 * against the database's backends: its start and a memory bomb's runs took 0.5–1.3 of a core from
 * quiet SQL endpoints (bench/fairness). In a session of its own, with its group's nice at 19, it
 * weighs 15 against 1,024 for each busy backend and for the server.
 *
 * <p>The server {@linkplain #yieldToDatabase yields} its own group to the backends when it leads a
 * session of its own (as a service, or started with {@code setsid}). At the same weight, a backend
 * woken by a query waited behind the server's group for the CPU: quiet SQL endpoints stalled for
 * 50–340 ms several times a minute under load, and a memory bomb's first runs took quiet SQL's p99
 * to 10–20 times its quiet figure (bench/fairness, 2026-12-07). With the group at nice 10 the
 * backends come first when they wake, as they do where the kernel schedules threads without
 * autogroups.
 *
 * <p>Without autogroups (disabled, or the process in a CPU cgroup of its own, as in a container)
 * this changes nothing but a worker's session; the worker still ends with the server, which closes
 * its channel.
 */
public final class SchedulingGroup {
  private static final Path AUTOGROUP = Path.of("/proc/self/autogroup");
  private static final Path ENABLED = Path.of("/proc/sys/kernel/sched_autogroup_enabled");

  /** The nice the server's own group yields to the database's backends with. */
  public static final int SERVER = 10;

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
    if (!groupWritable()) return Optional.empty();
    try {
      String shared = Files.readString(AUTOGROUP);
      MethodHandle setsid = libc("setsid", FunctionDescriptor.of(ValueLayout.JAVA_INT));
      if ((int) setsid.invokeExact() < 0 || Files.readString(AUTOGROUP).equals(shared)) {
        return Optional.of("it could not start a session of its own; it stays in the server's");
      }
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      return Optional.of("no setsid here (" + e + "); it stays in the server's group");
    }
    return setNice(nice);
  }

  /** Where the server's scheduling group stands: what {@link #yieldToDatabase} did. */
  public enum ServerGroup {
    /** No autogroups here (not Linux, or the kernel schedules without them): nothing to do. */
    NONE,
    /** The server leads a session of its own, whose group now has nice {@link #SERVER}. */
    YIELDED,
    /**
     * The server shares its session, and its group, with the shell that started it: lowering the
     * group would lower that shell and all it runs after, for good (without privileges a nice only
     * goes up). Left alone.
     */
    SHARED,
    /** The server leads its session, but the kernel refused the group's nice. */
    REFUSED
  }

  /**
   * Where this process (the server) leads a session of its own under autogroup scheduling, sets its
   * group's nice to {@link #SERVER}, so that the database's backends, each a group of its own, get
   * the CPU first when a query wakes them.
   */
  public static ServerGroup yieldToDatabase() throws InterruptedException {
    if (!groupWritable()) return ServerGroup.NONE;
    try {
      if (!Files.readString(ENABLED).strip().equals("1")) return ServerGroup.NONE;
      MethodHandle getsid =
          libc("getsid", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
      if ((int) getsid.invokeExact(0) != ProcessHandle.current().pid()) return ServerGroup.SHARED;
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      return ServerGroup.NONE;
    }
    return setNice(SERVER).isEmpty() ? ServerGroup.YIELDED : ServerGroup.REFUSED;
  }

  /** Whether this process has an autogroup whose nice it may set (Linux with autogroups built). */
  private static boolean groupWritable() {
    return System.getProperty("os.name", "").equals("Linux") && Files.isWritable(AUTOGROUP);
  }

  /** The C library's function {@code name}; throws where there is none. */
  private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
    Linker linker = Linker.nativeLinker();
    return linker.downcallHandle(linker.defaultLookup().findOrThrow(name), descriptor);
  }

  /**
   * Sets this process's group's nice, asking again while the kernel refuses (see {@link
   * #ATTEMPTS}); what went wrong, or empty.
   */
  private static Optional<String> setNice(int nice) throws InterruptedException {
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
