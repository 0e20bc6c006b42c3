package dev.slipway.sandbox;

import dev.slipway.common.NamedThreads;
import dev.slipway.spec.ScriptLanguage;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.ResourceLimits;
import org.graalvm.polyglot.SandboxPolicy;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles and runs user scripts in GraalJS under {@link SandboxPolicy#CONSTRAINED}: no Java
 * access, no I/O, no threads, no {@code require}/{@code process}/{@code load}/{@code print}. A
 * script is the body of {@code async function (ctx)}; it reads {@code ctx}'s data, logs with {@code
 * ctx.log}/{@code console.*}, queries with {@code await ctx.db.query(sql, params)} and returns (or
 * resolves to) its result.
 *
 * <p>One shared {@link Engine} parses and JIT-compiles each script once; up to {@link
 * SandboxLimits#poolSize()} contexts are created on demand, reused across runs and scripts, and
 * replaced after a run that was cancelled. A single watchdog thread enforces the wall-clock
 * timeout. Safe for concurrent use.
 *
 * <p>Scripts sharing a context cannot change each other's environment (the realm is frozen, code is
 * strict), but they do share a heap and a thread budget: a hostile script can still exhaust memory.
 * That is why, by default, it runs only inside {@link WorkerMain} processes, one per worker, where
 * exhausting memory ends just that worker.
 */
public final class ScriptSandbox implements Sandbox {

  private static final Logger LOG = LoggerFactory.getLogger(ScriptSandbox.class);

  private final SandboxLimits limits;
  private final Engine engine;
  private final ResourceLimits resourceLimits;
  private final Source runnerSource;
  private final Source bodyCheckSource;
  private final Source hardenSource;
  private final JsonCodec json = new JsonCodec();
  private final TypeScriptTranspiler typeScript;
  private final Slot[] slots;

  /**
   * Free slots for {@linkplain CompiledScript#proven() proven} scripts, most recently used first,
   * so a few warm contexts serve light load.
   */
  private final LinkedBlockingDeque<Slot> free = new LinkedBlockingDeque<>();

  /**
   * Free slots for scripts on trial, as many again, their contexts made on first use (a worker
   * makes one once it is ready). A run stopped at a limit, cancelled or out of memory loses its
   * context, and the next run in its slot waits while a new one is made (the realm-hardening walk,
   * about 0.2 s), the engine compiling the builtins the walk calls once more: a new loop's first
   * run cost that to the proven scripts' runs behind it; now it costs it to the next new script's.
   */
  private final LinkedBlockingDeque<Slot> freeOnTrial = new LinkedBlockingDeque<>();

  private final ScheduledExecutorService watchdog;
  private volatile boolean closed;
  private final boolean optimizing;
  private final java.util.concurrent.atomic.AtomicLong engineFailures =
      new java.util.concurrent.atomic.AtomicLong();

  /** How many times a module (zod) was loaded into one of this sandbox's contexts. */
  private final java.util.concurrent.atomic.AtomicInteger moduleLoads =
      new java.util.concurrent.atomic.AtomicInteger();

  /** A place in the pool; holds a live context or, before first use and after a cancel, none. */
  private static final class Slot {
    /** Whether the slot serves scripts on trial ({@link #freeOnTrial}) or proven ones. */
    final boolean onTrial;

    volatile PooledContext context;

    Slot(boolean onTrial) {
      this.onTrial = onTrial;
    }
  }

  public ScriptSandbox(SandboxLimits limits) {
    this(limits, TranspileCache.NONE);
  }

