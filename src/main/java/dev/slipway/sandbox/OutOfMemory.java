package dev.slipway.sandbox;

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

  /** Ends the process at once if {@code e} is an {@link OutOfMemoryError}. */
  static void exitIf(Throwable e) {
    if (e instanceof OutOfMemoryError) {
      Runtime.getRuntime().halt(EXIT);
    }
  }

  /** {@code task}, ending the process should it run out of heap. */
  static Runnable exitingOn(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (OutOfMemoryError e) {
        exitIf(e);
      }
    };
  }
}
