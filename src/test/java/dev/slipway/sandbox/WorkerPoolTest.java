package dev.slipway.sandbox;

import static dev.slipway.sandbox.Outcomes.kindOf;
import static dev.slipway.sandbox.Outcomes.valueOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slipway.spec.ScriptLanguage;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The worker pool on its own: real worker JVMs, started from this test's class path. */
class WorkerPoolTest {

  private static final Duration TIMEOUT = Duration.ofMillis(3000);
  private static WorkerPool sandbox;

  /** Without a statement limit, so that only the clock can stop a loop. */
  private static WorkerPool unlimited;

  @BeforeAll
  static void start() {
    sandbox =
        new WorkerPool(new SandboxLimits(TIMEOUT, 5_000_000, 2), "256m", 0, TranspileCache.NONE);
    unlimited = new WorkerPool(new SandboxLimits(TIMEOUT, 0, 1), "256m", 0, TranspileCache.NONE);
    awaitWorkers(sandbox, 2);
    awaitWorkers(unlimited, 1);
  }

  /**
   * Workers take seconds to start and warm up here (interpreted, two cores shared with the tests).
   */
  private static void awaitWorkers(WorkerPool pool, int idle) {
    long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (pool.stats().idle() < idle) {
      assertThat(System.nanoTime()).as("workers ready within 90 s").isLessThan(until);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  @AfterAll
  static void stop() {
    sandbox.close();
    unlimited.close();
  }

  private static ScriptOutcome run(String body) throws ScriptCompileException {
    return sandbox.run(
        sandbox.compile("test", body, ScriptLanguage.JAVASCRIPT),
        Map.of("input", Map.of("n", 20)),
        HOST);
  }

  /** Answers the worker's questions the way a request's host would, without a database. */
  private static final ScriptHost HOST =
      new ScriptHost() {
        @Override
        public List<Map<String, Object>> query(String sql, Map<String, Object> params) {
          if (sql.contains("fail")) {
            throw new IllegalArgumentException("relation \"fail\" does not exist");
          }
          return List.of(Map.of("sql", sql, "params", params));
        }

        @Override
        public Optional<String> secret(String name) {
          return name.equals("API_KEY") ? Optional.of("s3cret") : Optional.empty();
        }

        @Override
        public Map<String, Object> fetch(Map<String, Object> request) {
          return Map.of(
              "status",
              200,
              "statusText",
              "OK",
              "url",
              request.get("url"),
              "headers",
              Map.of("content-type", "application/json"),
              "body",
              "{\"echo\":\"" + request.get("method") + "\"}");
        }
      };

  @Test
  void a_script_runs_in_a_worker_and_its_host_calls_are_answered_here() throws Exception {
    Object value =
        valueOf(
            run(
                """
        const rows = await ctx.db.query('select :n', { n: ctx.input.n });
        const key = ctx.secrets.get('API_KEY');
        const none = ctx.secrets.get('NOPE');
        const reply = await ctx.fetch('https://example.com/x', { method: 'post', body: { a: 1 } });
        let failed;
        try { await ctx.db.query('select * from fail'); } catch (e) { failed = e.message; }
        ctx.log('done', 42);
        return { rows, key, none: none === undefined, status: reply.status, ok: reply.ok, json: await reply.json(),
          type: reply.headers.get('Content-Type'), failed };
        """));
    assertThat(value)
        .isEqualTo(
            Map.of(
                "rows",
                List.of(Map.of("sql", "select :n", "params", Map.of("n", 20L))),
                "key",
                "s3cret",
                "none",
                true,
                "status",
                200L,
                "ok",
                true,
                "json",
                Map.of("echo", "POST"),
                "type",
                "application/json",
                "failed",
                "relation \"fail\" does not exist"));
  }

  @Test
  void many_runs_at_once_share_the_workers_and_each_gets_its_own_answers() throws Exception {
    var script =
        sandbox.compile(
            "echo",
            """
        const rows = await ctx.db.query('select :n', { n: ctx.input.n });
        ctx.log('n', ctx.input.n);
        return { n: ctx.input.n, echoed: rows[0].params.n };
        """,
            ScriptLanguage.JAVASCRIPT);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<ScriptOutcome>> runs = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        int n = i;
        runs.add(pool.submit(() -> sandbox.run(script, Map.of("input", Map.of("n", n)), HOST)));
      }
      for (int i = 0; i < runs.size(); i++) {
        assertThat(valueOf(runs.get(i).get())).isEqualTo(Map.of("n", (long) i, "echoed", (long) i));
      }
    } finally {
      pool.shutdownNow();
    }
    awaitWorkers(sandbox, 2);
  }