  /** A sandbox that keeps what TypeScript sources transpile to in {@code transpiled}. */
  public ScriptSandbox(SandboxLimits limits, TranspileCache transpiled) {
    this.limits = Objects.requireNonNull(limits, "limits");
    // CONSTRAINED refuses to build unless out and err are given explicitly. Nothing a script
    // may do writes to them (print and console are replaced); the engine's own warnings,
    // such as running without the JIT, are logged below instead.
    this.engine =
        Engine.newBuilder("js")
            .sandbox(SandboxPolicy.CONSTRAINED)
            .out(OutputStream.nullOutputStream())
            .err(OutputStream.nullOutputStream())
            .build();
    this.optimizing = !"Interpreted".equals(engine.getImplementationName());
    this.typeScript = new TypeScriptTranspiler(json, optimizing, transpiled);
    if (Boolean.getBoolean(WorkerCommand.QUIET_PROPERTY)) {
      LOG.debug("GraalJS runtime: {}", engine.getImplementationName());
    } else if (!optimizing) {
      LOG.warn(
          "GraalJS runs without the Graal JIT: scripts run interpreted and slowly "
              + "(bin/slipway adds the JVM flags for the JIT when the Graal compiler matches the JDK)");
    } else {
      LOG.info("GraalJS optimizing runtime active ({})", engine.getImplementationName());
    }
    // Contexts of one engine must share the same limits, so this one instance serves all.
    // Only user sources count: the prelude is internal and its realm hardening alone would
    // spend thousands of statements.
    this.resourceLimits =
        limits.statementLimit() > 0
            ? ResourceLimits.newBuilder()
                .statementLimit(limits.statementLimit(), source -> !source.isInternal())
                .build()
            : null;
    this.runnerSource = Prelude.runnerSource();
    this.bodyCheckSource = Prelude.bodyCheckSource();
    this.hardenSource = Prelude.hardenSource();
    this.slots = new Slot[2 * limits.poolSize()];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = new Slot(i >= limits.poolSize());
      release(slots[i]);
    }
    this.watchdog = NamedThreads.scheduler("slipway-script-watchdog");
    long tickMillis = Math.clamp(limits.timeout().toMillis() / 20, 5, 100);
    // a watchdog that stopped on an OutOfMemoryError would leave every later run without its
    // timeout
    watchdog.scheduleWithFixedDelay(
        OutOfMemory.exitingOn(this::cancelOverdueRuns),
        tickMillis,
        tickMillis,
        TimeUnit.MILLISECONDS);
  }

  @Override
  public Map<String, Object> health() {
    return Map.of("mode", "in-process", "contexts", limits.poolSize(), "jit", optimizing);
  }

  /** How many runs ended in a failure of the engine itself rather than of the script. */
  long engineFailures() {
    return engineFailures.get();
  }

  /** Whether the Graal JIT compiles hot scripts; without it every run is interpreted. */
  boolean optimizing() {
    return optimizing;
  }

  /** Whether the TypeScript compiler has been loaded into memory (a cache hit never loads it). */
  public boolean typeScriptCompilerLoaded() {
    return typeScript.loaded();
  }

  /** Module loads so far, one per module per context that imported it; for tests. */
  int moduleLoads() {
    return moduleLoads.get();
  }

  public SandboxLimits limits() {
    return limits;
  }

  /**
   * Checks and prepares a script. {@code source} is the body of an async function receiving {@code
   * ctx}; TypeScript has its types stripped here. Throws on the first syntax error, with the line
   * in {@code source}. Import declarations of {@code "zod"} become calls the prelude serves ({@link
   * Modules}); importing any other module is a compile error.
   *
   * @param name names the script in messages and stack traces, e.g. an endpoint and step id
   */
  public CompiledScript compile(String name, String source, ScriptLanguage language)
      throws ScriptCompileException {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(language, "language");
    ensureOpen();
    String body = Modules.rewriteImports(name, source, language);
    String wrapped = Prelude.wrap(body, language);
    String javascript =
        switch (language) {
          case JAVASCRIPT -> wrapped;
          case TYPESCRIPT -> typeScript.transpile(name, wrapped);
        };
    CompiledScript script = new CompiledScript(name, language, javascript);
    boolean importsZod = !body.equals(source);
    // one that imports zod loads it where its first runs go (it is on trial); parsing and the body
    // check need no context in particular (a worker's warm-up makes the one for proven scripts)
    Slot slot = borrow(importsZod ? freeOnTrial : free);
    if (slot == null) {
      throw new IllegalStateException("no script context became free within " + limits.timeout());
    }
    try {
      PooledContext context = contextOf(slot);
      context.parse(script);
      if (importsZod) {
        // it imports zod: load zod into this context now, outside any run's deadline (about a
        // second for the first load in a JVM, interpreted; tens of milliseconds after that)
        context.preload(Modules.ZOD);
      }
      checkBody(
          name,
          switch (language) {
            case JAVASCRIPT -> body;
            // the stripper answers in the JavaScript wrapper; a body that closed it leaves it
            // elsewhere
            case TYPESCRIPT ->
                javascript.startsWith(Prelude.WRAPPER_START)
                        && javascript.endsWith(Prelude.WRAPPER_END)
                    ? javascript.substring(
                        Prelude.WRAPPER_START.length(),
                        javascript.length() - Prelude.WRAPPER_END.length())
                    : "}";
          },
          context);
    } catch (PolyglotException e) {
      if (!e.isSyntaxError()) {
        throw e;
      }
      throw syntaxError(name, e);
    } finally {
      release(slot);
    }
    return script;
  }

  private static void checkBody(String name, String body, PooledContext context)
      throws ScriptCompileException {
    try {
      context.checkBody(body);
    } catch (PolyglotException e) {
      if (e.isSyntaxError() || e.isGuestException()) {
        throw new ScriptCompileException(
            name, 0, "the script closes the function it is wrapped in (unbalanced braces)");
      }
      throw e;
    }
  }

  private static ScriptCompileException syntaxError(String name, PolyglotException e) {
    int line = e.getSourceLocation() != null ? e.getSourceLocation().getStartLine() : 0;
    // GraalJS says "SyntaxError: <name>:<line>:<column> <detail>\n<source line>\n<caret>"
    String first = e.getMessage().lines().findFirst().orElse("");
    Matcher location =
        Pattern.compile("^SyntaxError: " + Pattern.quote(name) + ":\\d+:\\d+ ").matcher(first);
    String detail = location.find() ? first.substring(location.end()) : first;
    return new ScriptCompileException(name, line, detail);
  }

  /**
   * Makes the script's function in a context of the pool (the engine keeps its parse for the
   * others).
   */
  @Override
  public void prepare(CompiledScript script) {
    Objects.requireNonNull(script, "script");
    ensureOpen();
    Slot slot = borrow(poolOf(script));
    if (slot == null) return;
    try {
      contextOf(slot).prepare(script);
    } finally {
      release(slot);
    }
  }

  /**
   * Runs a compiled script once and reports how it ended; the script's own failures are outcomes,
   * never exceptions. Blocks the calling thread for at most about the timeout (plus the time to
   * create a context on first use), or while {@code host} calls block.
   *
   * @param ctxData the script's {@code ctx}: a {@code Map<String, Object>} of plain values (maps,
   *     lists, strings, numbers, booleans, null, {@code java.time} values), or null for an empty
   *     one; {@code ctx.log} and {@code ctx.db} are added to it
   * @param host serves {@code ctx.db.query} and receives log lines, on this thread
   * @throws IllegalArgumentException if {@code ctxData} is not a map or not serializable
   */
  public ScriptOutcome run(CompiledScript script, Object ctxData, ScriptHost host) {
    Objects.requireNonNull(script, "script");
    Objects.requireNonNull(host, "host");
    if (ctxData != null && !(ctxData instanceof Map<?, ?>)) {
      throw new IllegalArgumentException(
          "ctxData must be a Map, was " + ctxData.getClass().getName());
    }
    ensureOpen();
    var threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long cpuBefore = threads.getCurrentThreadCpuTime();
    ScriptOutcome outcome =
        runJson(script, ctxData == null ? "{}" : json.write(ctxData), host, false);
    try {
      host.ranFor(threads.getCurrentThreadCpuTime() - cpuBefore);
    } catch (RuntimeException ignored) {
      // a broken meter must not fail scripts
    }
    return outcome;
  }

  /**
   * {@link #run}, with {@code ctx} already as JSON text (a JSON object).
   *
   * @param rawResult whether a success's value is left as the script's JSON text ({@link RawJson})
   */
  ScriptOutcome runJson(CompiledScript script, String input, ScriptHost host, boolean rawResult) {
    Slot slot = borrow(poolOf(script));
    if (slot == null) {
      return new ScriptOutcome.Timeout(limits.timeout(), List.of());
    }
    try {
      PooledContext context = contextOf(slot);
      ScriptOutcome outcome = context.run(script, input, host, limits, rawResult);
      if (context.engineFailed()) {
        engineFailures.incrementAndGet();
      }
      if (context.broken()) {
        slot.context = null;
        context.close();
      }
      return outcome;
    } finally {
      release(slot);
    }
  }

  /**
   * Makes the context of a free slot for scripts on trial that has none, so that the first run of a
   * new script does not wait for it (and the builtins the hardening walk calls are compiled before
   * any such run): a worker does it once it is ready.
   */
  void prepareContextOnTrial() {
    Slot slot = freeOnTrial.pollFirst();
    if (slot == null || closed) return;
    try {
      contextOf(slot);
    } finally {
      release(slot);
    }
  }

  private LinkedBlockingDeque<Slot> poolOf(CompiledScript script) {
    return script.proven() ? free : freeOnTrial;
  }

  /** Gives a slot back to the free slots of its kind, first in line. */
  private void release(Slot slot) {
    (slot.onTrial ? freeOnTrial : free).addFirst(slot);
  }

  /** Waits up to the timeout for a free slot of {@code pool}; null if none came free. */
  private Slot borrow(LinkedBlockingDeque<Slot> pool) {
    Slot slot = pool.pollFirst();
    if (slot != null) {
      return slot;
    }
    try {
      return pool.pollFirst(limits.timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a script context", e);
    }
  }

  private PooledContext contextOf(Slot slot) {
    PooledContext context = slot.context;
    if (context == null) {
      context = newContext(slot.onTrial);
      slot.context = context;
    }
    return context;
  }

  private PooledContext newContext(boolean onTrial) {
    Context.Builder builder =
        Context.newBuilder("js")
            .engine(engine)
            .sandbox(SandboxPolicy.CONSTRAINED)
            // the policy's default, stated: no Java members at all unless @HostAccess.Export;
            // the bridge uses proxies, which CONSTRAINED allows
            .allowHostAccess(HostAccess.CONSTRAINED)
            .out(OutputStream.nullOutputStream())
            .err(OutputStream.nullOutputStream())
            // both allowed under CONSTRAINED; load() would fail for lack of I/O anyway
            .option("js.print", "false")
            .option("js.load", "false")
            // the prelude installs a console that logs through the bridge
            .option("js.console", "false");
    if (resourceLimits != null) {
      builder.resourceLimits(resourceLimits);
    }
    Context context = builder.build();
    try {
      HostBridge bridge = new HostBridge(json);
      context
          .getBindings("js")
          .putMember(Modules.LOADER_GLOBAL, Modules.loader(context, moduleLoads));
      Object[] functions = bridge.functions();
      Object[] arguments = Arrays.copyOf(functions, functions.length + 1);
      arguments[functions.length] = context.eval(hardenSource).execute();
      Value runners = context.eval(runnerSource).execute(arguments);
      return new PooledContext(
          context, bridge, runners, onTrial, context.eval(bodyCheckSource), json);
    } catch (RuntimeException e) {
      context.close(true);
      throw e;
    }
  }

  private void cancelOverdueRuns() {
    long now = System.nanoTime();
    for (Slot slot : slots) {
      PooledContext context = slot.context;
      if (context != null) {
        try {
          context.cancelIfOverdue(now);
        } catch (RuntimeException e) {
          // a failure here must not cancel the periodic task and with it every timeout
          LOG.error("script watchdog failed to cancel a run", e);
        }
      }
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("script sandbox is closed");
    }
  }

  /** Cancels running scripts and frees the engine; runs still in flight end as failures. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    watchdog.shutdownNow();
    for (Slot slot : slots) {
      PooledContext context = slot.context;
      if (context != null) {
        context.close();
      }
    }
    typeScript.close();
    try {
      engine.close(true);
    } catch (RuntimeException e) {
      LOG.debug("closing the script engine failed", e);
    }
  }
}
