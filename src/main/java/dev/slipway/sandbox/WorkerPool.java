package dev.slipway.sandbox;

import dev.slipway.common.Json;
import dev.slipway.common.NamedThreads;
import dev.slipway.spec.ScriptLanguage;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs scripts in a pool of supervised worker processes ({@link WorkerMain}), so that the server
 * itself never runs untrusted code. Each worker is a JVM with its own heap cap and runs one script
 * at a time: a script that exhausts the heap ends its own worker, and only its own request fails
 * ({@link ScriptOutcome.Limit#MEMORY}). Workers are started with the server, warm up before they
 * take work, and are replaced whenever one ends; a worker that misses a run's deadline by more than
 * {@link #GRACE} (stuck in GC, say) is killed.
 *
 * <p>The serving workers take every run but those of scripts that were slow lately ({@link
 * WorkerShares}: a loop, a memory bomb, a heavy computation), which go to workers of their own, one
 * run each at a time. Those are started when such a run waits for one (and stopped while starting
 * once none has for {@link #UNWANTED_START}) and run lower than everything else as a whole (under
 * {@code SCHED_IDLE} where chrt can set it, in a scheduling group of their own: {@link
 * SchedulingGroup}), from the JVM's start on: a looping script then takes only the CPU nothing else
 * wants, and the replacement of a worker that a memory bomb ended warms up without taking CPU from
 * the serving workers. A serving worker is never taken by a slow script, and trusted traffic is not
 * spread over more JVMs (on a 2-core host one serving worker answered more, and sooner, than two:
 * bench/README.md).
 *
 * <p>Each worker talks to the server over a Unix socket of its own ({@link WorkerWire}). Runs are
 * pipelined: up to {@link #PIPELINE} are sent to a worker ahead of their turn, and it takes them
 * one after another, so it never waits for the server between runs. The caller's thread only sends
 * a run ({@link #start}); a reader thread per worker reads what the worker says, answers the
 * worker's questions ({@code ctx.db.query}, {@code ctx.secrets.get}, {@code ctx.fetch}) with the
 * run's {@link ScriptHost}, inside the caller's transaction, and completes the run's outcome, so no
 * thread waits on a run in the server. Runs still waiting in the pipeline of a worker that ends
 * have not begun, and go to another worker. Compiling happens in a worker too; what a source became
 * is kept in the {@link TranspileCache}, so a restart compiles nothing.
 */
public final class WorkerPool implements Sandbox {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

  /** How long past a run's timeout a worker may stay silent before it is killed. */
  static final Duration GRACE = Duration.ofSeconds(2);

  /**
   * How many runs a worker may have been sent and not finished. The next run already waits in the
   * worker's socket when the current one ends, so under load a worker never idles while the
   * server's threads get scheduled, and threads rarely wait to send. A run that waits behind
   * another is retried elsewhere if the worker dies before reaching it; behind a script that loops
   * until its timeout it waits that long (which {@link #LONG_RUN} keeps to the few sent in the
   * first milliseconds). Large, because at a small bound the connections' threads wait for room
   * (bench/README.md has the figures).
   */
  static final int PIPELINE = 64;

  /**
   * A worker whose current run has gone on this long gets more runs only when no other has room.
   */
  private static final Duration LONG_RUN = Duration.ofMillis(10);

  /** A worker that does not say it is ready within this is killed and started again. */
  private static final Duration STARTUP_LIMIT = Duration.ofSeconds(60);

  /**
   * A worker for guarded runs still starting when no guarded run has waited for one for this long
   * is stopped, and started again only when one waits. Under {@code SCHED_IDLE} on a host whose
   * CPUs the server keeps busy, a start takes a minute or more, and the little CPU it gets makes
   * the other endpoints slower all that time (bench/fairness: quiet SQL's p99 at 4–9 times its
   * quiet figure, back at once with the starting worker stopped).
   */
  static final Duration UNWANTED_START = Duration.ofSeconds(5);

  /**
   * For a run of a script stopped at a limit lately ({@link WorkerShares#stoppedLately}: a runaway,
   * a memory bomb), and for any guarded run after a start was stopped as starved ({@link
   * #STARVED_SECONDS}) until a worker for guarded runs is ready again, a worker for guarded runs
   * starts only where at least this many CPUs' worth went unused in each of the last {@link
   * IdleCpu#KEPT} seconds ({@link IdleCpu#leastIdle}), not in a lull of one second between waves of
   * traffic (bench/fairness: a flood that began a second after the quiet load paused started one
   * that starved as soon as the quiet load went on); until then a guarded run waits, or is refused,
   * as while one starts. Under {@code SCHED_IDLE} it would get only that CPU: on a host the server
   * keeps busy, a start took over a minute, and what CPU it did get slowed the other endpoints all
   * that time (bench/fairness: quiet SQL's p99 at 4–9 times its quiet figure; in the seconds a loop
   * flood's first start starved, 67–168 ms against 5–10). A script only slow, not stopped, gets its
   * first start at once: held back, a slow script's second run answered 503 on a 2-core host, its
   * own first run having kept the host busy that second.
   */
  static final double GUARDED_START_IDLE = 1.0;

  /**
   * A worker for guarded runs still starting that got, with what the host left unused, less than
   * {@link #GUARDED_START_IDLE} of CPU for this many seconds in a row is stopped: it would not
   * start in time, and it slows the others while it tries.
   */
  static final int STARVED_SECONDS = 3;

  /** How long a worker that records the AOT cache has to write it when the sandbox closes. */
  private static final Duration RECORDING_LIMIT = Duration.ofMinutes(3);

  /** How long a compile may wait for a worker and take there. */
  private static final Duration COMPILE_LIMIT = Duration.ofSeconds(120);

  /** Bumped whenever what a source compiles to changes (wrapper, import rewriting). */
  private static final String COMPILE_VERSION = "worker-2";

  private final SandboxLimits limits;
  private final String heap;
  private final WorkerCommand command;

  /** The command of a worker kept for guarded runs, which runs lower as a whole. */
  private final WorkerCommand guardedCommand;

  private final TranspileCache compiled;
  private final JsonCodec json = new JsonCodec();
  private final Set<Worker> all = ConcurrentHashMap.newKeySet();

  /** Workers that are ready and take work, in the order they became ready. */
  private final List<Worker> taking = new CopyOnWriteArrayList<>();

  /**
   * Guards the choice of a worker in {@link #claim}; {@link #room} is signalled when a pipeline
   * shrinks, {@link #idleRoom} when a worker may have come idle or a guarded run's share freed up.
   */
  private final ReentrantLock dispatch = new ReentrantLock();

  private final Condition room = dispatch.newCondition();

  /**
   * What a run that goes alone (a guarded run, a compile) waits on: not woken at the end of every
   * run, as the rest are. Woken so under load, a loop flood's waiting runs each woke, took the
   * dispatch lock and slept again thousands of times a second, and the server's virtual-thread
   * carriers took 0.2–0.4 of a core from the quiet endpoints (bench/fairness/timeline.sh).
   */
  private final Condition idleRoom = dispatch.newCondition();

  /** Threads in {@link #claim}, so that a finished run signals only when someone waits. */
  private final AtomicInteger waiting = new AtomicInteger();

  /** Runs started since the start. */
  private final java.util.concurrent.atomic.AtomicLong runs =
      new java.util.concurrent.atomic.AtomicLong();

  private final ScheduledExecutorService supervisor;
  private final ExecutorService starter;
  private final AtomicInteger numbers = new AtomicInteger();
  private final AtomicInteger failedStarts = new AtomicInteger();
  private final AtomicLong replaced = new AtomicLong();
  private final AtomicLong prepared = new AtomicLong();
  private final HopTimes hops = new HopTimes();

  /** Who may have how much of the workers (guarded by {@link #dispatch}). */
  private final WorkerShares shares;

  /**
   * Compiles waiting in {@link #claim} for a worker to themselves (guarded by {@link #dispatch}).
   */
  private int compilesWaiting;

  /** Where runs do what must not hold up a worker's reader thread (see {@link Run}). */
  private final ExecutorService aside =
      Executors.newThreadPerTaskExecutor(NamedThreads.virtual("slipway-sandbox-aside-"));

  /** Where each starting worker finds the socket to connect to; only this user may enter it. */
  private final Path sockets;

  /** SWC's native library in {@link #sockets}, where this platform has one. */
  private final Optional<Path> swcLibrary;

  /** Done once {@link #swcLibrary} is written; a TypeScript compile waits for it. */
  private final CompletableFuture<Void> swcWritten;

  private volatile Worker lastCompiler;
  private volatile boolean closed;

  /**
   * Whether a worker has been ready: the first one starts alone, the others once it is (see the
   * constructor).
   */
  private final AtomicBoolean firstReady = new AtomicBoolean();

  /**
   * How many serving workers to keep: the number at rest until {@link #grow}, then the pool's size
   * (guarded by {@link #sizing}).
   */
  private int wanted;

  /** How many workers for guarded runs there may be. */
  private final int guardedWorkers;

  /**
   * Workers for guarded runs started and not yet ended (guarded by {@link #sizing}). They start
   * when a guarded run waits for one, and are not replaced when they end, but started again when
   * another waits.
   */
  private int guardedLive;

  /**
   * Until when no worker for guarded runs starts, after one failed to (guarded by {@link #sizing}).
   */
  private long guardedNotBefore;

  private int guardedFailures;

  /** Guarded runs waiting for a worker now (written under {@link #dispatch}). */
  private volatile int guardedWaiters;

  /**
   * When a guarded run last looked for a worker for guarded runs and found none idle, or stopped
   * waiting for one ({@link System#nanoTime}).
   */
  private volatile long guardedWanted;

  private final Object sizing = new Object();

  private final IdleCpu idleCpu;

  /**
   * Whether a start of a worker for guarded runs was stopped as starved since one was last ready
   * (guarded by {@link #sizing}).
   */
  private boolean guardedStarved;

  /** When a deferred start of a worker for guarded runs was last logged. */
  private long deferredLine = System.nanoTime() - TimeUnit.MINUTES.toNanos(2);

  /**
   * Starts {@code limits.poolSize()} workers in the background; runs wait (within their timeout)
   * until one is ready.
   *
   * @param heap each worker's heap cap, as {@code -Xmx} takes it ({@code 256m})
   * @param niceness how much lower than the server's the workers' CPU priority is (0 to 19)
   */
  public WorkerPool(SandboxLimits limits, String heap, int niceness, TranspileCache compiled) {
    this(limits, limits.poolSize(), 1, heap, niceness, false, compiled);
  }

  /**
   * @param atRest how many of the {@code limits.poolSize()} serving workers run until one ends
   *     before its time (killed, out of memory): the pool then grows to its size, and stays so (see
   *     {@link #grow})
   * @param guardedWorkers how many workers there may be, besides the serving ones, for the runs of
   *     scripts that were slow lately ({@link WorkerShares}); they start when such a run first
   *     waits for one, and run lower as a whole (under {@code SCHED_IDLE} where chrt can set it,
   *     else at {@code niceness}), from their start
   * @param shortRunsAtServerPriority whether a worker runs each script's first 10 ms at the
   *     server's priority and only the rest lower ({@link RunnerThreads}, Linux), instead of the
   *     whole worker lower
   */
  public WorkerPool(
      SandboxLimits limits,
      int atRest,
      int guardedWorkers,
      String heap,
      int niceness,
      boolean shortRunsAtServerPriority,
      TranspileCache compiled) {
    this(
        limits,
        atRest,
        guardedWorkers,
        heap,
        niceness,
        shortRunsAtServerPriority,
        compiled,
        new IdleCpu(IdleCpu.PROC_STAT));
  }

  /** As above, with where it reads how much CPU went unused ({@link IdleCpu}). */
  WorkerPool(
      SandboxLimits limits,
      int atRest,
      int guardedWorkers,
      String heap,
      int niceness,
      boolean shortRunsAtServerPriority,
      TranspileCache compiled,
      IdleCpu idleCpu) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.idleCpu = Objects.requireNonNull(idleCpu, "idleCpu");
    if (atRest < 1 || atRest > limits.poolSize()) {
      throw new IllegalArgumentException(
          "workers at rest must be 1 to " + limits.poolSize() + ", was " + atRest);
    }
    if (guardedWorkers < 1) {
      throw new IllegalArgumentException(
          "workers for guarded runs must be at least 1, was " + guardedWorkers);
    }
    this.wanted = atRest;
    this.guardedWorkers = guardedWorkers;
    this.shares = new WorkerShares(guardedWorkers, limits.timeout());
    this.heap = Objects.requireNonNull(heap, "heap");
    this.compiled = Objects.requireNonNull(compiled, "compiled");
    try {
      this.sockets =
          Files.createTempDirectory(
              "slipway-sandbox-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a directory for the sandbox workers' sockets", e);
    }
    // written once, where only this user can reach it, and loaded from there by every worker
    this.swcLibrary = SwcLibrary.fileName().map(sockets::resolve);
    this.command = WorkerCommand.of(heap, niceness, shortRunsAtServerPriority, limits, swcLibrary);
    this.guardedCommand = WorkerCommand.guarded(heap, niceness, limits, swcLibrary);
    command
        .noJit()
        .ifPresentOrElse(
            why ->
                LOG.warn("sandbox workers run scripts interpreted, several times slower: {}", why),
            () ->
                LOG.info(
                    "sandbox workers run scripts with the Graal JIT{}",
                    command
                        .aotCache()
                        .map(cache -> " and start from the AOT cache " + cache)
                        .orElse("")));
    this.supervisor = NamedThreads.scheduler("slipway-sandbox-supervisor");
    this.starter = Executors.newCachedThreadPool(NamedThreads.daemon("slipway-sandbox-starter"));
    long tick = Math.clamp(limits.timeout().toMillis() / 10, 10, 100);
    supervisor.scheduleWithFixedDelay(this::killOverdue, tick, tick, TimeUnit.MILLISECONDS);
    supervisor.scheduleWithFixedDelay(this::watchGuardedStarts, 0, 1, TimeUnit.SECONDS);
    // one worker first, the others once it is ready: on a small machine every worker starting
    // beside the server (each a JVM, its JIT and its warm-up) made the first ready seconds later
    starter.execute(() -> startWorker(false));
    // beside the first worker's start, not before it: a worker loads it at its first TypeScript
    // compile
    this.swcWritten =
        swcLibrary
            .map(file -> CompletableFuture.runAsync(() -> SwcLibrary.write(file), starter))
            .orElse(CompletableFuture.completedFuture(null));
  }

  @Override
  public SandboxLimits limits() {
    return limits;
  }

  /**
   * Workers alive (serving and for guarded runs), the idle serving ones, how many were replaced
   * after ending, and how many times a worker made a script's function ahead of its runs ({@link
   * #prepare}).
   */
  public record Stats(int workers, int idle, long replaced, long prepared) {}

  public Stats stats() {
    return new Stats(all.size(), idle(), replaced.get(), prepared.get());
  }

  /** Ready serving workers with nothing in their pipeline. */
  private int idle() {
    return (int)
        taking.stream().filter(worker -> !worker.guarded && worker.load.get() == 0).count();
  }

  @Override
  public Map<String, Object> health() {
    var health = new java.util.LinkedHashMap<String, Object>();
    health.put("mode", "workers");
    health.put("workers", all.stream().filter(worker -> !worker.guarded).count());
    synchronized (sizing) {
      health.put("target", wanted);
    }
    health.put("idle", idle());
    health.put("guarded", all.stream().filter(worker -> worker.guarded).count());
    health.put("replaced", replaced.get());
    health.put("prepared", prepared.get());
    health.put("heap", heap);
    health.put("runs", runs.get());
    health.put("waiting", waiting.get());
    health.put("memoryBytes", residentBytes());
    health.put("jit", command.noJit().isEmpty());
    health.put("aotCache", command.aotCache().isPresent());
    health.put("hop", hops.summary());
    return health;
  }

  @Override
  public boolean started() {
    return firstReady.get();
  }

  /**
   * The resident memory of the live workers together, in bytes, from {@code /proc} (0 where there
   * is none).
   */
  private long residentBytes() {
    long bytes = 0;
    for (long pid : pids()) {
      try {
        String[] statm =
            java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/statm"))
                .split(" ");
        bytes += Long.parseLong(statm[1]) * 4096;
      } catch (java.io.IOException | RuntimeException e) {
        // no /proc here, or the worker just ended
      }
    }
    return bytes;
  }

  /** The process ids of the live workers. */
  public List<Long> pids() {
    return all.stream().map(worker -> worker.process.pid()).toList();
  }

  /** The process ids of the live serving workers (not those for guarded runs). */
  public List<Long> servingPids() {
    return all.stream()
        .filter(worker -> !worker.guarded)
        .map(worker -> worker.process.pid())
        .toList();
  }

  @Override
  public CompiledScript compile(String name, String source, ScriptLanguage language)
      throws ScriptCompileException {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(language, "language");
    ensureOpen();
    String key =
        Json.sha256(
            COMPILE_VERSION + "\n" + Prelude.WRAPPER_START + "\n" + language + "\n" + source);
    var known = compiled.get(key);
    if (known.isPresent()) {
      return new CompiledScript(name, language, known.get());
    }
    if (language == ScriptLanguage.TYPESCRIPT) {
      swcWritten.join();
    }
    long until = System.nanoTime() + COMPILE_LIMIT.toNanos();
    for (int attempt = 1; ; attempt++) {
      Worker worker = besideRuns(language);
      boolean alone = worker == null;
      if (alone) {
        worker = claim(until, lastCompiler, null).worker();
        if (worker == null) {
          throw new IllegalStateException("no sandbox worker became ready within " + COMPILE_LIMIT);
        }
        lastCompiler = worker;
      }
      var exchange = new Waiting(COMPILE_LIMIT.toNanos(), alone);
      worker.send(
          exchange,
          wire ->
              wire.kind(WorkerWire.COMPILE).string(name).string(language.name()).string(source));
      Reply reply = exchange.next();
      if (language == ScriptLanguage.TYPESCRIPT && !(reply instanceof Reply.Lost)) {
        worker.stripsTypes = true;
      }
      switch (reply) {
        case Reply.Compiled c -> {
          compiled.put(key, c.javascript());
          return new CompiledScript(name, language, c.javascript());
        }
        case Reply.CompileError e -> throw new ScriptCompileException(name, e.line(), e.detail());
        case Reply.Lost lost -> {
          Integer exit = lost.started() ? worker.stop() : null;
          if (exit != null && exit == OutOfMemory.EXIT) {
            throw new IllegalStateException(
                "compiling '"
                    + name
                    + "' needed more memory than a sandbox worker has ("
                    + heap
                    + "); raise SLIPWAY_SANDBOX_WORKER_HEAP",
                lost.cause());
          }
          if (attempt > 1 || worker.overdue) {
            throw new IllegalStateException(
                "the sandbox worker that compiled '"
                    + name
                    + "' failed: "
                    + lost.cause().getMessage(),
                lost.cause());
          }
          // compiling has no effects: another worker can try (this one may have been killed while
          // idle)
          LOG.warn(
              "sandbox worker {} ended while compiling '{}'; trying another", worker.number, name);
        }
        default ->
            throw new IllegalStateException(
                "sandbox worker " + worker.number + " answered a compile out of turn");
      }
    }
  }

  /**
   * Sends the script to every serving worker, which keeps it and makes its function, and waits
   * until each has (or has ended). Each goes beside the runs in that worker's pipeline, even a full
   * one: it takes milliseconds. Skipped are the workers it would wait long in (one held alone, or
   * whose current run has gone on past {@link #LONG_RUN}); they, and a worker started later, get
   * the script with its first run.
   */
  @Override
  public void prepare(CompiledScript script) {
    Objects.requireNonNull(script, "script");
    ensureOpen();
    var sent = new ArrayList<Waiting>();
    long now = System.nanoTime();
    for (Worker worker : taking) {
      if (worker.guarded || worker.alone.get() > 0 || worker.longAtHead(now)) continue;
      var exchange = new Waiting(limits.timeout().toNanos() + GRACE.toNanos(), false);
      worker.load.incrementAndGet();
      worker.send(exchange, wire -> worker.writePrepare(wire, script));
      sent.add(exchange);
    }
    for (Waiting exchange : sent) {
      // a worker that ended meanwhile answers Lost: its replacement gets the script with a run
      if (exchange.next() instanceof Reply.Prepared) prepared.incrementAndGet();
    }
  }

  @Override
  public ScriptOutcome run(CompiledScript script, Object ctxData, ScriptHost host) {
    return start(script, ctxData, host).join();
  }

  /**
   * Sends the run to a worker and returns; the worker's reader thread answers the run's questions
   * and completes the outcome. Only the write of the run happens on the calling thread; when no
   * worker has room, the wait for one (within the timeout) happens on a virtual thread.
   */
  @Override
  public CompletableFuture<ScriptOutcome> start(
      CompiledScript script, Object ctxData, ScriptHost host) {
    Objects.requireNonNull(script, "script");
    Objects.requireNonNull(host, "host");
    if (ctxData != null && !(ctxData instanceof Map<?, ?>)) {
      throw new IllegalArgumentException(
          "ctxData must be a Map, was " + ctxData.getClass().getName());
    }
    ensureOpen();
    runs.incrementAndGet();
    var run =
        new Run(
            script,
            ctxData == null ? "{}" : json.write(ctxData),
            host,
            new WorkerShares.Owner(host.org(), script.id()));
    run.dispatch(false);
    return run.outcome;
  }

  /**
   * One run, from its dispatch to its outcome. What its worker says of it is handled on that
   * worker's reader thread: questions are answered there (the worker waits for the answer and says
   * nothing else meanwhile), and the outcome is completed there. What may block for long (waiting
   * for room in another worker, waiting for a dead worker's exit status) is done {@linkplain #aside
   * aside}, so that the reader thread keeps reading.
   */
  private final class Run {
    final CompiledScript script;
    final String input;
    final ScriptHost host;
    final WorkerShares.Owner owner;
    final long start = System.nanoTime();
    final CompletableFuture<ScriptOutcome> outcome = new CompletableFuture<>();

    /**
     * Whether the run already went to a second worker; read and written by one thread at a time.
     */
    private boolean retried;

    /** How the run was claimed where it went last: guarded, alone; null until it went anywhere. */
    private Claim claimed;

    Run(CompiledScript script, String input, ScriptHost host, WorkerShares.Owner owner) {
      this.script = script;
      this.input = input;
      this.host = host;
      this.owner = owner;
    }

    /**
     * Sends the run to the first worker with room, or ends it when none had room in time. Only when
     * {@code mayWait} does it wait for room on the calling thread; otherwise, when no worker has
     * room at once, the wait goes {@linkplain #aside aside}. The caller may be the selector, or a
     * reader thread reading a connection's next request (DataPlaneServer.Threads): the one thread
     * that would make the room it waits for.
     */
    void dispatch(boolean mayWait) {
      Claim claim =
          claim(mayWait ? start + limits.timeout().toNanos() : System.nanoTime(), null, owner);
      if (claim.worker() == null && claim.refusedFor() == 0 && !mayWait) {
        aside(() -> dispatch(true));
        return;
      }
      if (claim.worker() == null) {
        if (claim.refusedFor() == 0 && owner != null) unserved(owner);
        String why =
            claim.quarantined() != null
                ? claim.quarantined().why
                    + ", so its runs are refused for "
                    + claim.refusedFor()
                    + " s"
                : claim.refusedFor() > 0
                    ? "its script has been slow lately and already has its share of the sandbox workers running and waiting"
                    : "no sandbox worker came free within "
                        + limits.timeout().toMillis()
                        + " ms ("
                        + all.size()
                        + " running)";
        end(
            new ScriptOutcome.Exceeded(
                ScriptOutcome.Limit.CAPACITY,
                why + "; retry shortly",
                List.of(),
                Duration.ofNanos(System.nanoTime() - start),
                Math.max(1, claim.refusedFor())));
        return;
      }
      claimed = claim;
      sendTo(claim.worker(), false);
    }

    private void sendTo(Worker worker, boolean resend) {
      worker.send(
          new Sent(worker, claimed.alone()), wire -> worker.writeRun(wire, script, input, resend));
    }

    /** The run as sent to one worker. */
    private final class Sent extends Exchange {
      final Worker worker;

      /** Whether the script asked the host anything (and so may have had effects). */
      private boolean asked;

      Sent(Worker worker, boolean alone) {
        super(limits.timeout().toNanos() + GRACE.toNanos(), alone);
        this.worker = worker;
      }

      @Override
      WorkerShares.Owner owner() {
        return owner;
      }

      @Override
      void post(Reply reply) {
        try {
          switch (reply) {
            case Reply.Question question -> {
              asked = true;
              worker.answer(answerTo(question, host));
            }
            case Reply.Finished finished -> {
              hops.record(finished.at() - headSince - elapsedOf(finished.outcome()));
              end(finished.outcome(), finished.cpuNanos());
            }
            // the worker dropped the script since it was sent there: send it along again
            case Reply.Unknown unknown ->
                aside(
                    () -> {
                      worker.load.incrementAndGet();
                      if (alone) worker.alone.incrementAndGet();
                      sendTo(worker, true);
                    });
            case Reply.Lost lost -> aside(() -> lost(this, lost));
            default ->
                throw new IllegalStateException(
                    "sandbox worker " + worker.number + " answered a run out of turn");
          }
        } catch (RuntimeException | StackOverflowError e) {
          LOG.error("a run in sandbox worker {} failed in the server", worker.number, e);
          end(
              new ScriptOutcome.Failure(
                  "InternalError: the script's sandbox worker failed",
                  List.of(),
                  Duration.ofNanos(System.nanoTime() - start)));
        }
      }
    }

    /**
     * The worker ended. A run it never began, or one that failed before it asked anything (the
     * worker was killed while idle, say), had no effects and goes to another worker, once; one that
     * ran out of memory or time is the script's doing.
     */
    private void lost(Sent sent, Reply.Lost lost) {
      if (lost.started()) {
        ScriptOutcome ended = ended(sent.worker, sent, lost.cause());
        if (sent.asked || !(ended instanceof ScriptOutcome.Failure)) {
          end(ended);
          return;
        }
      }
      if (retried) {
        end(
            new ScriptOutcome.Failure(
                "InternalError: the script's sandbox worker failed",
                List.of(),
                Duration.ofNanos(System.nanoTime() - start)));
        return;
      }
      retried = true;
      release(0, null);
      dispatch(true);
    }

    private void end(ScriptOutcome result) {
      end(result, result instanceof ScriptOutcome.Timeout t ? t.limit().toNanos() : 0);
    }

    /**
     * Ends the run; {@code cpuNanos}: what it cost its worker, by which its script is judged slow
     * or not.
     */
    private void end(ScriptOutcome result, long cpuNanos) {
      release(cpuNanos, result);
      try {
        host.ranFor(cpuNanos);
      } catch (RuntimeException ignored) {
        // as log: a broken meter must not fail scripts
      }
      for (LogLine line : result.logs()) {
        try {
          host.log(line.level(), line.message());
        } catch (RuntimeException ignored) {
          // the ScriptHost contract says log must not throw; a broken log sink must not fail
          // scripts
        }
      }
      outcome.complete(result);
    }

    /**
     * Tells the shares the run is over where it went (after {@code took} of its own time, ending
     * with {@code result}, or null if it is to go elsewhere), once.
     */
    private void release(long took, ScriptOutcome result) {
      Claim was = claimed;
      if (was == null) return;
      claimed = null;
      boolean outOfMemory =
          result instanceof ScriptOutcome.Exceeded e && e.limit() == ScriptOutcome.Limit.MEMORY;
      // not a timeout: a quick script starved of CPU on a busy machine reaches it too
      boolean runaway = result instanceof ScriptOutcome.StatementLimit;
      boolean timedOut = result instanceof ScriptOutcome.Timeout;
      dispatch.lock();
      try {
        if (result == null) shares.withdrawn(owner, was.guarded());
        else
          shares.finished(
              owner, was.guarded(), took, outOfMemory, runaway, timedOut, System.nanoTime());
      } finally {
        dispatch.unlock();
      }
      roomMade(was.alone());
    }
  }

  /** A run of the owner waited for a worker until its time was up. */
  private void unserved(WorkerShares.Owner owner) {
    dispatch.lock();
    try {
      shares.unserved(owner, System.nanoTime());
    } finally {
      dispatch.unlock();
    }
  }

  /** Runs what may block off a worker's reader thread. */
  private void aside(Runnable task) {
    aside.execute(task);
  }

  /** Answers a worker's question with the host's result, or refuses with its failure's message. */
  private Reply.Answer answerTo(Reply.Question question, ScriptHost host) {
    try {
      return new Reply.Answer(
          WorkerWire.ANSWER,
          switch (question.kind()) {
            case WorkerWire.QUERY ->
                json.write(host.query(question.text(), json.readObject(question.params())));
            case WorkerWire.SECRET -> host.secret(question.text()).orElse(null);
            default -> json.write(host.fetch(json.readObject(question.text())));
          });
    } catch (RuntimeException e) {
      return new Reply.Answer(
          WorkerWire.REFUSE,
          e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
    }
  }

  /** The script's own time as its worker measured it; zero when it did not say. */
  private static long elapsedOf(ScriptOutcome outcome) {
    return switch (outcome) {
      case ScriptOutcome.Success s -> s.elapsed().toNanos();
      case ScriptOutcome.Failure f -> f.elapsed().toNanos();
      case ScriptOutcome.StatementLimit l -> l.elapsed().toNanos();
      case ScriptOutcome.Exceeded e -> e.elapsed().toNanos();
      case ScriptOutcome.Timeout t -> 0;
    };
  }

  /**
   * The outcome of a run whose worker stopped answering: it was killed, ran out of memory, or
   * broke.
   */
  private ScriptOutcome ended(Worker worker, Exchange exchange, Exception cause) {
    Duration elapsed = Duration.ofNanos(Math.max(0, System.nanoTime() - exchange.headSince));
    Integer exit = worker.stop();
    if (worker.overdue) {
      return new ScriptOutcome.Timeout(limits.timeout(), List.of());
    }
    if (exit != null && exit == OutOfMemory.EXIT) {
      LOG.warn(
          "sandbox worker {} ran out of its {} heap running a script; it is being replaced",
          worker.number,
          heap);
      return OutOfMemory.outcome(heap, List.of(), elapsed);
    }
    LOG.error("sandbox worker {} failed during a run (exit status {})", worker.number, exit, cause);
    return new ScriptOutcome.Failure(
        "InternalError: the script's sandbox worker failed", List.of(), elapsed);
  }

  /**
   * Always: a run that finds no worker with room waits for one on a virtual thread, not on the
   * caller's.
   */
  @Override
  public boolean startsAtOnce() {
    return true;
  }

  /**
   * Where a run or compile goes: {@code worker}, counting it as guarded (its owner's share) and
   * alone (the worker takes nothing else meanwhile); or, with no worker, refused for {@code
   * refusedFor} seconds (its owner is {@code quarantined}, for that reason, or has its share
   * waiting), or, with {@code refusedFor} 0, no worker had room in time.
   */
  private record Claim(
      Worker worker,
      boolean guarded,
      boolean alone,
      long refusedFor,
      WorkerShares.Refusal quarantined) {
    static final Claim NONE = new Claim(null, false, false, 0, null);
  }

  /**
   * Picks the worker for the next run of {@code owner} (null: a compile) and counts it there,
   * waiting until {@code until} ({@link System#nanoTime}) for room. What the run may take follows
   * {@link WorkerShares}: a run of an owner that was slow lately goes alone to {@linkplain
   * #guardedWorker an idle worker for guarded runs}, and a compile alone to an idle serving worker;
   * any other run goes to a serving worker with room that holds no run alone, an idle one first,
   * then {@code preferred}, then the one with the fewest runs in its pipeline, a worker whose
   * current run has gone on for over {@link #LONG_RUN} last. While a compile waits to go alone, the
   * least loaded serving worker takes no more runs, so that it comes free.
   */
  private Claim claim(long until, Worker preferred, WorkerShares.Owner owner) {
    waiting.incrementAndGet();
    dispatch.lock();
    boolean waitedAlone = false;
    boolean counted = false;
    boolean waitedGuarded = false;
    try {
      while (true) {
        long now = System.nanoTime();
        noteLongRuns(now);
        boolean guarded = owner != null && shares.slowLately(owner, now);
        boolean alone = owner == null || guarded;
        if (owner != null) {
          long quarantined = shares.quarantinedFor(owner, now);
          if (quarantined > 0) {
            return new Claim(null, false, false, quarantined, shares.refusal(owner));
          }
        }
        Worker best =
            owner != null && shares.onTrial(owner)
                ? null
                : guarded && !shares.mayStartGuarded(owner)
                    ? null
                    : guarded
                        ? guardedWorker(preferred, shares.stoppedLately(owner, now))
                        : alone ? idleWorker(preferred, false) : pipelinedWorker(preferred, now);
        if (best != null) {
          best.load.incrementAndGet();
          if (alone) best.alone.incrementAndGet();
          if (guarded) shares.startedGuarded(owner);
          if (owner != null) shares.sent(owner);
          return new Claim(best, guarded, alone, 0, null);
        }
        if (alone && owner != null && !counted) {
          if (shares.waitingFull(owner)) return new Claim(null, false, false, 1, null);
          shares.waits(owner, 1);
          counted = true;
        }
        if (guarded && !waitedGuarded) {
          guardedWaiters++;
          waitedGuarded = true;
        }
        if (owner == null && !waitedAlone) {
          compilesWaiting++;
          waitedAlone = true;
        }
        long left = until - now;
        if (left <= 0 || closed) {
          return Claim.NONE;
        }
        (alone ? idleRoom : room).awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Claim.NONE;
    } finally {
      if (counted) shares.waits(owner, -1);
      if (waitedAlone) compilesWaiting--;
      if (waitedGuarded) {
        guardedWaiters--;
        guardedWanted = System.nanoTime();
      }
      dispatch.unlock();
      waiting.decrementAndGet();
    }
  }

  /**
   * The worker a guarded run goes to alone: an idle worker for guarded runs, started if there is
   * none yet. Until one is ready (it takes seconds to start, and longer under {@code SCHED_IDLE} on
   * a busy host), or while one that ended is replaced, an idle serving worker that leaves another
   * ready serving worker to everyone else; with one serving worker, none. Null if none may take it
   * now.
   *
   * @param stopped whether the run's script was stopped at a limit lately: a worker for guarded
   *     runs starts for it only with a CPU to spare
   */
  private Worker guardedWorker(Worker preferred, boolean stopped) {
    Worker idle = idleWorker(preferred, true);
    if (idle != null) return idle;
    guardedWanted = System.nanoTime();
    startGuarded(stopped);
    for (Worker worker : taking) {
      if (worker.guarded && !worker.broken) return null;
    }
    Worker serving = idleWorker(preferred, false);
    if (serving == null) return null;
    for (Worker worker : taking) {
      // not one that has ended and is still listed: its run alone has just left it
      if (!worker.guarded && worker != serving && worker.alone.get() == 0 && !worker.broken)
        return serving;
    }
    return null;
  }

  /**
   * A worker for a compile that takes milliseconds there, counted beside its runs rather than
   * alone, so that no worker is drained for it: a JavaScript compile (a parse) may go to any
   * serving worker, a TypeScript one only where the type stripper is loaded (the first load takes a
   * few hundred milliseconds, which runs must not wait behind). The least loaded such worker, one
   * whose current run has gone on past {@link #LONG_RUN} last; a full pipeline takes it too. Null
   * if there is none: the compile then goes alone, through {@link #claim}.
   */
  private Worker besideRuns(ScriptLanguage language) {
    dispatch.lock();
    try {
      long now = System.nanoTime();
      Worker best = null;
      long bestRank = Long.MAX_VALUE;
      for (Worker worker : taking) {
        if (worker.guarded || worker.broken || worker.alone.get() > 0) continue;
        if (language == ScriptLanguage.TYPESCRIPT && !worker.stripsTypes) continue;
        int load = worker.load.get();
        long rank = load + (worker.longAtHead(now) ? PIPELINE : 0);
        if (rank < bestRank) {
          best = worker;
          bestRank = rank;
        }
      }
      if (best != null) best.load.incrementAndGet();
      return best;
    } finally {
      dispatch.unlock();
    }
  }

  /**
   * An idle worker of the kind asked for (one for guarded runs, or a serving one), {@code
   * preferred} if it is one; null if none is idle.
   */
  private Worker idleWorker(Worker preferred, boolean guarded) {
    Worker idle = null;
    for (Worker worker : taking) {
      if (worker.guarded == guarded
          && worker.hasRoom()
          && worker.load.get() == 0
          && (idle == null || worker == preferred)) idle = worker;
    }
    return idle;
  }

  /** The worker a pipelined run goes to (see {@link #claim}); null if none has room for it. */
  private Worker pipelinedWorker(Worker preferred, long now) {
    // while a compile waits to go alone, the least loaded serving worker is drained for it (a
    // deploy must not wait on traffic), even the last one
    Worker freeing = null;
    if (compilesWaiting > 0) {
      for (Worker worker : taking) {
        if (worker.guarded || !worker.hasRoom() || worker.alone.get() > 0) continue;
        if (freeing == null || worker.load.get() < freeing.load.get()) freeing = worker;
      }
    }
    Worker best = null;
    long bestRank = Long.MAX_VALUE;
    for (Worker worker : taking) {
      if (worker.guarded || !worker.hasRoom() || worker.alone.get() > 0 || worker == freeing)
        continue;
      int load = worker.load.get();
      long rank =
          load == 0
              ? (worker == preferred ? 0 : 1)
              : 2 + load + (worker.longAtHead(now) ? PIPELINE : 0);
      if (rank < bestRank) {
        best = worker;
        bestRank = rank;
      }
    }
    return best;
  }

  /**
   * Guards the owners of runs that have been at the head of their worker's pipeline past {@link
   * WorkerShares#LONG_HEAD}.
   */
  private void noteLongRuns(long now) {
    for (Worker worker : taking) {
      Exchange head = worker.head();
      if (head != null
          && head.owner() != null
          && now - head.headSince > WorkerShares.LONG_HEAD.toNanos()) {
        shares.runningLong(head.owner(), now);
      }
    }
  }

  /**
   * Wakes the threads waiting in {@link #claim}, if any: a pipeline has room, a worker is new, or a
   * share freed up. All of them: they wait for different things (any room, an idle worker, their
   * owner's share), and the one a single signal woke might not be the one that can go.
   *
   * @param forAlone whether runs that go alone may go now too (a worker may be idle, or a guarded
   *     share is free)
   */
  private void roomMade(boolean forAlone) {
    if (waiting.get() > 0) {
      dispatch.lock();
      try {
        room.signalAll();
        if (forAlone) idleRoom.signalAll();
      } finally {
        dispatch.unlock();
      }
    }
  }

  /** Starts a worker, a serving one or one for guarded runs, and waits until it is ready. */
  private void startWorker(boolean guarded) {
    if (closed) {
      return;
    }
    Worker worker;
    try {
      int number = numbers.incrementAndGet();
      worker =
          new Worker(
              number,
              guarded,
              guarded ? guardedCommand.command(number) : command.command(number),
              sockets,
              System.nanoTime() + STARTUP_LIMIT.toNanos());
    } catch (IOException e) {
      String why = "cannot start a sandbox worker: " + e.getMessage();
      if (guarded) guardedEnded(why);
      else retryStart(why);
      return;
    }
    all.add(worker);
    worker.process.onExit().thenRun(() -> exited(worker));
    worker.deadline = System.nanoTime() + STARTUP_LIMIT.toNanos();
    try {
      byte kind = worker.wire.readKind();
      if (kind != WorkerWire.READY) {
        throw new IOException("it said '" + (char) kind + "' instead of ready");
      }
    } catch (IOException e) {
      worker.broken = true;
      worker.process.destroyForcibly();
      if (!closed && !worker.unwanted) {
        LOG.error("sandbox worker {} did not start: {}", worker.number, e.getMessage());
      }
      return;
    } finally {
      worker.deadline = Worker.IDLE;
    }
    worker.ready = true;
    failedStarts.set(0);
    LOG.debug(
        "sandbox worker {} (pid {}{}) is ready",
        worker.number,
        worker.process.pid(),
        guarded ? ", for guarded runs" : "");
    synchronized (sizing) {
      if (guarded) guardedStarved = false;
      if (!guarded && firstReady.compareAndSet(false, true)) {
        for (int i = 1; i < wanted; i++) {
          starter.execute(() -> startWorker(false));
        }
      }
    }
    if (closed) {
      worker.process.destroyForcibly();
      return;
    }
    NamedThreads.startDaemon("slipway-sandbox-reader-" + worker.number, worker::read);
    taking.add(worker);
    roomMade(true);
  }

  /** A worker ended: drop it and start another, backing off while workers keep failing to start. */
  private void exited(Worker worker) {
    all.remove(worker);
    taking.remove(worker);
    if (closed) {
      return;
    }
    if (worker.guarded) {
      LOG.info(
          "sandbox worker {} (pid {}, for guarded runs) ended with exit status {}",
          worker.number,
          worker.process.pid(),
          worker.process.exitValue());
      guardedEnded(
          worker.ready || worker.unwanted
              ? null
              : "sandbox worker "
                  + worker.number
                  + " ended before it was ready (exit status "
                  + worker.process.exitValue()
                  + ")");
      // a guarded run waiting for it starts another
      roomMade(true);
      return;
    }
    replaced.incrementAndGet();
    LOG.info(
        "sandbox worker {} (pid {}) ended with exit status {}; starting another",
        worker.number,
        worker.process.pid(),
        worker.process.exitValue());
    if (!worker.ready) {
      retryStart(
          "sandbox worker "
              + worker.number
              + " ended before it was ready (exit status "
              + worker.process.exitValue()
              + ")");
    } else {
      grow("sandbox worker " + worker.number + " ended");
      starter.execute(() -> startWorker(false));
    }
  }

  /**
   * Starts the serving workers the pool has beyond those at rest, once one has ended before its
   * time. Until then a small host runs fewer worker JVMs (each holds 250–300 MB); from then on the
   * pool keeps its full size, until the server stops.
   */
  private void grow(String why) {
    synchronized (sizing) {
      if (wanted >= limits.poolSize()) return;
      int more = limits.poolSize() - wanted;
      wanted = limits.poolSize();
      LOG.info("starting {} more sandbox worker(s), {} in all: {}", more, wanted, why);
      if (!firstReady.get()) return;
      for (int i = 0; i < more; i++) {
        starter.execute(() -> startWorker(false));
      }
    }
  }

  /**
   * Starts the workers for guarded runs that are not running or starting, as a guarded run waits
   * for one; not for a while after one failed to start, nor, for a run of a script {@code stopped}
   * at a limit lately or after a start starved, while the host has less than {@link
   * #GUARDED_START_IDLE} of its CPU unused. Those that start are kept until they end.
   */
  private void startGuarded(boolean stopped) {
    synchronized (sizing) {
      if (closed || guardedLive >= guardedWorkers || System.nanoTime() - guardedNotBefore < 0)
        return;
      double unused = idleCpu.leastIdle();
      if ((guardedStarved || stopped) && unused < GUARDED_START_IDLE) {
        if (System.nanoTime() - deferredLine > TimeUnit.MINUTES.toNanos(1)) {
          deferredLine = System.nanoTime();
          LOG.info(
              "a worker for guarded runs waits for the host's CPU to go unused ({} CPUs' worth in"
                  + " the least of the last {} seconds; it starts at {}), and guarded runs wait or"
                  + " are refused meanwhile",
              String.format("%.2f", unused),
              IdleCpu.KEPT,
              GUARDED_START_IDLE);
        }
        return;
      }
      int more = guardedWorkers - guardedLive;
      guardedLive = guardedWorkers;
      LOG.info("starting {} sandbox worker(s) for the runs of scripts that were slow lately", more);
      for (int i = 0; i < more; i++) {
        starter.execute(() -> startWorker(true));
      }
    }
  }

  /**
   * A worker for guarded runs ended, or could not be started; {@code failure} says why it failed to
   * start, null if it did not fail (it was ready, or stopped as unwanted). After a failure the next
   * start waits, longer the more failed in a row.
   */
  private void guardedEnded(String failure) {
    synchronized (sizing) {
      guardedLive--;
      if (failure == null) {
        guardedFailures = 0;
        return;
      }
      long delayMillis = backoffMillis(++guardedFailures);
      guardedNotBefore = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
      LOG.error(
          "{}; the next guarded run that waits starts another after {} ms", failure, delayMillis);
    }
  }

  /**
   * How long the next start waits after {@code failures} failed in a row: 0.5 s doubling, 30 s at
   * most.
   */
  private static long backoffMillis(int failures) {
    return Math.min(30_000, 250L << Math.min(failures, 7));
  }

  private void retryStart(String why) {
    long delayMillis = backoffMillis(failedStarts.incrementAndGet());
    LOG.error("{}; trying again in {} ms", why, delayMillis);
    if (!closed) {
      supervisor.schedule(
          () -> starter.execute(() -> startWorker(false)), delayMillis, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Once a second: reads what CPU went unused ({@link IdleCpu}) and stops each worker for guarded
   * runs still starting that has been starved for {@link #STARVED_SECONDS}; the next starts once
   * there is CPU to spare.
   */
  private void watchGuardedStarts() {
    idleCpu.sample();
    double unused = idleCpu.idle();
    for (Worker worker : all) {
      if (!worker.guarded || worker.ready || worker.unwanted) continue;
      long cpu = worker.process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
      double own = worker.lastCpu < 0 || cpu < 0 ? 0 : (cpu - worker.lastCpu) / 1e9;
      worker.lastCpu = cpu;
      if (Double.isNaN(unused) || unused + own >= GUARDED_START_IDLE) {
        worker.starved = 0;
      } else if (++worker.starved >= STARVED_SECONDS) {
        worker.unwanted = true;
        synchronized (sizing) {
          guardedStarved = true;
        }
        LOG.info(
            "sandbox worker {} for guarded runs is stopped before it was ready: it got {} CPUs' worth"
                + " in the last second, with what the host left unused, for {} s; the next starts"
                + " once there is CPU to spare",
            worker.number,
            String.format("%.2f", unused + own),
            STARVED_SECONDS);
        worker.process.destroyForcibly();
      }
    }
  }

  /**
   * Kills workers that are past their deadline, the thread waiting on one then sees it end; and
   * stops workers for guarded runs still starting that no guarded run has waited for in {@link
   * #UNWANTED_START}.
   */
  private void killOverdue() {
    long now = System.nanoTime();
    boolean guardedUnwanted = guardedWaiters == 0 && now - guardedWanted > UNWANTED_START.toNanos();
    for (Worker worker : all) {
      long due = worker.deadline;
      if (due != Worker.IDLE && now - due > 0 && !worker.overdue) {
        worker.overdue = true;
        LOG.warn("sandbox worker {} missed its deadline and is being killed", worker.number);
        worker.process.destroyForcibly();
      } else if (guardedUnwanted && worker.guarded && !worker.ready && !worker.unwanted) {
        worker.unwanted = true;
        LOG.info(
            "sandbox worker {} for guarded runs is stopped before it was ready: no guarded run has"
                + " waited for one in {} s",
            worker.number,
            UNWANTED_START.toSeconds());
        worker.process.destroyForcibly();
      }
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the script sandbox is closed");
    }
  }

  /** Stops every worker; runs still in flight end as failures. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    dispatch.lock();
    try {
      room.signalAll();
      idleRoom.signalAll();
    } finally {
      dispatch.unlock();
    }
    supervisor.shutdownNow();
    starter.shutdownNow();
    aside.shutdown();
    for (Worker worker : all) {
      if (command.records(worker.number)) {
        worker.endRecording();
      }
      worker.process.destroyForcibly();
    }
    try {
      if (swcLibrary.isPresent()) {
        Files.deleteIfExists(swcLibrary.get());
      }
      Files.deleteIfExists(sockets);
    } catch (IOException e) {
      LOG.debug("could not delete {}", sockets, e);
    }
  }

  /** What a worker's reader thread posts to the exchange at the head of its pipeline. */
  private sealed interface Reply {
    /**
     * {@code ctx.db.query} (text = SQL, params = JSON or null), {@code ctx.secrets.get} or {@code
     * ctx.fetch} (text = request JSON).
     */
    record Question(byte kind, String text, String params) implements Reply {}

    /**
     * @param cpuNanos the CPU time the run took in the worker
     */
    record Finished(ScriptOutcome outcome, long at, long cpuNanos) implements Reply {}

    /** The worker no longer had the script: it must be sent along again. */
    record Unknown() implements Reply {}

    record Compiled(String javascript) implements Reply {}

    /** The worker keeps the script and has made its function. */
    record Prepared() implements Reply {}

    record CompileError(int line, String detail) implements Reply {}

    /**
     * The worker ended; {@code started} whether it was working on this exchange (else it never saw
     * it).
     */
    record Lost(IOException cause, boolean started) implements Reply {}

    /**
     * Not a reply but what goes back: {@link WorkerWire#ANSWER} or {@link WorkerWire#REFUSE} and
     * the value.
     */
    record Answer(byte kind, String value) {}
  }

  /**
   * A run or compile sent to a worker. The worker's reader thread {@linkplain #post posts} what the
   * worker says of it, in order; it always posts something, a {@link Reply.Lost} at worst.
   */
  private abstract static class Exchange {
    /** How long the worker may take once this exchange is its current one. */
    final long limitNanos;

    /** Whether the worker takes nothing else while it is in the pipeline (see {@link #claim}). */
    final boolean alone;

    /**
     * When the worker began on it: when it was sent to an idle worker, or when the one before it
     * ended.
     */
    volatile long headSince;

    Exchange(long limitNanos, boolean alone) {
      this.limitNanos = limitNanos;
      this.alone = alone;
    }

    /** Whose run it is; null for a compile. */
    WorkerShares.Owner owner() {
      return null;
    }

    /** Called on the worker's reader thread; must not block for long. */
    abstract void post(Reply reply);
  }

  /** An exchange that a thread waits on for each reply (a compile, a prepare). */
  private static final class Waiting extends Exchange {
    final Thread waiter = Thread.currentThread();
    private final ConcurrentLinkedQueue<Reply> replies = new ConcurrentLinkedQueue<>();

    Waiting(long limitNanos, boolean alone) {
      super(limitNanos, alone);
    }

    @Override
    void post(Reply reply) {
      replies.add(reply);
      LockSupport.unpark(waiter);
    }

    /** Waits for the next reply; an interrupt does not end the wait, but is kept for the caller. */
    Reply next() {
      boolean interrupted = false;
      Reply reply;
      while ((reply = replies.poll()) == null) {
        LockSupport.park(this);
        interrupted |= Thread.interrupted();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return reply;
    }
  }

  /**
   * One worker process, the server's end of its channel, and its pipeline: the exchanges sent and
   * not yet finished, in the order sent, which is the order the worker takes them in. Any thread
   * may send (under the write lock); one reader thread reads everything the worker says and hands
   * it to the exchange at the head.
   */
  private final class Worker {
    static final long IDLE = Long.MIN_VALUE;
    private static final int KNOWN_LIMIT = 2048;

    final int number;

    /**
     * Whether it takes only guarded runs ({@link WorkerShares}), each alone, and runs lower as a
     * whole; a serving worker takes all other runs and the compiles.
     */
    final boolean guarded;

    final Process process;
    final SocketChannel channel;
    final WorkerWire wire;

    /** Runs and compiles counted to this worker by {@link #claim} and not yet finished. */
    final AtomicInteger load = new AtomicInteger();

    /** Of those, the ones that have the worker to themselves. */
    final AtomicInteger alone = new AtomicInteger();

    private final ReentrantLock writing = new ReentrantLock();

    /** Guarded by itself; {@link #broken} is set under the same monitor. */
    private final ArrayDeque<Exchange> pipeline = new ArrayDeque<>();

    /**
     * Ids of scripts this worker was sent (guarded by {@link #writing}); it may have dropped some,
     * and then says so.
     */
    private final Set<String> known = new HashSet<>();

    /** When the current exchange must have ended, or {@link #IDLE}. */
    volatile long deadline = IDLE;

    /** When the current exchange began ({@link System#nanoTime}); for {@link #claim}'s choice. */
    volatile long headStarted;

    volatile boolean overdue;
    volatile boolean ready;

    /** Whether it was stopped while starting: no guarded run waited for it, or it was starved. */
    volatile boolean unwanted;

    /** Its CPU time at the last {@link #watchGuardedStarts} (-1: not read yet). */
    long lastCpu = -1;

    /** Seconds in a row {@link #watchGuardedStarts} found it starved. */
    int starved;

    /** Whether it has compiled TypeScript, so that its type stripper is loaded. */
    volatile boolean stripsTypes;

    volatile boolean broken;

    /**
     * Whether it was asked to end by itself ({@link #endRecording}): its channel's end is then no
     * failure.
     */
    volatile boolean ending;

    /** The exchange the worker is on, or null. */
    Exchange head() {
      synchronized (pipeline) {
        return pipeline.peekFirst();
      }
    }

    /** An exchange left the pipeline: it no longer counts. */
    void left(Exchange exchange) {
      load.decrementAndGet();
      if (exchange.alone) alone.decrementAndGet();
    }

    /** Whether the exchange it is on has gone on for over {@link #LONG_RUN}. */
    boolean longAtHead(long now) {
      return load.get() > 0 && now - headStarted > LONG_RUN.toNanos();
    }

    /** Whether the worker can take another run now: it works, and its pipeline is not full. */
    boolean hasRoom() {
      return load.get() < PIPELINE && !broken;
    }

    /**
     * Starts the process and waits, until {@code deadline} ({@link System#nanoTime}), for it to
     * connect to a Unix socket made for it alone in {@code sockets}, a directory only this user can
     * enter. The channel is that socket, not stdout: what the JVM itself prints (JFR, thread dumps,
     * the out-of-memory notice) goes to stdout and must not garble it.
     */
    Worker(int number, boolean guarded, List<String> command, Path sockets, long deadline)
        throws IOException {
      this.number = number;
      this.guarded = guarded;
      Path socket = sockets.resolve("worker-" + number + ".sock");
      try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        listener.bind(UnixDomainSocketAddress.of(socket));
        listener.configureBlocking(false);
        List<String> arguments = new ArrayList<>(command);
        arguments.add(socket.toString());
        ProcessBuilder builder =
            new ProcessBuilder(arguments)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .directory(new File(System.getProperty("java.io.tmpdir")));
        // nothing of the server's environment (database URL, admin token, master key) reaches it
        builder.environment().clear();
        this.process = builder.start();
        SocketChannel connected;
        while ((connected = listener.accept()) == null) {
          if (!process.isAlive() || System.nanoTime() - deadline > 0) {
            process.destroyForcibly();
            throw new IOException(
                "sandbox worker "
                    + number
                    + " did not connect"
                    + (process.isAlive()
                        ? " in time"
                        : " (exit status " + process.waitFor() + ")"));
          }
          Thread.sleep(5);
        }
        connected.configureBlocking(true);
        this.channel = connected;
        this.wire =
            new WorkerWire(Channels.newInputStream(connected), Channels.newOutputStream(connected));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting a sandbox worker", e);
      } finally {
        Files.deleteIfExists(socket);
      }
    }

    /**
     * Puts {@code exchange} at the end of the pipeline and writes its frame, both under the write
     * lock so that the two orders agree. If the worker is gone, or the write fails (which ends the
     * worker), the exchange is answered {@link Reply.Lost} like the rest of the pipeline.
     */
    void send(Exchange exchange, WorkerWire.Frame frame) {
      writing.lock();
      try {
        synchronized (pipeline) {
          if (broken) {
            exchange.post(
                new Reply.Lost(new IOException("sandbox worker " + number + " has ended"), false));
            left(exchange);
            return;
          }
          if (pipeline.isEmpty()) {
            becameHead(exchange, System.nanoTime());
          }
          pipeline.addLast(exchange);
        }
        write(frame);
      } finally {
        writing.unlock();
      }
    }

    /**
     * Writes a frame (the caller holds the write lock). An interrupt pending on the calling thread
     * is held back meanwhile: I/O on an interrupted thread closes the channel, which would end the
     * worker and every run in its pipeline. A failed write ends the worker; its reader thread then
     * fails the pipeline.
     */
    private void write(WorkerWire.Frame frame) {
      boolean interrupted = Thread.interrupted();
      try {
        frame.write(wire);
        wire.flush();
      } catch (IOException e) {
        process.destroyForcibly();
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** The frame of a run: the script's id if this worker was sent it before, else its text too. */
    void writeRun(WorkerWire wire, CompiledScript script, String input, boolean resend)
        throws IOException {
      if (!resend && known.contains(script.id())) {
        wire.kind(WorkerWire.RUN).string(script.id()).string(input);
        return;
      }
      writeScript(wire, WorkerWire.RUN_SOURCE, script).string(input);
    }

    /** The frame of a prepare; the worker keeps the script, so its runs send only the id. */
    void writePrepare(WorkerWire wire, CompiledScript script) throws IOException {
      writeScript(wire, WorkerWire.PREPARE, script);
    }

    /** Starts a frame that carries the script's text, which the worker keeps from then on. */
    private WorkerWire writeScript(WorkerWire wire, byte kind, CompiledScript script)
        throws IOException {
      if (known.size() >= KNOWN_LIMIT) {
        known.clear();
      }
      known.add(script.id());
      return wire.kind(kind)
          .string(script.id())
          .string(script.name())
          .string(script.language().name())
          .string(script.javascript());
    }

    /** Sends the answer to the question of the run at the head (the worker waits for it). */
    void answer(Reply.Answer answer) {
      writing.lock();
      try {
        write(wire -> wire.kind(answer.kind()).nullable(answer.value()));
      } finally {
        writing.unlock();
      }
    }

    private void becameHead(Exchange exchange, long now) {
      exchange.headSince = now;
      headStarted = now;
      long due = now + exchange.limitNanos;
      deadline = due == IDLE ? due + 1 : due;
    }

    /**
     * Reads what the worker says until its channel ends, then fails whatever is still in the
     * pipeline.
     */
    void read() {
      try {
        while (true) {
          byte kind = wire.readKind();
          Exchange head;
          synchronized (pipeline) {
            head = pipeline.peekFirst();
          }
          if (head == null) {
            throw new IOException(
                "sandbox worker " + number + " sent '" + (char) kind + "' with nothing in flight");
          }
          switch (kind) {
            case WorkerWire.QUERY ->
                head.post(new Reply.Question(kind, wire.readString(), wire.readNullable()));
            case WorkerWire.SECRET, WorkerWire.FETCH ->
                head.post(new Reply.Question(kind, wire.readString(), null));
            case WorkerWire.DONE -> {
              ScriptOutcome outcome = wire.readOutcome(json);
              finish(new Reply.Finished(outcome, System.nanoTime(), wire.readLong()));
            }
            case WorkerWire.UNKNOWN_SCRIPT -> finish(new Reply.Unknown());
            case WorkerWire.COMPILED -> finish(new Reply.Compiled(wire.readString()));
            case WorkerWire.PREPARED -> finish(new Reply.Prepared());
            case WorkerWire.COMPILE_ERROR ->
                finish(new Reply.CompileError((int) wire.readLong(), wire.readString()));
            default ->
                throw new IOException(
                    "unexpected frame '" + (char) kind + "' from sandbox worker " + number);
          }
        }
      } catch (IOException | RuntimeException e) {
        IOException cause = e instanceof IOException io ? io : new IOException(e);
        if (!ending) {
          process.destroyForcibly();
        }
        List<Exchange> lost;
        synchronized (pipeline) {
          broken = true;
          lost = new ArrayList<>(pipeline);
          pipeline.clear();
        }
        deadline = IDLE;
        for (int i = 0; i < lost.size(); i++) {
          lost.get(i).post(new Reply.Lost(cause, i == 0));
          left(lost.get(i));
        }
        taking.remove(this);
        roomMade(true);
      }
    }

    /** The head exchange ended with {@code reply}: the next one is the worker's now. */
    private void finish(Reply reply) {
      Exchange done;
      long now = System.nanoTime();
      synchronized (pipeline) {
        done = pipeline.pollFirst();
        Exchange next = pipeline.peekFirst();
        if (next != null) {
          becameHead(next, now);
        } else {
          deadline = IDLE;
        }
      }
      // the room first: what the answer sets off (a connection's next request, read on this thread)
      // may want it
      left(done);
      roomMade(guarded || load.get() == 0);
      done.post(reply);
    }

    /**
     * Lets a worker that records the AOT cache end by itself, which writes the cache: its input
     * ends, and it has {@link #RECORDING_LIMIT} to finish.
     */
    void endRecording() {
      try {
        ending = true;
        channel.shutdownOutput();
        if (!process.waitFor(RECORDING_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
          LOG.warn(
              "sandbox worker {} did not finish its AOT cache in {} s",
              number,
              RECORDING_LIMIT.toSeconds());
        }
      } catch (IOException e) {
        LOG.warn("could not end sandbox worker {}'s input", number, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Makes sure the process is gone and returns its exit status, or null if it would not say. */
    Integer stop() {
      try {
        if (!process.waitFor(2, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(2, TimeUnit.SECONDS);
        }
        return process.isAlive() ? null : process.exitValue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }
}
