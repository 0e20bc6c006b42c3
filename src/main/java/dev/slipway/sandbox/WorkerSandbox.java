package dev.slipway.sandbox;

import dev.slipway.spec.Json;
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
import java.util.ArrayList;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs scripts in a pool of supervised worker processes ({@link SandboxWorker}), so that the
 * server itself never runs untrusted code. Each worker is a JVM with its own heap cap and runs one
 * script at a time: a script that exhausts the heap ends its own worker, and only its own
 * request fails ({@link ScriptOutcome.Limit#MEMORY}). Workers are started with the server, warm
 * up before they take work, and are replaced whenever one ends; a worker that misses a run's
 * deadline by more than {@link #GRACE} (stuck in GC, say) is killed.
 *
 * <p>Each worker talks to the server over a Unix socket of its own ({@link WorkerWire}). A run
 * borrows a worker and holds the conversation on the calling thread: the worker's
 * questions ({@code ctx.db.query}, {@code ctx.secrets.get}, {@code ctx.fetch}) are answered there
 * by the run's {@link ScriptHost}, inside the caller's transaction. Compiling happens in a worker
 * too; what a source became is kept in the {@link TranspileCache}, so a restart compiles nothing.
 */
public final class WorkerSandbox implements Sandbox {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerSandbox.class);

  /** How long past a run's timeout a worker may stay silent before it is killed. */
  static final Duration GRACE = Duration.ofSeconds(2);
  /** A worker that does not say it is ready within this is killed and started again. */
  private static final Duration STARTUP_LIMIT = Duration.ofSeconds(60);
  /** Compiling may load the TypeScript compiler into a worker, which takes seconds. */
  private static final Duration COMPILE_LIMIT = Duration.ofSeconds(120);
  /** Bumped whenever what a source compiles to changes (wrapper, import rewriting). */
  private static final String COMPILE_VERSION = "worker-1";
  /** The exit status of a JVM ended by {@code -XX:+ExitOnOutOfMemoryError}. */
  private static final int OUT_OF_MEMORY_EXIT = 3;

  private final SandboxLimits limits;
  private final String heap;
  private final WorkerCommand command;
  private final TranspileCache compiled;
  private final JsonCodec json = new JsonCodec();
  /** Idle workers, most recently used first, so light load keeps a few workers hot. */
  private final LinkedBlockingDeque<Worker> idle = new LinkedBlockingDeque<>();
  private final Set<Worker> all = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService supervisor;
  private final ExecutorService starter;
  private final AtomicInteger numbers = new AtomicInteger();
  private final AtomicInteger failedStarts = new AtomicInteger();
  private final AtomicLong replaced = new AtomicLong();
  private final HopTimes hops = new HopTimes();
  /** Where each starting worker finds the socket to connect to; only this user may enter it. */
  private final Path sockets;
  private volatile Worker lastCompiler;
  private volatile boolean closed;

  /**
   * Starts {@code limits.poolSize()} workers in the background; runs wait (within their timeout)
   * until one is ready.
   *
   * @param heap     each worker's heap cap, as {@code -Xmx} takes it ({@code 256m})
   * @param niceness how much lower than the server's the workers' CPU priority is (0 to 19)
   */
  public WorkerSandbox(SandboxLimits limits, String heap, int niceness, TranspileCache compiled) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.heap = Objects.requireNonNull(heap, "heap");
    this.compiled = Objects.requireNonNull(compiled, "compiled");
    this.command = WorkerCommand.of(heap, niceness, limits);
    try {
      this.sockets = Files.createTempDirectory("slipway-sandbox-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a directory for the sandbox workers' sockets", e);
    }
    command.noJit().ifPresentOrElse(
        why -> LOG.warn("sandbox workers run scripts interpreted, several times slower: {}", why),
        () -> LOG.info("sandbox workers run scripts with the Graal JIT"));
    this.supervisor = Executors.newSingleThreadScheduledExecutor(daemon("slipway-sandbox-supervisor"));
    this.starter = Executors.newCachedThreadPool(daemon("slipway-sandbox-starter"));
    long tick = Math.clamp(limits.timeout().toMillis() / 10, 10, 100);
    supervisor.scheduleWithFixedDelay(this::killOverdue, tick, tick, TimeUnit.MILLISECONDS);
    for (int i = 0; i < limits.poolSize(); i++) {
      starter.execute(this::startWorker);
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return task -> {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public SandboxLimits limits() {
    return limits;
  }

  /** Workers alive, idle ones among them, and how many were replaced after ending. */
  public record Stats(int workers, int idle, long replaced) {}

  public Stats stats() {
    return new Stats(all.size(), idle.size(), replaced.get());
  }

  @Override
  public Map<String, Object> health() {
    var health = new java.util.LinkedHashMap<String, Object>();
    health.put("mode", "workers");
    health.put("workers", all.size());
    health.put("idle", idle.size());
    health.put("replaced", replaced.get());
    health.put("heap", heap);
    health.put("jit", command.noJit().isEmpty());
    health.put("hop", hops.summary());
    return health;
  }

  /** The process ids of the live workers. */
  public List<Long> pids() {
    return all.stream().map(worker -> worker.process.pid()).toList();
  }

  @Override
  public CompiledScript compile(String name, String source, ScriptLanguage language) throws ScriptCompileException {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(language, "language");
    ensureOpen();
    String key = Json.sha256(COMPILE_VERSION + "\n" + Prelude.WRAPPER_START + "\n" + language + "\n" + source);
    var known = compiled.get(key);
    if (known.isPresent()) {
      return new CompiledScript(name, language, known.get());
    }
    for (int attempt = 1; ; attempt++) {
      Worker worker = borrowForCompile();
      if (worker == null) {
        throw new IllegalStateException("no sandbox worker became ready within " + COMPILE_LIMIT);
      }
      worker.watch(System.nanoTime() + COMPILE_LIMIT.toNanos());
      try {
        String javascript = compileIn(worker, name, source, language);
        compiled.put(key, javascript);
        return new CompiledScript(name, language, javascript);
      } catch (IOException e) {
        worker.broken = true;
        Integer exit = worker.stop();
        if (exit != null && exit == OUT_OF_MEMORY_EXIT) {
          throw new IllegalStateException("compiling '" + name + "' needed more memory than a sandbox worker has (" + heap
              + "); raise SLIPWAY_SANDBOX_WORKER_HEAP", e);
        }
        if (attempt > 1 || worker.overdue) {
          throw new IllegalStateException("the sandbox worker that compiled '" + name + "' failed: " + e.getMessage(), e);
        }
        // compiling has no effects: another worker can try (this one may have been killed while idle)
        LOG.warn("sandbox worker {} ended while compiling '{}'; trying another", worker.number, name);
      } finally {
        worker.unwatch();
        release(worker);
      }
    }
  }

  private static String compileIn(Worker worker, String name, String source, ScriptLanguage language)
      throws IOException, ScriptCompileException {
    WorkerWire wire = worker.wire;
    wire.kind(WorkerWire.COMPILE).string(name).string(language.name()).string(source).flush();
    byte kind = wire.readKind();
    if (kind == WorkerWire.COMPILE_ERROR) {
      throw new ScriptCompileException(name, (int) wire.readLong(), wire.readString());
    }
    if (kind != WorkerWire.COMPILED) {
      throw new IOException("unexpected frame '" + (char) kind + "' after COMPILE");
    }
    return wire.readString();
  }

  /** The worker that compiled last if it is free (it may have the TypeScript compiler loaded), else any. */
  private Worker borrowForCompile() {
    Worker last = lastCompiler;
    if (last != null && idle.remove(last) && last.process.isAlive()) {
      return last;
    }
    Worker worker = borrow(COMPILE_LIMIT);
    lastCompiler = worker;
    return worker;
  }

  @Override
  public ScriptOutcome run(CompiledScript script, Object ctxData, ScriptHost host) {
    Objects.requireNonNull(script, "script");
    Objects.requireNonNull(host, "host");
    if (ctxData != null && !(ctxData instanceof Map<?, ?>)) {
      throw new IllegalArgumentException("ctxData must be a Map, was " + ctxData.getClass().getName());
    }
    ensureOpen();
    String input = ctxData == null ? "{}" : json.write(ctxData);
    long start = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      Worker worker = borrow(limits.timeout().minusNanos(System.nanoTime() - start));
      if (worker == null) {
        return new ScriptOutcome.Exceeded(ScriptOutcome.Limit.CAPACITY, "no sandbox worker came free within "
            + limits.timeout().toMillis() + " ms (" + all.size() + " running); retry shortly", List.of(),
            Duration.ofNanos(System.nanoTime() - start));
      }
      worker.watch(start + limits.timeout().toNanos() + GRACE.toNanos());
      try {
        long sent = System.nanoTime();
        ScriptOutcome outcome = converse(worker, script, input, host);
        hops.record(System.nanoTime() - sent - elapsedOf(outcome));
        for (LogLine line : outcome.logs()) {
          try {
            host.log(line.level(), line.message());
          } catch (RuntimeException ignored) {
            // the ScriptHost contract says log must not throw; a broken log sink must not fail scripts
          }
        }
        return outcome;
      } catch (IOException | RuntimeException e) {
        worker.broken = true;
        ScriptOutcome outcome = ended(worker, Duration.ofNanos(System.nanoTime() - start), e);
        // A worker that was gone before the script asked anything (killed while idle) is tried
        // once more elsewhere; one that ran out of memory or time is the script's doing.
        if (attempt > 1 || worker.answered > 0 || !(outcome instanceof ScriptOutcome.Failure)) {
          return outcome;
        }
      } finally {
        worker.unwatch();
        release(worker);
      }
    }
  }

  /** Sends the run and answers the worker's questions until it reports the outcome. */
  private ScriptOutcome converse(Worker worker, CompiledScript script, String input, ScriptHost host) throws IOException {
    WorkerWire wire = worker.wire;
    worker.answered = 0;
    boolean withSource = !worker.knows(script.id());
    while (true) {
      if (withSource) {
        wire.kind(WorkerWire.RUN_SOURCE).string(script.id()).string(script.name()).string(script.language().name())
            .string(script.javascript()).string(input).flush();
      } else {
        wire.kind(WorkerWire.RUN).string(script.id()).string(input).flush();
      }
      byte kind;
      while ((kind = wire.readKind()) != WorkerWire.DONE && kind != WorkerWire.UNKNOWN_SCRIPT) {
        switch (kind) {
          case WorkerWire.QUERY -> {
            String sql = wire.readString();
            String params = wire.readNullable();
            answer(wire, () -> json.write(host.query(sql, json.readObject(params))));
          }
          case WorkerWire.SECRET -> {
            String name = wire.readString();
            answer(wire, () -> host.secret(name).orElse(null));
          }
          case WorkerWire.FETCH -> {
            String request = wire.readString();
            answer(wire, () -> json.write(host.fetch(json.readObject(request))));
          }
          default -> throw new IOException("unexpected frame '" + (char) kind + "' during a run");
        }
        worker.answered++;
      }
      if (kind == WorkerWire.DONE) {
        worker.know(script.id());
        return wire.readOutcome(json);
      }
      withSource = true;
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

  /** Answers a worker's question with {@code value}'s result, or refuses with its failure's message. */
  private static void answer(WorkerWire wire, Supplier<String> value) throws IOException {
    String answer;
    try {
      answer = value.get();
    } catch (RuntimeException e) {
      wire.kind(WorkerWire.REFUSE).nullable(e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()).flush();
      return;
    }
    wire.kind(WorkerWire.ANSWER).nullable(answer).flush();
  }

  /** The outcome of a run whose worker stopped answering: it was killed, ran out of memory, or broke. */
  private ScriptOutcome ended(Worker worker, Duration elapsed, Exception cause) {
    Integer exit = worker.stop();
    if (worker.overdue) {
      return new ScriptOutcome.Timeout(limits.timeout(), List.of());
    }
    if (exit != null && exit == OUT_OF_MEMORY_EXIT) {
      LOG.warn("sandbox worker {} ran out of its {} heap running a script; it is being replaced", worker.number, heap);
      return new ScriptOutcome.Exceeded(ScriptOutcome.Limit.MEMORY,
          "the script used more memory than a sandbox worker has (" + heap + ")", List.of(), elapsed);
    }
    LOG.error("sandbox worker {} failed during a run (exit status {})", worker.number, exit, cause);
    return new ScriptOutcome.Failure("InternalError: the script's sandbox worker failed", List.of(), elapsed);
  }

  /** Waits up to {@code wait} for a live idle worker; null if none came. */
  private Worker borrow(Duration wait) {
    long until = System.nanoTime() + wait.toNanos();
    try {
      while (true) {
        Worker worker = idle.pollFirst(until - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (worker == null || worker.process.isAlive()) {
          return worker;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private void release(Worker worker) {
    if (worker.broken || closed || !worker.process.isAlive()) {
      // its onExit hook starts the replacement
      worker.process.destroyForcibly();
      return;
    }
    idle.addFirst(worker);
  }

  private void startWorker() {
    if (closed) {
      return;
    }
    Worker worker;
    try {
      worker = new Worker(numbers.incrementAndGet(), command.command(), sockets, System.nanoTime() + STARTUP_LIMIT.toNanos());
    } catch (IOException e) {
      retryStart("cannot start a sandbox worker: " + e.getMessage());
      return;
    }
    all.add(worker);
    worker.process.onExit().thenRun(() -> exited(worker));
    worker.watch(System.nanoTime() + STARTUP_LIMIT.toNanos());
    try {
      byte kind = worker.wire.readKind();
      if (kind != WorkerWire.READY) {
        throw new IOException("it said '" + (char) kind + "' instead of ready");
      }
    } catch (IOException e) {
      worker.broken = true;
      worker.process.destroyForcibly();
      if (!closed) {
        LOG.error("sandbox worker {} did not start: {}", worker.number, e.getMessage());
      }
      return;
    } finally {
      worker.unwatch();
    }
    worker.ready = true;
    failedStarts.set(0);
    LOG.debug("sandbox worker {} (pid {}) is ready", worker.number, worker.process.pid());
    if (closed) {
      worker.process.destroyForcibly();
    } else {
      idle.addLast(worker);
    }
  }

  /** A worker ended: drop it and start another, backing off while workers keep failing to start. */
  private void exited(Worker worker) {
    all.remove(worker);
    idle.remove(worker);
    if (closed) {
      return;
    }
    replaced.incrementAndGet();
    if (!worker.ready) {
      retryStart("sandbox worker " + worker.number + " ended before it was ready (exit status "
          + worker.process.exitValue() + ")");
    } else {
      starter.execute(this::startWorker);
    }
  }

  private void retryStart(String why) {
    int failures = failedStarts.incrementAndGet();
    long delayMillis = Math.min(30_000, 250L << Math.min(failures, 7));
    LOG.error("{}; trying again in {} ms", why, delayMillis);
    if (!closed) {
      supervisor.schedule(() -> starter.execute(this::startWorker), delayMillis, TimeUnit.MILLISECONDS);
    }
  }

  /** Kills workers that are past their deadline; the thread waiting on one then sees it end. */
  private void killOverdue() {
    long now = System.nanoTime();
    for (Worker worker : all) {
      long due = worker.deadline;
      if (due != Worker.IDLE && now - due > 0 && !worker.overdue) {
        worker.overdue = true;
        LOG.warn("sandbox worker {} missed its deadline and is being killed", worker.number);
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
    supervisor.shutdownNow();
    starter.shutdownNow();
    for (Worker worker : all) {
      worker.process.destroyForcibly();
    }
    try {
      Files.deleteIfExists(sockets);
    } catch (IOException e) {
      LOG.debug("could not delete {}", sockets, e);
    }
  }

  /** One worker process and the server's end of its channel; used by one thread at a time. */
  private static final class Worker {
    static final long IDLE = Long.MIN_VALUE;
    private static final int KNOWN_LIMIT = 2048;

    final int number;
    final Process process;
    final SocketChannel channel;
    final WorkerWire wire;
    /** Ids of scripts this worker was sent; it may have dropped some, and then says so. */
    private final Set<String> known = new HashSet<>();
    /** When the current run or compile must have ended, or {@link #IDLE}. */
    volatile long deadline = IDLE;
    volatile boolean overdue;
    volatile boolean ready;
    volatile boolean broken;
    /** Questions of the current run answered so far: once one was, the run has had effects. */
    int answered;

    /**
     * Starts the process and waits, until {@code deadline} ({@link System#nanoTime}), for it to
     * connect to a Unix socket made for it alone in {@code sockets}, a directory only this user
     * can enter. The channel is that socket, not stdout: what the JVM itself prints (JFR, thread
     * dumps, the out-of-memory notice) goes to stdout and must not garble it.
     */
    Worker(int number, List<String> command, Path sockets, long deadline) throws IOException {
      this.number = number;
      Path socket = sockets.resolve("worker-" + number + ".sock");
      try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        listener.bind(UnixDomainSocketAddress.of(socket));
        listener.configureBlocking(false);
        List<String> arguments = new ArrayList<>(command);
        arguments.add(socket.toString());
        ProcessBuilder builder = new ProcessBuilder(arguments)
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
            throw new IOException("sandbox worker " + number + " did not connect"
                + (process.isAlive() ? " in time" : " (exit status " + process.waitFor() + ")"));
          }
          Thread.sleep(5);
        }
        connected.configureBlocking(true);
        this.channel = connected;
        this.wire = new WorkerWire(Channels.newInputStream(connected), Channels.newOutputStream(connected));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting a sandbox worker", e);
      } finally {
        Files.deleteIfExists(socket);
      }
    }

    void watch(long due) {
      deadline = due == IDLE ? due + 1 : due;
    }

    void unwatch() {
      deadline = IDLE;
    }

    boolean knows(String id) {
      return known.contains(id);
    }

    void know(String id) {
      if (known.size() >= KNOWN_LIMIT) {
        known.clear();
      }
      known.add(id);
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
