package dev.slipway.sandbox;

import java.time.Duration;
import java.util.List;
import org.graalvm.polyglot.PolyglotException;

/**
 * How a sandbox worker ends when it runs out of heap outside a script's run, where nothing can tell
 * what the failed allocation left half done: at once, with the status the server reads as "out of
 * memory" ({@link WorkerPool}). A script's own run that exhausts the heap is stopped by the engine
 * instead (a resource-exhausted {@code PolyglotException}), and the worker goes on.
 */
final class OutOfMemory {
  /** The exit status of a worker that ran out of heap outside a run. */
  static final int EXIT = 3;

  private OutOfMemory() {}

  /**
   * How Truffle's message for a context stopped at its statement limit begins; a resource it
   * reports exhausted with any other message is the heap or the stack.
   */
  private static final String STATEMENT_LIMIT_MESSAGE = "Statement count limit";

  /**
   * Whether {@code e} is the JVM out of heap: an {@link OutOfMemoryError}, or the engine reporting
   * one (a resource exhausted that is neither the statement limit nor the stack, whose error has no
   * message).
   */
  static boolean isOutOfHeap(Throwable e) {
    return e instanceof OutOfMemoryError
        || e instanceof PolyglotException p
            && p.isResourceExhausted()
            && p.getMessage() != null
            && !isStatementLimit(p);
  }

  /** Whether the engine stopped a run at its statement limit. */
  static boolean isStatementLimit(PolyglotException e) {
    return e.isResourceExhausted()
        && e.getMessage() != null
        && e.getMessage().startsWith(STATEMENT_LIMIT_MESSAGE);
  }

  /**
   * The outcome of a run that exhausted its worker's heap, {@code heap} (as the worker's -Xmx, or
   * in MB), however it ended: stopped by the engine, or its worker gone.
   */
  static ScriptOutcome.Exceeded outcome(String heap, List<LogLine> logs, Duration elapsed) {
    return new ScriptOutcome.Exceeded(
        ScriptOutcome.Limit.MEMORY,
        "the script used more memory than a sandbox worker has (" + heap + ")",
        logs,
        elapsed);
  }

  /** Ends the process at once if {@code e} is the JVM out of heap ({@link #isOutOfHeap}). */
  static void exitIf(Throwable e) {
    if (isOutOfHeap(e)) {
      Runtime.getRuntime().halt(EXIT);
    }
  }

  /** {@code task}, ending the process should it run out of heap. */
  static Runnable exitingOn(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (OutOfMemoryError e) {
        Runtime.getRuntime().halt(EXIT);
      }
    };
  }
}
