package dev.slipway.sandbox;

import dev.slipway.spec.ScriptLanguage;
import java.util.concurrent.CompletableFuture;

/**
 * Where scripts are checked and run. {@link WorkerPool} runs them in supervised worker processes,
 * so that no script can take the server down; {@link ScriptSandbox} runs them in the calling
 * process, for single-user trusted set-ups and inside each worker. Both are safe for concurrent
 * use.
 */
public interface Sandbox extends AutoCloseable {

  /**
   * Checks and prepares a script. {@code source} is the body of an async function receiving {@code
   * ctx}; TypeScript has its types stripped here. Throws on the first syntax error, with the line
   * in {@code source}.
   *
   * @param name names the script in messages and stack traces, e.g. an endpoint and step id
   */
  CompiledScript compile(String name, String source, ScriptLanguage language)
      throws ScriptCompileException;

  /**
   * Readies a compiled script for its first runs wherever runs go, before traffic reaches it: a
   * deploy calls it before the new version is served, so that no request waits while a worker
   * parses the script and makes its function. Runs none of the script; by default does nothing.
   */
  default void prepare(CompiledScript script) {}

  /**
   * Runs a compiled script once and reports how it ended; the script's own failures, and the limits
   * it reaches, are outcomes, never exceptions. Blocks the calling thread for about the timeout at
   * most, apart from time spent in {@code host}.
   *
   * @param ctxData the script's {@code ctx}: a {@code Map<String, Object>} of plain values (maps,
   *     lists, strings, numbers, booleans, null, {@code java.time} values), or null for an empty
   *     one; {@code ctx.log}, {@code ctx.db}, {@code ctx.secrets} and {@code ctx.fetch} are added
   *     to it
   * @param host answers the script's {@code ctx} calls, on the calling thread
   * @throws IllegalArgumentException if {@code ctxData} is not a map or not serializable
   */
  ScriptOutcome run(CompiledScript script, Object ctxData, ScriptHost host);

  /**
   * Starts a run and answers with its outcome when it ends, as {@link #run} would. A sandbox that
   * runs scripts elsewhere returns at once and calls {@code host}, one call at a time, on a thread
   * of its own, then completes the outcome there: whatever the caller chains to it runs on that
   * thread and must not block for long. By default the run happens here, on the calling thread.
   */
  default CompletableFuture<ScriptOutcome> start(
      CompiledScript script, Object ctxData, ScriptHost host) {
    return CompletableFuture.completedFuture(run(script, ctxData, host));
  }

  /**
   * Whether {@link #start} returns at once, neither running the script on the calling thread nor
   * waiting there for room to send it, so that a thread that must not block may start one; false by
   * default.
   */
  default boolean startsAtOnce() {
    return false;
  }

  SandboxLimits limits();

  /** Figures for {@code /api/health}: the mode and, for workers, their state and the hop's cost. */
  java.util.Map<String, Object> health();

  /**
   * Whether scripts can run without waiting for the sandbox to start: a worker has been ready (the
   * server is healthy only then). True by default.
   */
  default boolean started() {
    return true;
  }

  /** Cancels running scripts and frees what the sandbox holds. */
  @Override
  void close();
}
