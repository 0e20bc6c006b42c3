package dev.slipway.sandbox;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Lowers the CPU priority of single threads of this process: on Linux a thread's niceness is its
 * own, set with {@code setpriority(PRIO_PROCESS, tid, niceness)}. Without privileges a niceness can
 * only go up, never back down, so a thread once lowered stays lowered; what is to run at the normal
 * priority again runs on a new thread started by one that never was lowered.
 */
final class ThreadPriorities {

  private static final int PRIO_PROCESS = 0;
  private static final Path TASKS = Path.of("/proc/self/task");

  private final MethodHandle gettid;
  private final MethodHandle setpriority;

  private ThreadPriorities(MethodHandle gettid, MethodHandle setpriority) {
    this.gettid = gettid;
    this.setpriority = setpriority;
  }

  /**
   * Whether threads here have priorities of their own (Linux), without calling into the C library.
   */
  static boolean supported() {
    return System.getProperty("os.name", "").equals("Linux") && Files.isDirectory(TASKS);
  }

  /** The calls, where this system has them (Linux with glibc 2.30 or later); empty elsewhere. */
  static Optional<ThreadPriorities> load() {
    if (!supported()) {
      return Optional.empty();
    }
    try {
      Linker linker = Linker.nativeLinker();
      var libc = linker.defaultLookup();
      MethodHandle gettid =
          linker.downcallHandle(
              libc.findOrThrow("gettid"), FunctionDescriptor.of(ValueLayout.JAVA_INT));
      MethodHandle setpriority =
          linker.downcallHandle(
              libc.findOrThrow("setpriority"),
              FunctionDescriptor.of(
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT));
      var priorities = new ThreadPriorities(gettid, setpriority);
      priorities.currentThread();
      return Optional.of(priorities);
    } catch (RuntimeException | LinkageError e) {
      return Optional.empty();
    }
  }

  /** The calling thread's kernel id. */
  int currentThread() {
    try {
      return (int) gettid.invokeExact();
    } catch (Throwable e) {
      throw new IllegalStateException("gettid failed", e);
    }
  }

  /**
   * Sets thread {@code tid}'s niceness; false if the kernel refused (it may already have ended).
   */
  boolean lower(int tid, int niceness) {
    try {
      return (int) setpriority.invokeExact(PRIO_PROCESS, tid, niceness) == 0;
    } catch (Throwable e) {
      throw new IllegalStateException("setpriority failed", e);
    }
  }

  /** Lowers every thread of this process but those in {@code keep}. */
  void lowerAllBut(int niceness, int... keep) {
    for (int tid : threads()) {
      boolean kept = false;
      for (int k : keep) kept |= k == tid;
      if (!kept) lower(tid, niceness);
    }
  }

  private static List<Integer> threads() {
    var tids = new ArrayList<Integer>();
    try (Stream<Path> tasks = Files.list(TASKS)) {
      tasks.forEach(task -> tids.add(Integer.parseInt(task.getFileName().toString())));
    } catch (IOException | NumberFormatException e) {
      // a thread that ends while listed is simply not lowered
    }
    return tids;
  }
}
