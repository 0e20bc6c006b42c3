package dev.slipway.sandbox;

import dev.slipway.common.NamedThreads;
import dev.slipway.spec.ScriptLanguage;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main class of a sandbox worker process, started by {@link WorkerPool}: it checks and runs
 * scripts in an in-process {@link ScriptSandbox}, one at a time and in the order the server sent
 * them (it may send several ahead), and asks the server over a Unix socket for whatever a script
 * needs from outside ({@code ctx.db}, {@code ctx.secrets}, {@code ctx.fetch}). It holds no
 * credentials and reaches nothing itself. A script that exhausts the heap is stopped by the engine
 * (its outcome: {@code MEMORY}), its context is dropped and the heap collected, and the worker
 * serves on, warm; so a memory bomb costs the runs behind it a moment, not their worker and its
 * JIT. Out of heap anywhere else, or still short of it after that collection, the worker exits
 * ({@link OutOfMemory}) and the server starts another.
 *
 * <p>Arguments: the run timeout in milliseconds, the statement limit, the niceness of everything
 * but short runs ({@link RunnerThreads}; 0: the process has one priority), and the path of the Unix
 * socket the server listens on for this worker.
 */
public final class WorkerMain {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerMain.class);

  /** Scripts kept by id; the server sends the text again for one that was dropped. */
  private static final int KEPT_SCRIPTS = 2048;

  /** The most outcomes held back for one write, and the longest one is held (see {@link #send}). */
  private static final int HOLD_COUNT = 32;

  private static final Duration HOLD = Duration.ofMillis(1);

  /** The exit status of a worker whose engine failed (EX_SOFTWARE). */
  static final int ENGINE_FAILED_EXIT = 70;

  /** Measures each run's CPU time, which the server judges its script by. */
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  private final ScriptSandbox sandbox;
  private final WorkerWire wire;
  private final JsonCodec json = new JsonCodec();
  private final Map<String, CompiledScript> scripts =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CompiledScript> eldest) {
          return size() > KEPT_SCRIPTS;
        }
      };
  private final ChannelHost host = new ChannelHost();

  /** Work read while a script waited for an answer to its question, oldest first. */
  private final ArrayDeque<Work> ahead = new ArrayDeque<>();

  /** Outcomes written and not yet flushed (guarded by {@link #wire}). */
  private int held;

  /** Sends outcomes held back too long (see {@link #send}) and lowers runners that run long. */
  private final ScheduledExecutorService timer = NamedThreads.scheduler("slipway-worker-timer");

  /**
   * The threads that run scripts at a priority of their own; null when the whole process has one.
   */
  private final RunnerThreads runners;

  WorkerMain(ScriptSandbox sandbox, WorkerWire wire, RunnerThreads runners) {
    this.sandbox = sandbox;
    this.wire = wire;
    this.runners = runners;
    if (runners != null) {
      timer.scheduleWithFixedDelay(
          OutOfMemory.exitingOn(runners::tick), 2, 2, TimeUnit.MILLISECONDS);
    }
  }

  public static void main(String[] args) throws IOException {
    if (Boolean.getBoolean(WorkerCommand.LOWEST_PROPERTY)) {
      // first: the rest of its start is below the server and its database too
      try {
        SchedulingGroup.leaveWithNice(SchedulingGroup.LOWEST)
            .ifPresent(why -> System.err.println("sandbox worker: " + why));
      } catch (InterruptedException e) {
        return;
      }
    }
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, e) -> {
          OutOfMemory.exitIf(e);
          System.err.println("sandbox worker: thread " + thread.getName() + " failed: " + e);
        });
    int niceness = Integer.parseInt(args[2]);
    // first, from the main thread, which still has the server's priority
    RunnerThreads runners = null;
    if (niceness > 0) {
      var priorities = ThreadPriorities.load();
      if (priorities.isPresent()) {
        runners = RunnerThreads.start(priorities.get(), niceness);
      } else {
        System.err.println(
            "sandbox worker: threads cannot be given priorities here (no gettid or setpriority); scripts run at the server's");
      }
    }
    var limits =
        new SandboxLimits(Duration.ofMillis(Long.parseLong(args[0])), Long.parseLong(args[1]), 1);
    SocketChannel connected;
    try {
      connected = SocketChannel.open(UnixDomainSocketAddress.of(args[3]));
    } catch (IOException e) {
      // the server gave up on this worker (it is closing, or the worker started too slowly)
      System.err.println(
          "sandbox worker: cannot reach the server at " + args[3] + ": " + e.getMessage());
      System.exit(1);
      return;
    }
    try (var sandbox = new ScriptSandbox(limits);
        var channel = connected) {
      var worker =
          new WorkerMain(
              sandbox,
              new WorkerWire(Channels.newInputStream(channel), Channels.newOutputStream(channel)),
              runners);
      worker.warmUp();
      if (runners != null) {
        runners.lowerTheRest();
      }
      worker.send(w -> w.kind(WorkerWire.READY), false);
      // off the start's path (the server reports healthy when a worker is ready), at the lowered
      // priority of the threads made after lowerTheRest
      NamedThreads.startDaemon(
          "slipway-worker-trial-context", OutOfMemory.exitingOn(sandbox::prepareContextOnTrial));
      worker.serve();
    } catch (IOException e) {
      // the server closed the channel while this worker was writing to it (it is stopping, or gave
      // up on this worker): the same end as the end of input that serve() meets, nothing to report
      LOG.debug("the server closed the channel", e);
    }
  }

  /**
   * Script bodies that end every way a script can, each a script of its own, run before the warm-up
   * proper. The code every run goes through (the prelude's runner and the engine's promise jobs) is
   * then compiled for any result and any script, rather than for the warm-up's object result and
   * one script function: compiled for those, the first run of each new script (a number result,
   * another function at the runner's call, a {@code ctx} of other keys) invalidated it, and every
   * script's runs were interpreted for the seconds until it was compiled again
   * (bench/fairness/timeline.sh with {@code FLOOD='exec:return 1;'}). There are more scripts and
   * more {@code ctx} shapes than the engine's inline caches hold (4 functions at a call, 5 shapes
   * at a property), so the runner's call of the script and its sets on {@code ctx} are generic from
   * the start.
   */
  private static final List<String> ENDINGS =
      List.of(
          "return 1;",
          "return 1.5;",
          "return 'text';",
          "return true;",
          "return null;",
          "return [1, 'a', null];",
          "return;",
          "throw new Error('warm-up');",
          "return Promise.reject(new TypeError('warm-up'));",
          "throw 'text';");

  /**
   * A request's body of each JSON type, which the runs of {@link #ENDINGS} take in turn, in a
   * {@code ctx} shaped as a step's ({@code CompiledStep}: the input's parts in {@code
   * InputContract}'s order). The engine speculates on the type of each property of the objects of
   * one shape, in all contexts alike: compiled for the object bodies of the first POSTs, the code
   * of every script that reads the body was undone by the first GET (a null body) of any endpoint.
   */
  private static final List<Object> BODIES =
      Arrays.asList(Map.of("n", 1), List.of(1, "a"), "text", 1, 1.5, true, null);

  /**
   * Runs a small transform until the prelude and JSON paths are compiled, or for a second at most,
   * so the first requests do not pay for a cold engine. Without the JIT one run, which creates the
   * context, is all there is to warm.
   *
   * <p>Its scripts are its own, proven from the start ({@link CompiledScript#proven}): they warm
   * the runner proven scripts go through, in their context, and the start makes that one context
   * only. A context for runs on trial is made once the worker is ready ({@link
   * ScriptSandbox#prepareContextOnTrial}).
   *
   * <p>A worker for guarded runs ({@link WorkerCommand#GUARDED_PROPERTY}) makes that one run too.
   * Its runs are slow or hostile scripts', one at a time, and what its JIT compiles for them is
   * theirs alone; warmed up, it spent seconds of CPU compiling, under {@code SCHED_IDLE} but on the
   * CPUs the quiet endpoints' runs needed, just when a flood began (bench/fairness/timeline.sh).
   */
  void warmUp() throws IOException {
    long start = System.nanoTime();
    boolean compiles = sandbox.optimizing() && !Boolean.getBoolean(WorkerCommand.GUARDED_PROPERTY);
    try {
      if (compiles) {
        int bodies = 0;
        for (int i = 0; i < ENDINGS.size(); i++) {
          CompiledScript ending =
              sandbox.compile("warm-up-ending-" + i, ENDINGS.get(i), ScriptLanguage.JAVASCRIPT);
          ending.prove();
          for (int run = 0; run < 3; run++) {
            var input =
                StepInput.of(
                    Map.of(), Map.of(), Map.of(), BODIES.get(bodies++ % BODIES.size()), null);
            var ctx = new LinkedHashMap<String, Object>();
            ctx.put("input", input);
            ctx.put("steps", Map.of());
            ctx.put("warm-up-" + i, run);
            sandbox.run(ending, ctx, ScriptHost.NONE);
          }
        }
      }
      // every bridge function once, at a shallow stack: a host call first made near a stack
      // overflow can leave a Truffle class uninitializable for the life of the process
      CompiledScript script =
          sandbox.compile(
              "warm-up",
              """
          const o = ctx.input;
          ctx.log('warm', o.n);
          try { await ctx.db.query('select 1', { a: 1 }); } catch (e) {}
          try { ctx.secrets.get('x'); } catch (e) {}
          try { await ctx.fetch('https://example.invalid/'); } catch (e) {}
          return { id: o.id, tags: o.tags.map(t => t.toUpperCase()), n: o.n * 2, s: String(o.n) };
          """,
              ScriptLanguage.JAVASCRIPT);
      script.prove();
      Map<String, Object> input =
          Map.of("input", Map.of("id", "x", "tags", List.of("a", "b"), "n", 21));
      int runs = compiles ? 5_000 : 1;
      for (int i = 0; i < runs && System.nanoTime() - start < 1_000_000_000L; i++) {
        sandbox.run(script, input, ScriptHost.NONE);
      }
    } catch (ScriptCompileException e) {
      throw new IllegalStateException("the warm-up script does not compile", e);
    }
    LOG.debug("sandbox worker warmed up in {} ms", (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * Answers the server until it closes the channel: here, or on runner threads while this one
   * waits.
   */
  void serve() throws IOException {
    if (runners == null) {
      serveHere();
      return;
    }
    var done = new CompletableFuture<Void>();
    runners.startRunner(() -> serveOn(done));
    try {
      done.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      OutOfMemory.exitIf(e.getCause());
      throw e;
    }
  }

  /** Serves on the current runner, and on new ones for as long as runners hand over. */
  private void serveOn(CompletableFuture<Void> done) {
    try {
      if (serveHere()) {
        done.complete(null);
      } else {
        runners.startRunner(() -> serveOn(done));
      }
    } catch (Throwable e) {
      done.completeExceptionally(e);
    }
  }

  /**
   * Answers the server until it closes the channel (true), or until this thread was lowered for a
   * long run and must hand over to a new runner (false).
   */
  private boolean serveHere() throws IOException {
    while (true) {
      if (runners != null && runners.lowered()) {
        return false;
      }
      Work work = ahead.pollFirst();
      if (work == null) {
        byte kind;
        try {
          kind = wire.readKind();
        } catch (EOFException e) {
          return true;
        }
        work = readWork(kind);
      }
      switch (work) {
        case Compile c -> compile(c.name(), c.language(), c.source());
        case Prepare p -> {
          scripts.put(p.id(), p.script());
          try {
            sandbox.prepare(p.script());
          } catch (RuntimeException e) {
            OutOfMemory.exitIf(e);
            // the script's first run meets the same failure inside its deadline, and reports it
            LOG.debug("preparing {} failed", p.script().name(), e);
          }
          send(w -> w.kind(WorkerWire.PREPARED), false);
        }
        case Run r -> {
          if (r.sentAlong() != null) {
            scripts.put(r.id(), r.sentAlong());
          }
          CompiledScript script = scripts.get(r.id());
          if (script == null) {
            send(w -> w.kind(WorkerWire.UNKNOWN_SCRIPT), false);
          } else {
            run(script, r.input());
          }
        }
      }
    }
  }

  /**
   * Something the server asked for: the server may send several ahead, and they are done in order.
   */
  private sealed interface Work {}

  private record Compile(String name, ScriptLanguage language, String source) implements Work {}

  private record Prepare(String id, CompiledScript script) implements Work {}

  /** {@code sentAlong}: the script, when the server sent its text with the run; else null. */
  private record Run(String id, CompiledScript sentAlong, String input) implements Work {}

  private Work readWork(byte kind) throws IOException {
    return switch (kind) {
      case WorkerWire.COMPILE ->
          new Compile(
              wire.readString(), ScriptLanguage.valueOf(wire.readString()), wire.readString());
      case WorkerWire.RUN -> new Run(wire.readString(), null, wire.readString());
      case WorkerWire.PREPARE -> new Prepare(wire.readString(), readScript());
      case WorkerWire.RUN_SOURCE -> {
        String id = wire.readString();
        yield new Run(id, readScript(), wire.readString());
      }
      default -> throw new IOException("unexpected frame '" + (char) kind + "' from the server");
    };
  }

  /** The name, language and JavaScript of a script the server sends along. */
  private CompiledScript readScript() throws IOException {
    return new CompiledScript(
        wire.readString(), ScriptLanguage.valueOf(wire.readString()), wire.readString());
  }

  private void compile(String name, ScriptLanguage language, String source) throws IOException {
    try {
      // a compile is the platform's own work (stripping an author's TypeScript), done
      // when a spec is saved: it keeps the runner's priority, however long it takes
      CompiledScript script = sandbox.compile(name, source, language);
      send(w -> w.kind(WorkerWire.COMPILED).string(script.javascript()), false);
    } catch (ScriptCompileException e) {
      send(w -> w.kind(WorkerWire.COMPILE_ERROR).number(e.line()).string(e.detail()), false);
    }
  }

  /**
   * Runs a script and sends its outcome. Should the channel break during a host call (the server
   * gave up on this worker), the script sees a failed call and writing the outcome fails: the
   * worker then exits.
   */
  private void run(CompiledScript script, String input) throws IOException {
    long failures = sandbox.engineFailures();
    long cpuBefore = CPU.getCurrentThreadCpuTime();
    running();
    ScriptOutcome outcome;
    try {
      outcome = sandbox.runJson(script, input, host, true);
    } finally {
      paused();
    }
    long cpu = CPU.getCurrentThreadCpuTime() - cpuBefore;
    if (outcome instanceof ScriptOutcome.Exceeded e && e.limit() == ScriptOutcome.Limit.MEMORY) {
      // before the outcome goes: should the worker end, the run at its head is still the bomb, and
      // the pool blames the end on it, not on the run after it
      recoverHeap();
    }
    send(w -> w.writeOutcome(outcome, json, cpu), true);
    if (sandbox.engineFailures() != failures) {
      // the engine broke, not the script: a fresh process is the only sure repair
      LOG.error(
          "the script engine failed internally; this sandbox worker exits so that a new one replaces it");
      System.exit(ENGINE_FAILED_EXIT);
    }
  }

  /**
   * After a run that exhausted the heap: collects what its dropped context held, which also gives
   * the heap back to the system, and exits if half of it is still in use (something else holds it,
   * and a fresh worker is the sure repair).
   */
  private static void recoverHeap() {
    System.gc();
    Runtime runtime = Runtime.getRuntime();
    long used = runtime.totalMemory() - runtime.freeMemory();
    if (used > runtime.maxMemory() / 2) {
      LOG.error(
          "{} MB of heap still in use after a script exhausted it; this sandbox worker exits",
          used / (1024 * 1024));
      runtime.halt(OutOfMemory.EXIT);
    }
  }

  /** The runner began, or went on, running a script or compile (see {@link RunnerThreads}). */
  private void running() {
    if (runners != null) {
      runners.running();
    }
  }

  private void paused() {
    if (runners != null) {
      runners.paused();
    }
  }

  /**
   * Writes a frame, and sends it with whatever was held back. An outcome ({@code mayHold}) is held
   * back while the server has already sent more work, so that under load outcomes go out several to
   * a write and the server's reader wakes once for them; never more than {@link #HOLD_COUNT} of
   * them, and never longer than {@link #HOLD}, should the next run be slow.
   */
  private void send(WorkerWire.Frame frame, boolean mayHold) throws IOException {
    synchronized (wire) {
      frame.write(wire);
      if (mayHold && held < HOLD_COUNT && (!ahead.isEmpty() || wire.inputWaiting())) {
        if (held++ == 0) {
          timer.schedule(
              OutOfMemory.exitingOn(this::flushHeld), HOLD.toNanos(), TimeUnit.NANOSECONDS);
        }
        return;
      }
      wire.flush();
      held = 0;
    }
  }

  /** Sends outcomes held back for longer than {@link #HOLD}. */
  private void flushHeld() {
    synchronized (wire) {
      if (held == 0) {
        return;
      }
      held = 0;
      try {
        wire.flush();
      } catch (IOException e) {
        // the server is gone: the main thread finds out on its next read or write, and exits
        LOG.debug("could not send held outcomes", e);
      }
    }
  }

  /** Forwards a script's questions to the server and waits for the answer on the same channel. */
  private final class ChannelHost implements ScriptHost, JsonHost {

    @Override
    public String queryJson(String sql, String paramsJson) {
      return ask(w -> w.kind(WorkerWire.QUERY).string(sql).nullable(paramsJson));
    }

    @Override
    public String fetchJson(String requestJson) {
      return ask(w -> w.kind(WorkerWire.FETCH).string(requestJson));
    }

    @Override
    public Optional<String> secret(String name) {
      return Optional.ofNullable(ask(w -> w.kind(WorkerWire.SECRET).string(name)));
    }

    @Override
    public List<Map<String, Object>> query(String sql, Map<String, Object> params) {
      throw new AssertionError("the bridge uses queryJson");
    }

    private String ask(WorkerWire.Frame question) {
      paused();
      try {
        send(question, false);
        byte kind;
        // work the server sent ahead while this run waits for its answer is done after it
        while ((kind = wire.readKind()) != WorkerWire.ANSWER && kind != WorkerWire.REFUSE) {
          ahead.addLast(readWork(kind));
        }
        String value = wire.readNullable();
        running();
        if (kind == WorkerWire.REFUSE) {
          throw new HostRefusal(value);
        }
        return value;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (OutOfMemoryError e) {
        // part of a frame may have been written or read: the channel is out of step, and the
        // script could catch this and go on; only a new worker is sure
        OutOfMemory.exitIf(e);
        throw e;
      }
    }
  }

  /** The host said no; the message is the host's and goes to the script as an Error. */
  static final class HostRefusal extends RuntimeException {
    HostRefusal(String message) {
      super(message, null, false, false);
    }
  }
}