  @Test
  void runs_waiting_behind_one_whose_worker_ends_go_to_another_worker() throws Exception {
    awaitWorkers(sandbox, 2);
    var held = new CountDownLatch(1);
    var asked = new Semaphore(0);
    ScriptHost holding =
        new ScriptHost() {
          @Override
          public List<Map<String, Object>> query(String sql, Map<String, Object> params) {
            asked.release();
            try {
              held.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return List.of();
          }
        };
    // two scripts: of a new script, one run goes at a time until one has ended
    var hold =
        sandbox.compile(
            "hold", "await ctx.db.query('hold'); return 'held';", ScriptLanguage.JAVASCRIPT);
    var holdToo =
        sandbox.compile(
            "hold-too",
            "await ctx.db.query('hold'); return 'held too';",
            ScriptLanguage.JAVASCRIPT);
    var echo = sandbox.compile("echo-n", "return ctx.input.n;", ScriptLanguage.JAVASCRIPT);
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      // each worker is busy with a run that waits for its host, and more runs queue behind them
      List<Future<ScriptOutcome>> holds =
          List.of(
              pool.submit(() -> sandbox.run(hold, null, holding)),
              pool.submit(() -> sandbox.run(holdToo, null, holding)));
      assertThat(asked.tryAcquire(2, 30, TimeUnit.SECONDS)).isTrue();
      List<Future<ScriptOutcome>> queued = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int n = i;
        queued.add(pool.submit(() -> sandbox.run(echo, Map.of("input", Map.of("n", n)), HOST)));
      }
      Thread.sleep(300);
      // a serving worker: a worker for guarded runs, started by an earlier test, holds neither
      ProcessHandle.of(sandbox.servingPids().getFirst()).ifPresent(ProcessHandle::destroyForcibly);
      Thread.sleep(300);
      held.countDown();
      assertThat(holds.stream().map(run -> kindOf(get(run))).sorted().toList())
          .containsExactly("Failure", "Success");
      for (int i = 0; i < queued.size(); i++) {
        assertThat(valueOf(get(queued.get(i)))).isEqualTo((long) i);
      }
    } finally {
      held.countDown();
      pool.shutdownNow();
    }
    awaitWorkers(sandbox, 2);
  }

  @Test
  void an_interrupted_caller_still_gets_its_outcome_and_keeps_the_interrupt() throws Exception {
    var script =
        unlimited.compile(
            "slow",
            """
        await ctx.db.query('started');
        const end = Date.now() + 1000;
        while (Date.now() < end) {}
        return 'done';
        """,
            ScriptLanguage.JAVASCRIPT);
    var started = new CountDownLatch(1);
    ScriptHost host =
        new ScriptHost() {
          @Override
          public List<Map<String, Object>> query(String sql, Map<String, Object> params) {
            started.countDown();
            return List.of();
          }
        };
    var outcome = new AtomicReference<ScriptOutcome>();
    var interrupted = new AtomicBoolean();
    var cpuNanos = new AtomicLong();
    var threads = ManagementFactory.getThreadMXBean();
    Thread caller =
        new Thread(
            () -> {
              long cpu = threads.getCurrentThreadCpuTime();
              outcome.set(unlimited.run(script, null, host));
              cpuNanos.set(threads.getCurrentThreadCpuTime() - cpu);
              interrupted.set(Thread.currentThread().isInterrupted());
            });
    caller.start();
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(50);
    caller.interrupt(); // while the caller waits for the worker's outcome
    caller.join(30_000);
    assertThat(valueOf(outcome.get())).isEqualTo("done");
    assertThat(interrupted).isTrue();
    // it waited parked, not spinning through the second the script took
    assertThat(Duration.ofNanos(cpuNanos.get())).isLessThan(Duration.ofMillis(300));
  }

  @Test
  void an_outcome_is_not_held_back_behind_a_slow_run_sent_after_it() throws Exception {
    var quick =
        unlimited.compile(
            "quick",
            "const end = Date.now() + 100; while (Date.now() < end) {} return 'quick';",
            ScriptLanguage.JAVASCRIPT);
    var slow =
        unlimited.compile(
            "slow-after",
            "const end = Date.now() + 2000; while (Date.now() < end) {} return 'slow';",
            ScriptLanguage.JAVASCRIPT);
    long sent = System.nanoTime();
    // one worker: the slow run waits in its socket when the quick one ends, so the worker may
    // hold the quick one's outcome back to send it with the next, but not for the slow run's 2 s
    CompletableFuture<ScriptOutcome> first = unlimited.start(quick, null, ScriptHost.NONE);
    CompletableFuture<ScriptOutcome> second = unlimited.start(slow, null, ScriptHost.NONE);
    assertThat(valueOf(first.get(30, TimeUnit.SECONDS))).isEqualTo("quick");
    assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofMillis(1500));
    assertThat(second).as("the slow run is still going").isNotDone();
    assertThat(valueOf(second.get(30, TimeUnit.SECONDS))).isEqualTo("slow");
  }

  @Test
  void the_sandbox_has_started_once_its_first_worker_is_ready_and_starts_the_others_after_it()
      throws Exception {
    var starting = new WorkerPool(new SandboxLimits(TIMEOUT, 0, 2), "256m", 0, TranspileCache.NONE);
    try {
      // a worker is a JVM of its own: it cannot be ready yet
      assertThat(starting.started()).isFalse();
      assertThat(starting.stats().workers())
          .as("the first worker starts alone")
          .isLessThanOrEqualTo(1);
      awaitWorkers(starting, 1);
      assertThat(starting.started()).isTrue();
      awaitWorkers(starting, 2);
    } finally {
      starting.close();
    }
  }

  @Test
  void a_worker_runs_under_sched_idle_where_chrt_can_set_it() throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/chrt"))
            && Files.isDirectory(Path.of("/proc/self/task")),
        "SCHED_IDLE is set with Linux's chrt");
    var lowered = new WorkerPool(new SandboxLimits(TIMEOUT, 0, 1), "256m", 10, TranspileCache.NONE);
    try {
      awaitWorkers(lowered, 1);
      assertThat(policyOf(lowered.pids().getFirst()))
          .as("policy of the worker's main thread")
          .isEqualTo("5");
      var script = lowered.compile("idle", "return 'runs';", ScriptLanguage.JAVASCRIPT);
      assertThat(valueOf(lowered.run(script, null, ScriptHost.NONE))).isEqualTo("runs");
    } finally {
      lowered.close();
    }
  }

  @Test
  void a_run_that_goes_on_past_10_ms_is_lowered_and_the_next_runs_at_the_normal_priority_again()
      throws Exception {
    assumeTrue(ThreadPriorities.supported(), "threads have priorities of their own on Linux only");
    var lowering =
        new WorkerPool(
            new SandboxLimits(TIMEOUT, 0, 1), 1, 1, "256m", 10, true, TranspileCache.NONE);
    try {
      awaitWorkers(lowering, 1);
      long pid = lowering.pids().getFirst();
      // the server's priority is this process's (0, unless the tests were started under nice)
      String self = Files.readString(Path.of("/proc/self/stat"));
      int server = Integer.parseInt(self.substring(self.lastIndexOf(')') + 2).split(" ")[16]);
      var idle = settledThreads(pid);
      assertThat(runners(idle))
          .as("one runner, at the server's priority")
          .hasSize(1)
          .containsValue(server);
      assertThat(idle)
          .as("the spawner keeps the server's priority")
          .containsEntry("runner-spawner", server);
      idle.forEach(
          (name, niceness) -> {
            if (!name.startsWith("runner-"))
              assertThat(niceness).as(name).isEqualTo(Math.max(server, 10));
          });

      var busy =
          lowering.compile(
              "busy",
              "const end = Date.now() + 1000; while (Date.now() < end) {} return 'busy';",
              ScriptLanguage.JAVASCRIPT);
      CompletableFuture<ScriptOutcome> running = lowering.start(busy, null, ScriptHost.NONE);
      Thread.sleep(400);
      assertThat(running).isNotDone();
      var during = runners(nicenessByThread(pid));
      assertThat(during)
          .as("the long run's runner is lowered")
          .hasSize(1)
          .containsValue(Math.max(server, 10));
      assertThat(valueOf(running.get(30, TimeUnit.SECONDS))).isEqualTo("busy");

      var quick = lowering.compile("quick-after", "return 'quick';", ScriptLanguage.JAVASCRIPT);
      assertThat(valueOf(lowering.run(quick, null, ScriptHost.NONE))).isEqualTo("quick");
      var after = runners(settledThreads(pid));
      assertThat(after)
          .as("a new runner took over, at the server's priority")
          .hasSize(1)
          .containsValue(server);
      assertThat(after.keySet()).doesNotContainAnyElementsOf(during.keySet());
    } finally {
      lowering.close();
    }
  }

  /**
   * Each thread of process {@code pid} by name (as the kernel keeps it, 15 characters) and its
   * niceness.
   */
  private static Map<String, Integer> nicenessByThread(long pid) throws IOException {
    var threads = new java.util.TreeMap<String, Integer>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        try {
          String name = Files.readString(task.resolve("comm")).strip();
          String stat = Files.readString(task.resolve("stat"));
          // the fields after "(name) ": state is the 3rd field of the line, niceness the 19th
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          threads.put(name, Integer.parseInt(fields[16]));
        } catch (IOException | RuntimeException ended) {
          // the thread ended while listed
        }
      }
    }
    return threads;
  }

  /**
   * {@link #nicenessByThread} once the worker has one runner: a runner that handed its work on ends
   * by itself, a moment later, and the one it handed it to may not have started yet.
   */
  private static Map<String, Integer> settledThreads(long pid)
      throws IOException, InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    var threads = nicenessByThread(pid);
    while (runners(threads).size() != 1 && System.nanoTime() < until) {
      Thread.sleep(20);
      threads = nicenessByThread(pid);
    }
    return threads;
  }

  private static Map<String, Integer> runners(Map<String, Integer> threads) {
    var runners = new java.util.TreeMap<String, Integer>();
    threads.forEach(
        (name, niceness) -> {
          if (name.startsWith("runner-") && !name.equals("runner-spawner"))
            runners.put(name, niceness);
        });
    return runners;
  }

  private static ScriptOutcome get(Future<ScriptOutcome> run) {
    try {
      return run.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void a_syntax_error_is_reported_with_its_line() {
    assertThatThrownBy(
            () -> sandbox.compile("broken", "const a = 1;\nreturn a +;", ScriptLanguage.JAVASCRIPT))
        .isInstanceOf(ScriptCompileException.class)
        .satisfies(e -> assertThat(((ScriptCompileException) e).line()).isEqualTo(2));
  }

  /**
   * A pool of one serving worker, once it is ready, and one for guarded runs; lowered as the
   * server's default is ({@code niceness} 10, short runs at the server's priority).
   */
  private static WorkerPool oneServing(long statementLimit) {
    return oneServing(statementLimit, new IdleCpu(IdleCpu.PROC_STAT));
  }

  /** The same, reading how busy the host is with {@code idleCpu}. */
  private static WorkerPool oneServing(long statementLimit, IdleCpu idleCpu) {
    var pool =
        new WorkerPool(
            new SandboxLimits(TIMEOUT, statementLimit, 1),
            1,
            1,
            "256m",
            10,
            true,
            TranspileCache.NONE,
            idleCpu);
    awaitWorkers(pool, 1);
    return pool;
  }

  /** Waits until the pool has {@code workers} processes, serving and guarded together. */
  private static void awaitProcesses(WorkerPool pool, int workers) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (pool.stats().workers() < workers) {
      assertThat(System.nanoTime()).as("%d workers within 90 s", workers).isLessThan(until);
      Thread.sleep(50);
    }
  }

  /**
   * How a guarded script's run ends once its worker has started: a run that waited for the worker
   * past the timeout is refused, and tried again.
   */
  private static String runsOnceItsWorkerIsReady(WorkerPool pool, CompiledScript script)
      throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      ScriptOutcome outcome = pool.run(script, null, HOST);
      if (!noWorkerCameFree(outcome) || System.nanoTime() - until > 0) return kindOf(outcome);
      Thread.sleep(100);
    }
  }

  /** Whether the run was refused because no worker came free for it within its timeout. */
  private static boolean noWorkerCameFree(ScriptOutcome outcome) {
    return outcome instanceof ScriptOutcome.Exceeded e
        && e.limit() == ScriptOutcome.Limit.CAPACITY
        && e.detail().startsWith("no sandbox worker came free");
  }

  /** Runs {@code quick} one call after another for {@code during}: none may wait half a second. */
  private static void quickRunsWaitBehindNoSlowRun(
      WorkerPool pool, CompiledScript quick, Duration during) {
    long until = System.nanoTime() + during.toNanos();
    for (int n = 1; System.nanoTime() < until; n++) {
      long start = System.nanoTime();
      assertThat(valueOf(pool.run(quick, Map.of("input", Map.of("n", n)), HOST)))
          .isEqualTo((long) n);
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("quick run %d waited behind no slow run", n)
          .isLessThan(Duration.ofMillis(500));
    }
  }

  private static boolean autogroupsOn() throws IOException {
    Path enabled = Path.of("/proc/sys/kernel/sched_autogroup_enabled");
    return Files.isReadable(enabled)
        && Files.readString(enabled).strip().equals("1")
        && Files.isReadable(Path.of("/proc/self/autogroup"));
  }

  /** A process's autogroup and its nice ({@code /autogroup-12 nice 19}). */
  private static String autogroupOf(Object pid) throws IOException {
    return Files.readString(Path.of("/proc", pid.toString(), "autogroup")).strip();
  }

  /** The scheduling policy of a process's main thread, from {@code /proc} (5: SCHED_IDLE). */
  private static String policyOf(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    // the fields after "(name) ": the scheduling policy is the 41st field of the line
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[38];
  }

  @Test
  void a_slow_scripts_runs_go_to_a_lowered_worker_of_their_own_and_never_hold_up_the_serving_one()
      throws Exception {
    var small = oneServing(0);
    ExecutorService callers = Executors.newFixedThreadPool(3);
    try {
      var quick = small.compile("quick", "return ctx.input.n;", ScriptLanguage.JAVASCRIPT);
      assertThat(valueOf(small.run(quick, Map.of("input", Map.of("n", 0)), HOST))).isEqualTo(0L);
      long serving = small.pids().getFirst();
      var slow = slowScript(small);
      assertThat(small.stats().workers()).as("no worker for guarded runs yet").isEqualTo(1);

      List<Future<ScriptOutcome>> slows = new ArrayList<>();
      for (int i = 0; i < 3; i++) slows.add(callers.submit(() -> small.run(slow, null, HOST)));
      awaitProcesses(small, 2);
      long guarded = small.pids().stream().filter(pid -> pid != serving).findFirst().orElseThrow();
      if (Files.isExecutable(Path.of("/usr/bin/chrt"))) {
        assertThat(policyOf(guarded)).as("the guarded worker runs under SCHED_IDLE").isEqualTo("5");
      }
      if (autogroupsOn()) {
        // niceness and SCHED_IDLE count only within a scheduling group: in the server's, the
        // guarded worker took the group's share whenever the server waited for its database
        // (a worker is listed once it has connected, which it does after leaving the group)
        assertThat(autogroupOf(guarded))
            .as("the guarded worker's scheduling group")
            .isNotEqualTo(autogroupOf("self"))
            .endsWith("nice 19");
        assertThat(autogroupOf(serving))
            .as(
                "the serving worker stays in the server's group: its runs wake at the server's weight")
            .isEqualTo(autogroupOf("self"));
      }
      // the one serving worker is never given a slow run
      quickRunsWaitBehindNoSlowRun(small, quick, Duration.ofSeconds(4));
      for (Future<ScriptOutcome> run : slows) {
        // each ran alone on the guarded worker or, while it started or its share was taken, was
        // refused: none hangs
        assertThat(kindOf(run.get(15, TimeUnit.SECONDS)))
            .isIn("Success", "Exceeded CAPACITY", "Timeout");
      }
      assertThat(runsOnceItsWorkerIsReady(small, slow))
          .as("the slow script still runs, on its own worker")
          .isEqualTo("Success");
      assertThat(small.stats().workers()).isEqualTo(2);
    } finally {
      callers.shutdownNow();
      small.close();
    }
  }

  @Test
  void a_worker_for_guarded_runs_that_no_run_waits_for_stops_starting_until_one_waits_again()
      throws Exception {
    var small = oneServing(0);
    ExecutorService callers = Executors.newSingleThreadExecutor();
    try {
      long serving = small.pids().getFirst();
      var slow = slowScript(small);
      // its next run is guarded and starts a worker for guarded runs, which is held before it is
      // ready, as a start starved of CPU by a busy server is
      Future<ScriptOutcome> waiting = callers.submit(() -> small.run(slow, null, HOST));
      awaitProcesses(small, 2);
      long guarded = small.pids().stream().filter(pid -> pid != serving).findFirst().orElseThrow();
      signal("STOP", guarded);
      assertThat(noWorkerCameFree(waiting.get(15, TimeUnit.SECONDS)))
          .as("the run waited out its timeout")
          .isTrue();
      // with no guarded run waiting, the start is given up
      long until =
          System.nanoTime() + WorkerPool.UNWANTED_START.plus(Duration.ofSeconds(10)).toNanos();
      // until the pool has seen it end (its exit is handled a moment after the process is gone)
      while (small.pids().contains(guarded)) {
        assertThat(System.nanoTime())
            .as("the unwanted start stopped within %s", WorkerPool.UNWANTED_START)
            .isLessThan(until);
        Thread.sleep(50);
      }
      assertThat(small.pids()).containsExactly(serving);
      // the next guarded run starts one again, and runs there
      assertThat(runsOnceItsWorkerIsReady(small, slow)).isEqualTo("Success");
      assertThat(small.pids()).hasSize(2).doesNotContain(guarded);
    } finally {
      callers.shutdownNow();
      small.close();
    }
  }

  /**
   * A script run once, past a second at its worker's head: its next runs are guarded, each wanting
   * a worker of its own.
   */
  private static CompiledScript slowScript(WorkerPool pool) throws Exception {
    var slow =
        pool.compile(
            "slow",
            "const end = Date.now() + 1500; while (Date.now() < end) {} return 2;",
            ScriptLanguage.JAVASCRIPT);
    assertThat(valueOf(pool.run(slow, null, HOST))).isEqualTo(2L);
    return slow;
  }

  @Test
  void
      a_worker_for_guarded_runs_starved_while_it_starts_is_stopped_and_held_while_the_host_is_busy()
          throws Exception {
    // the host is busy from the start: the first start goes ahead all the same
    try (var host = new HostCounters()) {
      var pool = poolOn(host);
      ExecutorService callers = Executors.newSingleThreadExecutor();
      var calling = new AtomicBoolean(true);
      try {
        long serving = pool.pids().getFirst();
        var slow = slowScript(pool);
        // guarded runs wait for a worker all along, so only starving stops its start
        callers.submit(
            () -> {
              while (calling.get()) pool.run(slow, null, HOST);
              return null;
            });
        awaitProcesses(pool, 2);
        long guarded = pool.pids().stream().filter(pid -> pid != serving).findFirst().orElseThrow();
        // the start gets none of the busy host's CPUs
        signal("STOP", guarded);
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (ProcessHandle.of(guarded).filter(ProcessHandle::isAlive).isPresent()) {
          assertThat(System.nanoTime()).as("the starved start stopped").isLessThan(until);
          Thread.sleep(50);
        }
        Thread.sleep(3_000);
        assertThat(pool.pids())
            .as("after a starved start, none starts while the host is busy")
            .containsExactly(serving);
        calling.set(false);
        host.busy(false);
        assertThat(runsOnceItsWorkerIsReady(pool, slow)).isEqualTo("Success");
      } finally {
        calling.set(false);
        callers.shutdownNow();
        pool.close();
      }
    }
  }

  /** A pool of one serving worker that reads how busy the host is from {@code host}. */
  private static WorkerPool poolOn(HostCounters host) {
    return poolOn(host, 0);
  }

  /** The same, with a statement limit (0: none). */
  private static WorkerPool poolOn(HostCounters host, long statementLimit) {
    return oneServing(statementLimit, new IdleCpu(host.stat));
  }

  /**
   * A two-CPU host's {@code /proc/stat} counters, written a tenth of a second at a time: busy (a
   * tenth of a CPU unused) until told otherwise, else 1.5 CPUs unused.
   */
  private static final class HostCounters implements AutoCloseable {
    final Path stat;
    private final AtomicBoolean busy = new AtomicBoolean(true);
    private final Thread writer;

    HostCounters() throws IOException {
      stat = Files.createTempFile("slipway-stat-", "");
      Path next = stat.resolveSibling(stat.getFileName() + ".next");
      writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    long idle = 0;
                    long user = 0;
                    try {
                      while (!Thread.interrupted()) {
                        long unused = busy.get() ? 1 : 15;
                        idle += unused;
                        user += 20 - unused;
                        Files.writeString(next, IdleCpuTest.counters(user, 0, 0, idle, 0));
                        Files.move(next, stat, StandardCopyOption.ATOMIC_MOVE);
                        Thread.sleep(100);
                      }
                    } catch (IOException | InterruptedException e) {
                      // closed
                    }
                  });
    }

    /** Sets how busy the host is; the pool reads it for the last three seconds within four. */
    void busy(boolean busy) throws InterruptedException {
      this.busy.set(busy);
      Thread.sleep(4_100);
    }

    @Override
    public void close() throws IOException, InterruptedException {
      writer.interrupt();
      writer.join();
      Files.deleteIfExists(stat);
    }
  }

  /** Sends a signal ({@code STOP}, {@code CONT}) to a process. */
  private static void signal(String signal, long pid) throws IOException, InterruptedException {
    assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor())
        .isZero();
  }

  @Test
  void a_script_stopped_at_its_statement_limit_is_refused_for_a_while_and_then_guarded()
      throws Exception {
    // the host is busy until said otherwise; a thousand statements take a loop a millisecond:
    // only the way it ended marks it
    try (var host = new HostCounters();
        var small = poolOn(host, 1000)) {
      var loop = small.compile("loop", "for (;;) {}", ScriptLanguage.JAVASCRIPT);
      assertThat(small.run(loop, null, HOST)).isInstanceOf(ScriptOutcome.StatementLimit.class);
      // a runaway: the breaker opens at once, and its callers are refused at once
      assertRefusedForLimits(small.run(loop, null, HOST), 2);
      var quick = small.compile("quick", "return ctx.input.n;", ScriptLanguage.JAVASCRIPT);
      assertThat(valueOf(small.run(quick, Map.of("input", Map.of("n", 7)), HOST))).isEqualTo(7L);
      assertThat(small.stats().workers()).as("no worker for guarded runs yet").isEqualTo(1);
      // after the break one run goes, guarded; on a busy host no worker for guarded runs starts
      // for a runaway, and the run, having waited for one until its time was up, begins the break
      // again
      Thread.sleep(2_100);
      assertThat(kindOf(small.run(loop, null, HOST))).isEqualTo("Exceeded CAPACITY");
      assertThat(small.pids()).as("no worker for guarded runs starts on a busy host").hasSize(1);
      assertRefusedForLimits(small.run(loop, null, HOST), 2);
      // with a CPU to spare, one starts for the run after the next break (and one that waits for
      // it until its time is up begins the break again)
      host.busy(false);
      ScriptOutcome after = small.run(loop, null, HOST);
      long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (noWorkerCameFree(after) && System.nanoTime() - until < 0) {
        assertRefusedForLimits(small.run(loop, null, HOST), 2);
        Thread.sleep(2_100);
        after = small.run(loop, null, HOST);
      }
      assertThat(small.stats().workers())
          .as("a worker for guarded runs started; the run after the break: %s", after)
          .isEqualTo(2);
      // stopped again, the next break is twice as long
      assertThat(kindOf(after)).isEqualTo("StatementLimit");
      assertRefusedForLimits(small.run(loop, null, HOST), 4);
    }
  }

  private static void assertRefusedForLimits(ScriptOutcome outcome, long seconds) {
    assertThat(kindOf(outcome)).isEqualTo("Exceeded CAPACITY");
    var refused = (ScriptOutcome.Exceeded) outcome;
    assertThat(refused.detail()).startsWith("its script's last runs were stopped at a limit");
    assertThat(refused.retryAfterSeconds()).isEqualTo(seconds);
    assertThat(refused.elapsed()).as("refused at once").isLessThan(Duration.ofMillis(100));
  }

  @Test
  void a_prepared_script_is_kept_by_every_idle_worker_before_its_first_run() throws Exception {
    awaitWorkers(sandbox, 2);
    long before = sandbox.stats().prepared();
    var script = sandbox.compile("prepared", "return ctx.input.n + 1;", ScriptLanguage.JAVASCRIPT);
    sandbox.prepare(script);
    assertThat(sandbox.stats().prepared() - before)
        .as("workers that made its function")
        .isEqualTo(2);
    assertThat(valueOf(sandbox.run(script, Map.of("input", Map.of("n", 20)), HOST))).isEqualTo(21L);
  }

  @Test
  void typescript_is_stripped_in_a_worker() throws Exception {
    var script =
        sandbox.compile(
            "ts",
            "const n: number = ctx.input.n as number; return n * 2;",
            ScriptLanguage.TYPESCRIPT);
    assertThat(valueOf(sandbox.run(script, Map.of("input", Map.of("n", 21)), HOST))).isEqualTo(42L);
  }

  @Test
  void a_memory_bomb_is_stopped_and_its_worker_serves_on_warm_the_runs_behind_it_too()
      throws Exception {
    var small = oneServing(0);
    ExecutorService callers = Executors.newFixedThreadPool(2);
    try {
      List<Long> pids = small.pids();
      long replaced = small.stats().replaced();
      var bomb =
          small.compile(
              "bomb-alone",
              "const a = []; while (true) a.push(new Float64Array(4000000));",
              ScriptLanguage.JAVASCRIPT);
      var quick = small.compile("quick", "return ctx.input.n;", ScriptLanguage.JAVASCRIPT);
      assertThat(valueOf(small.run(quick, Map.of("input", Map.of("n", 0)), HOST))).isEqualTo(0L);
      Future<ScriptOutcome> exploded = callers.submit(() -> small.run(bomb, null, HOST));
      Thread.sleep(20);
      // sent to the one serving worker while the bomb fills its heap
      Future<ScriptOutcome> behind =
          callers.submit(() -> small.run(quick, Map.of("input", Map.of("n", 1)), HOST));
      ScriptOutcome outcome = exploded.get(30, TimeUnit.SECONDS);
      assertThat(kindOf(outcome)).isEqualTo("Exceeded MEMORY");
      assertThat(((ScriptOutcome.Exceeded) outcome).detail()).contains("more memory");
      assertThat(valueOf(behind.get(30, TimeUnit.SECONDS))).isEqualTo(1L);
      for (int n = 2; n < 20; n++) {
        assertThat(valueOf(small.run(quick, Map.of("input", Map.of("n", n)), HOST)))
            .isEqualTo((long) n);
      }
      // a bomb that went past its log limit first is still a bomb: its context goes, and it counts
      var loggedFirst =
          small.compile(
              "bomb-after-logs",
              "for (let i = 0; i < 1001; i++) { try { console.log('x'); } catch (e) {} }"
                  + " const a = []; while (true) a.push(new Float64Array(4000000));",
              ScriptLanguage.JAVASCRIPT);
      assertThat(kindOf(small.run(loggedFirst, null, HOST))).isEqualTo("Exceeded MEMORY");
      assertThat(valueOf(small.run(quick, Map.of("input", Map.of("n", 20)), HOST))).isEqualTo(20L);
      assertThat(small.pids()).as("the same worker, still warm").isEqualTo(pids);
      assertThat(small.stats().replaced()).isEqualTo(replaced);
    } finally {
      callers.shutdownNow();
      small.close();
    }
  }

  @Test
  void a_script_slow_lately_never_has_every_worker_and_other_scripts_do_not_wait_behind_it()
      throws Exception {
    // two workers and no statement limit, so that a busy loop holds its worker for its whole time
    var shared = new WorkerPool(new SandboxLimits(TIMEOUT, 0, 2), "256m", 0, TranspileCache.NONE);
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      awaitWorkers(shared, 2);
      var slow =
          shared.compile(
              "slow",
              "const end = Date.now() + 700; while (Date.now() < end) {} return 'slow';",
              ScriptLanguage.JAVASCRIPT);
      var quick = shared.compile("quick", "return ctx.input.n;", ScriptLanguage.JAVASCRIPT);
      for (int i = 0; i < 4; i++)
        shared.run(quick, Map.of("input", Map.of("n", i)), HOST); // each worker has it
      assertThat(valueOf(shared.run(slow, null, HOST)))
          .as("its first run shows it slow")
          .isEqualTo("slow");
      List<Future<ScriptOutcome>> slows = new ArrayList<>();
      for (int i = 0; i < 6; i++) slows.add(pool.submit(() -> shared.run(slow, null, HOST)));
      Thread.sleep(200);
      quickRunsWaitBehindNoSlowRun(shared, quick, Duration.ofSeconds(2));
      for (Future<ScriptOutcome> run : slows) {
        // each ran alone on a worker or, its share taken until its timeout, was refused: none hangs
        assertThat(kindOf(run.get(10, TimeUnit.SECONDS))).isIn("Success", "Exceeded CAPACITY");
      }
    } finally {
      pool.shutdownNow();
      shared.close();
    }
  }

  @Test
  void a_memory_bombs_first_wave_and_its_next_runs_never_take_the_last_worker() throws Exception {
    awaitWorkers(sandbox, 2);
    var bomb =
        sandbox.compile(
            "bomb-wave",
            "const b = []; for (;;) b.push(new Float64Array(4000000));",
            ScriptLanguage.JAVASCRIPT);
    var quick = sandbox.compile("quick-beside", "return ctx.input.n;", ScriptLanguage.JAVASCRIPT);
    assertThat(valueOf(sandbox.run(quick, Map.of("input", Map.of("n", -1)), HOST))).isEqualTo(-1L);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      // four callers of a new bomb at once: its first run goes alone, and once it is known its runs
      // wait for a worker other than the last one left, so a quick script always finds a worker
      List<Future<ScriptOutcome>> bombs = new ArrayList<>();
      for (int i = 0; i < 4; i++) bombs.add(pool.submit(() -> sandbox.run(bomb, null, HOST)));
      long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
      for (int n = 0; System.nanoTime() < until; n++) {
        ScriptOutcome outcome = sandbox.run(quick, Map.of("input", Map.of("n", n)), HOST);
        assertThat(kindOf(outcome))
            .as("quick run %d while the bomb's runs go", n)
            .isEqualTo("Success");
        Thread.sleep(20);
      }
      for (Future<ScriptOutcome> run : bombs) {
        assertThat(kindOf(run.get(30, TimeUnit.SECONDS)))
            .isIn("Exceeded MEMORY", "Exceeded CAPACITY");
      }
    } finally {
      pool.shutdownNow();
    }
    awaitWorkers(sandbox, 2);
  }

  @Test
  void a_script_that_ran_out_of_memory_twice_is_refused_for_a_while_and_loses_no_worker()
      throws Exception {
    awaitWorkers(sandbox, 2);
    var bomb =
        sandbox.compile(
            "bomb",
            "const b = []; for (;;) b.push(new Float64Array(4000000));",
            ScriptLanguage.JAVASCRIPT);
    long replaced = sandbox.stats().replaced();
    assertThat(kindOf(sandbox.run(bomb, null, HOST))).isEqualTo("Exceeded MEMORY");
    assertThat(runsOnceItsWorkerIsReady(sandbox, bomb))
        .as("once may be its input's fault: it runs again, on a worker for guarded runs")
        .isEqualTo("Exceeded MEMORY");
    for (int i = 0; i < 3; i++) {
      ScriptOutcome again = sandbox.run(bomb, null, HOST);
      assertThat(kindOf(again)).isEqualTo("Exceeded CAPACITY");
      assertThat(((ScriptOutcome.Exceeded) again).retryAfterSeconds()).isBetween(1L, 10L);
    }
    awaitWorkers(sandbox, 2);
    assertThat(sandbox.stats().replaced()).as("no worker lost to it").isEqualTo(replaced);
  }

  @Test
  void loops_end_at_the_statement_limit_or_the_timeout() throws Exception {
    assertThat(kindOf(run("while (true) {}"))).isEqualTo("StatementLimit");
    for (String loop :
        List.of(
            "while (true) {}",
            "let x = 0; for (let i = 0; i < 1e12; i++) { x = (x + i) | 0; } return x;")) {
      long start = System.nanoTime();
      var outcome =
          unlimited.run(unlimited.compile("loop", loop, ScriptLanguage.JAVASCRIPT), null, HOST);
      assertThat(kindOf(outcome)).isEqualTo("Timeout");
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isLessThan(TIMEOUT.plus(WorkerPool.GRACE));
    }
    assertThat(valueOf(run("return 'still here';"))).isEqualTo("still here");
    assertThat(
            valueOf(
                unlimited.run(
                    unlimited.compile("after", "return 1;", ScriptLanguage.JAVASCRIPT),
                    null,
                    HOST)))
        .isEqualTo(1L);
  }

  @Test
  void output_and_log_limits_have_their_own_outcomes() throws Exception {
    assertThat(kindOf(run("return 'x'.repeat(9 * 1024 * 1024);"))).isEqualTo("Exceeded OUTPUT");
    assertThat(kindOf(run("for (let i = 0; ; i++) console.log('line', i);")))
        .isEqualTo("Exceeded LOG");
    assertThat(
            kindOf(
                run(
                    "for (let i = 0; ; i++) { try { console.log('x'.repeat(8000)); } catch (e) {} }")))
        .isEqualTo("Exceeded LOG");
  }

  @Test
  void a_killed_worker_is_replaced() throws Exception {
    long before = sandbox.stats().replaced();
    var script = sandbox.compile("test", "return 2;", ScriptLanguage.JAVASCRIPT);
    List<Long> pids = sandbox.pids();
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (sandbox.stats().replaced() < before + 2 && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    awaitWorkers(sandbox, 2);
    assertThat(sandbox.stats().replaced()).isGreaterThanOrEqualTo(before + 2);
    assertThat(sandbox.pids()).doesNotContainAnyElementsOf(pids);
    assertThat(valueOf(sandbox.run(script, null, HOST))).isEqualTo(2L);
  }

  @Test
  void workers_start_with_an_empty_environment() throws Exception {
    assumeTrue(
        Files.isReadable(Path.of("/proc/self/environ")),
        "a process's environment is read from Linux's /proc");
    assertThat(System.getenv())
        .as("this JVM has an environment a worker could inherit")
        .containsKeys("PATH", "HOME");
    // every worker this JVM started, found as its child processes rather than through the pool
    List<Long> workers =
        ProcessHandle.current()
            .descendants()
            .filter(process -> commandLine(process.pid()).contains(WorkerMain.class.getName()))
            .map(ProcessHandle::pid)
            .toList();
    assertThat(workers).containsAll(sandbox.pids()).containsAll(unlimited.pids());
    for (long pid : workers) {
      Optional<Map<String, String>> read = environmentOf(pid);
      if (read.isEmpty()) continue; // a worker of a pool another test closed, gone since
      Map<String, String> environment = read.get();
      assertThat(environment.keySet())
          .as("variables of worker %d that this JVM also has", pid)
          .doesNotContainAnyElementsOf(System.getenv().keySet());
      assertThat(environment).as("environment of worker %d", pid).isEmpty();
    }
  }

  /** A process's arguments, joined by spaces; empty once it has gone. */
  private static String commandLine(long pid) {
    try {
      return new String(
              Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
              StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * The environment a process was started with, from {@code /proc/<pid>/environ}; empty when it has
   * gone.
   */
  private static Optional<Map<String, String>> environmentOf(long pid) throws IOException {
    var environment = new TreeMap<String, String>();
    String text;
    try {
      text =
          new String(
              Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")),
              StandardCharsets.UTF_8);
    } catch (java.nio.file.FileSystemException e) {
      // gone before it was opened, or while it was read (ESRCH)
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) throw e;
      return Optional.empty();
    }
    for (String entry : text.split("\0")) {
      if (entry.isEmpty()) continue;
      int equals = entry.indexOf('=');
      environment.put(
          equals < 0 ? entry : entry.substring(0, equals),
          equals < 0 ? "" : entry.substring(equals + 1));
    }
    return Optional.of(environment);
  }

  @Test
  void a_script_sees_no_java_polyglot_or_process_globals() throws Exception {
    assertThat(
            valueOf(
                run(
                    """
        const seen = [];
        for (const probe of ['Java', 'Polyglot', 'process', 'require', 'load', 'print', 'Packages', 'java']) {
          if (typeof globalThis[probe] !== 'undefined') seen.push(probe);
        }
        return seen;
        """)))
        .isEqualTo(List.of());
  }
}
