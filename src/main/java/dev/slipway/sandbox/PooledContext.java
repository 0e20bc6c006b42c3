package dev.slipway.sandbox;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GraalJS context with its prelude, bridge and evaluated script functions. Used by one thread
 * at a time (whoever borrowed it from the pool); only {@link #cancelIfOverdue} is called from the
 * watchdog thread, and the deadline field is what the two agree through.
 */
final class PooledContext {

  private static final Logger LOG = LoggerFactory.getLogger(PooledContext.class);

  /** Deadline values that no {@code System.nanoTime()} deadline is allowed to take. */
  private static final long IDLE = Long.MIN_VALUE;

  private static final long TIMED_OUT = Long.MIN_VALUE + 1;

  private static final int MAX_MESSAGE_CHARS = 2000;

  private final Context context;
  private final HostBridge bridge;

  /**
   * The runner's {@code run} this context's runs go through: for proven scripts ({@link
   * CompiledScript#proven()}), or its copy for scripts on trial. A run stopped at a limit or
   * cancelled unwinds through every frame between it and the host, and undoes their compiled code.
   * So the first runs of a new script (a loop, say) go through code of their own, in contexts of
   * their own, entered by another host call, and the code every proven script runs through stays
   * compiled (before, the first run of a loop had every script run interpreted for seconds;
   * bench/fairness/timeline.sh).
   */
  private final Value runner;

  /** Whether this context serves scripts on trial ({@link #runner}). */
  private final boolean onTrial;

  private final Value bodyCheck;
  private final JsonCodec json;

  /** Weak keys: a script that is no longer referenced (endpoint edited or deleted) drops out. */
  private final Map<CompiledScript, Value> functions = new WeakHashMap<>();

  private final AtomicLong deadline = new AtomicLong(IDLE);
  private boolean broken;
  private boolean engineFailed;

  /**
   * @param runners what the runner source returned: {@code [run, trial]}
   * @param onTrial whether the context serves scripts on trial (it runs them through {@code trial})
   */
  PooledContext(
      Context context,
      HostBridge bridge,
      Value runners,
      boolean onTrial,
      Value bodyCheck,
      JsonCodec json) {
    this.context = context;
    this.bridge = bridge;
    this.runner = runners.getArrayElement(onTrial ? 1 : 0);
    this.onTrial = onTrial;
    this.bodyCheck = bodyCheck;
    this.json = json;
  }

  /**
   * True once the context was cancelled or failed internally; it must then be dropped, not reused.
   */
  boolean broken() {
    return broken;
  }

  /**
   * True once the engine itself failed here (not the script): the process's engine may be in a
   * state no new context fixes, such as a Truffle class whose initialization failed.
   */
  boolean engineFailed() {
    return engineFailed;
  }

  /** Parses without running anything: a syntax check that also fills the engine's source cache. */
  void parse(CompiledScript script) {
    context.parse(script.source());
  }

  /**
   * Makes the script's function here ahead of its first run. Evaluating the wrapper runs none of
   * the script: {@link ScriptSandbox#compile} made sure that its body stays inside the function.
   */
  void prepare(CompiledScript script) {
    functionOf(script);
  }

  /** The script's function, made here the first time it is asked for (evaluating its wrapper). */
  private Value functionOf(CompiledScript script) {
    return functions.computeIfAbsent(script, s -> context.eval(s.source()));
  }

  /**
   * Imports {@code module} here outside any run, so that runs find it loaded (see {@link Modules}).
   */
  void preload(String module) {
    context.getBindings("js").getMember(Modules.IMPORT_FUNCTION).executeVoid(module);
  }

  /** Throws a syntax error if {@code body} is not a function body on its own; runs none of it. */
  void checkBody(String body) {
    bodyCheck.executeVoid(body);
  }

  /**
   * @param rawResult whether a success's value stays the script's JSON text ({@link RawJson}), for
   *     a caller that only passes it on
   */
  ScriptOutcome run(
      CompiledScript script,
      String input,
      ScriptHost host,
      SandboxLimits limits,
      boolean rawResult) {
    bridge.begin(host);
    if (limits.statementLimit() > 0) {
      context.resetLimits();
    }
    long start = System.nanoTime();
    long due = start + limits.timeout().toNanos();
    if (due == IDLE || due == TIMED_OUT) {
      due = TIMED_OUT + 1;
    }
    deadline.set(due);
    PolyglotException error = null;
    try {
      // made inside the deadline unless prepared: evaluating the wrapper is cheap, but it is user
      // text
      if (onTrial) {
        runner.execute(functionOf(script), input);
      } else {
        runner.executeVoid(functionOf(script), input);
      }
    } catch (PolyglotException e) {
      error = e;
    }
    boolean timedOut = !deadline.compareAndSet(due, IDLE);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    List<LogLine> logs = bridge.end();
    if (timedOut) {
      // the watchdog has closed it or is closing it; closing it again is harmless
      broken = true;
    }
    // judged first, whatever is reported: it says whether the context may be used again
    ScriptOutcome failed = error == null ? null : outcomeOf(error, logs, elapsed, limits);
    if (!broken) {
      script.prove();
    }
    if (bridge.state() == HostBridge.State.EXCEEDED && !OutOfMemory.isOutOfHeap(error)) {
      // the first limit reached is reported: what the script did after (catching the log error
      // and looping on, failing) is moot; but a heap it exhausted after is reported as that, so
      // that its worker collects and its script is judged for it
      return new ScriptOutcome.Exceeded(bridge.exceeded(), bridge.result(), logs, elapsed);
    }
    if (timedOut) {
      return new ScriptOutcome.Timeout(limits.timeout(), logs);
    }
    if (failed != null) {
      return failed;
    }
    return switch (bridge.state()) {
      case SUCCEEDED ->
          new ScriptOutcome.Success(
              rawResult ? new RawJson(bridge.result()) : json.read(bridge.result()), logs, elapsed);
      case FAILED -> new ScriptOutcome.Failure(cut(bridge.result()), logs, elapsed);
      // Nothing can settle the promise any more: the sandbox has no timers or I/O, and the
      // microtask queue is drained when the call returns. Waiting would only hold the context.
      case PENDING -> new ScriptOutcome.Timeout(limits.timeout(), logs);
      case EXCEEDED -> throw new AssertionError("handled above");
    };
  }

  private ScriptOutcome outcomeOf(
      PolyglotException e, List<LogLine> logs, Duration elapsed, SandboxLimits limits) {
    if (e.isResourceExhausted()) {
      broken = true;
      if (OutOfMemory.isStatementLimit(e)) {
        return new ScriptOutcome.StatementLimit(limits.statementLimit(), logs, elapsed);
      }
      if (OutOfMemory.isOutOfHeap(e)) {
        // the heap ran out in this run: the engine stopped it, and closing the context frees what
        // it held
        return OutOfMemory.outcome(
            Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB", logs, elapsed);
      }
      return new ScriptOutcome.Failure("RangeError: the script ran out of stack", logs, elapsed);
    }
    if (e.isInterrupted()) {
      broken = true;
      return new ScriptOutcome.Timeout(limits.timeout(), logs);
    }
    if (e.isCancelled()) {
      broken = true;
      return new ScriptOutcome.Failure("the script sandbox was closed", logs, elapsed);
    }
    if (e.isGuestException() && !e.isHostException()) {
      // thrown synchronously, outside the async function (e.g. a wrapper broken out of at
      // evaluation time); the context itself is still sound
      return new ScriptOutcome.Failure(cut(e.getMessage()), logs, elapsed);
    }
    broken = true;
    engineFailed = true;
    LOG.error("script engine failed internally", e);
    return new ScriptOutcome.Failure("InternalError: the script engine failed", logs, elapsed);
  }

  private static String cut(String message) {
    if (message == null) {
      return "Error";
    }
    return message.length() > MAX_MESSAGE_CHARS
        ? message.substring(0, MAX_MESSAGE_CHARS) + "…"
        : message;
  }

  /**
   * Watchdog side: cancels the run in progress if its deadline has passed. Cancelling closes the
   * context; the running thread sees the deadline swapped to TIMED_OUT and drops it.
   */
  void cancelIfOverdue(long now) {
    long due = deadline.get();
    if (due == IDLE || due == TIMED_OUT || now - due < 0) {
      return;
    }
    if (deadline.compareAndSet(due, TIMED_OUT)) {
      close();
    }
  }

  /** Closes the context, cancelling whatever runs in it; safe to call more than once. */
  void close() {
    try {
      context.close(true);
    } catch (RuntimeException e) {
      // already closed or closing from another thread: either way it is gone
      LOG.debug("closing a script context failed", e);
    }
  }
}
