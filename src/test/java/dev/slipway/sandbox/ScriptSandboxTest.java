package dev.slipway.sandbox;

import static dev.slipway.sandbox.Outcomes.failureOf;
import static dev.slipway.sandbox.Outcomes.valueOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.spec.ScriptLanguage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ScriptSandboxTest {

  private static final Duration TIMEOUT = Duration.ofMillis(750);
  private static final long STATEMENT_LIMIT = 200_000;

  private static ScriptSandbox sandbox;

  /** Without a statement limit, so that only the clock can stop a loop. */
  private static ScriptSandbox unlimited;

  @BeforeAll
  static void startSandboxes() {
    sandbox = new ScriptSandbox(new SandboxLimits(TIMEOUT, STATEMENT_LIMIT, 4));
    unlimited = new ScriptSandbox(new SandboxLimits(TIMEOUT, 0, 2));
  }

  @AfterAll
  static void closeSandboxes() {
    sandbox.close();
    unlimited.close();
  }

  private static ScriptOutcome run(String body, Map<String, Object> ctx)
      throws ScriptCompileException {
    return run(body, ctx, ScriptHost.NONE);
  }

  private static ScriptOutcome run(String body, Map<String, Object> ctx, ScriptHost host)
      throws ScriptCompileException {
    return sandbox.run(sandbox.compile("test", body, ScriptLanguage.JAVASCRIPT), ctx, host);
  }

  @Test
  void a_transpiled_typescript_source_comes_from_the_cache_without_loading_the_compiler()
      throws Exception {
    var stored = new java.util.concurrent.ConcurrentHashMap<String, String>();
    TranspileCache cache =
        new TranspileCache() {
          @Override
          public java.util.Optional<String> get(String key) {
            return java.util.Optional.ofNullable(stored.get(key));
          }

          @Override
          public void put(String key, String javascript) {
            stored.put(key, javascript);
          }
        };
    String source = "const n: number = ctx.n; return n * 2;";
    try (var first = new ScriptSandbox(new SandboxLimits(TIMEOUT, STATEMENT_LIMIT, 1), cache)) {
      first.compile("double", source, ScriptLanguage.TYPESCRIPT);
      assertThat(first.typeScriptCompilerLoaded()).isTrue();
    }
    assertThat(stored).hasSize(1);
    try (var second = new ScriptSandbox(new SandboxLimits(TIMEOUT, STATEMENT_LIMIT, 1), cache)) {
      CompiledScript script = second.compile("double", source, ScriptLanguage.TYPESCRIPT);
      assertThat(second.typeScriptCompilerLoaded()).isFalse();
      var outcome = second.run(script, Map.of("n", 21), ScriptHost.NONE);
      assertThat(((ScriptOutcome.Success) outcome).value()).isEqualTo(42L);
      assertThatThrownBy(
              () -> second.compile("broken", "const x: number = ;", ScriptLanguage.TYPESCRIPT))
          .isInstanceOf(ScriptCompileException.class);
    }
    assertThat(stored).as("failures are not cached").hasSize(1);
  }

  @Test
  void returns_the_value_as_a_plain_java_tree() throws Exception {
    Object value =
        valueOf(
            run(
                "return { a: 1, b: 'x', c: [true, null, 2.5], d: { e: 3.0 }, f: undefined };",
                null));

    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("a", 1L);
    expected.put("b", "x");
    expected.put("c", java.util.Arrays.asList(true, null, 2.5));
    expected.put("d", Map.of("e", 3L));
    assertThat(value).isInstanceOf(LinkedHashMap.class).isEqualTo(expected);
    assertThat(valueOf(run("return undefined;", null))).isNull();
    assertThat(valueOf(run("return 'text';", null))).isEqualTo("text");
  }

  @Test
  void reads_ctx_data_as_plain_javascript_objects() throws Exception {
    List<Object> items = new ArrayList<>(List.of(3, 4, 5));
    Map<String, Object> ctx =
        Map.of("input", Map.of("body", Map.of("items", items)), "steps", Map.of());

    Object value =
        valueOf(
            run(
                """
        const items = ctx.input.body.items;
        let sum = 0;
        for (const x of items) sum += x;
        return { count: items.length, sum, isArray: Array.isArray(items), steps: typeof ctx.steps };
        """,
                ctx));

    assertThat(value)
        .isEqualTo(Map.of("count", 3L, "sum", 12L, "isArray", true, "steps", "object"));
  }

  @Test
  void awaits_the_promise_the_script_returns() throws Exception {
    Object value =
        valueOf(
            run(
                "const x = await Promise.resolve(20); return await new Promise(r => r(x + 1));",
                null));

    assertThat(value).isEqualTo(21L);
  }

  @Test
  void strips_typescript_types() throws Exception {
    CompiledScript script =
        sandbox.compile(
            "ts",
            """
        interface Totals { count: number; sum: number }
        const items: number[] = ctx.input.items;
        let sum: number = 0;
        for (const x of items) sum += x;
        ctx.log('summing', items.length);
        const totals: Totals = { count: items.length, sum } as Totals;
        return totals;
        """,
            ScriptLanguage.TYPESCRIPT);

    ScriptOutcome outcome =
        sandbox.run(script, Map.of("input", Map.of("items", List.of(1, 2, 3))), ScriptHost.NONE);

    assertThat(valueOf(outcome)).isEqualTo(Map.of("count", 3L, "sum", 6L));
    assertThat(outcome.logs()).containsExactly(new LogLine("info", "summing 3"));
    assertThat(script.javascript()).doesNotContain("number[]", "interface");
  }

  @Test
  void reports_a_javascript_syntax_error_at_the_authors_line() {
    assertThatThrownBy(
            () ->
                sandbox.compile(
                    "orders", "let a = 1;\nlet b = ;\nreturn a;", ScriptLanguage.JAVASCRIPT))
        .isInstanceOfSatisfying(
            ScriptCompileException.class,
            e -> {
              assertThat(e.line()).isEqualTo(2);
              assertThat(e.scriptName()).isEqualTo("orders");
              assertThat(e.detail()).isNotBlank().doesNotContain("orders:");
              assertThat(e.getMessage()).startsWith("orders:2: ");
            });
    assertThatThrownBy(() -> sandbox.compile("first", "return (;", ScriptLanguage.JAVASCRIPT))
        .isInstanceOfSatisfying(
            ScriptCompileException.class, e -> assertThat(e.line()).isEqualTo(1));
  }

  @Test
  void reports_a_typescript_syntax_error_at_the_authors_line() {
    assertThatThrownBy(
            () ->
                sandbox.compile(
                    "ts",
                    "const a: number = 1;\n\nconst b: = 2;\nreturn a;",
                    ScriptLanguage.TYPESCRIPT))
        .isInstanceOfSatisfying(
            ScriptCompileException.class,
            e -> {
              assertThat(e.line()).isEqualTo(3);
              assertThat(e.detail()).startsWith("Unexpected token `=`");
            });
  }

  @Test
  void rejects_a_body_that_tries_to_close_the_wrapper() {
    assertThatThrownBy(
            () ->
                sandbox.compile(
                    "escape",
                    "return 1; }); globalThis.leak = 1; (function () {",
                    ScriptLanguage.JAVASCRIPT))
        .isInstanceOf(ScriptCompileException.class);
    assertThatThrownBy(
            () ->
                sandbox.compile("escape", "return 1; }, function () {", ScriptLanguage.TYPESCRIPT))
        .isInstanceOf(ScriptCompileException.class);
    assertThatThrownBy(
            () ->
                sandbox.compile(
                    "escape",
                    "const n: number = 1; return n; }); globalThis.leak = 1; (function () {",
                    ScriptLanguage.TYPESCRIPT))
        .isInstanceOfSatisfying(
            ScriptCompileException.class,
            e -> assertThat(e.detail()).contains("closes the function"));
  }

  @Test
  void turns_a_thrown_error_into_a_failure_with_its_name_and_message() throws Exception {
    assertThat(failureOf(run("throw new TypeError('bad input');", null)))
        .isEqualTo("TypeError: bad input");
    assertThat(failureOf(run("await null; null.x;", null))).startsWith("TypeError: ");
    assertThat(failureOf(run("throw 'plain';", null))).isEqualTo("Uncaught plain");
    assertThat(
            failureOf(
                run(
                    """
        class ValidationError extends Error {
         constructor(message) { super(message); this.name = 'ValidationError'; }
        }
        throw new ValidationError('amount must be positive');
        """,
                    null)))
        .isEqualTo("ValidationError: amount must be positive");
  }

  @Test
  void turns_runaway_recursion_into_a_failure() throws Exception {
    assertThat(failureOf(run("function down(n) { return down(n + 1) + 1; } return down(0);", null)))
        .startsWith("RangeError");
  }

  @Test
  void fails_on_a_result_that_json_cannot_represent() throws Exception {
    assertThat(failureOf(run("return 10n;", null))).startsWith("TypeError");
  }

  @Test
  void ends_an_infinite_loop_at_the_timeout() throws Exception {
    CompiledScript spin =
        unlimited.compile(
            "spin", "ctx.log('spinning'); while (true) {}", ScriptLanguage.JAVASCRIPT);
    long start = System.nanoTime();

    ScriptOutcome outcome = unlimited.run(spin, null, ScriptHost.NONE);

    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(outcome)
        .isEqualTo(new ScriptOutcome.Timeout(TIMEOUT, List.of(new LogLine("info", "spinning"))));
    assertThat(took).isBetween(TIMEOUT.minusMillis(50), TIMEOUT.plusSeconds(1));
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    // every pooled context still works, including the replacement for the cancelled one
    CompiledScript add = unlimited.compile("add", "return 1 + 1;", ScriptLanguage.JAVASCRIPT);
    for (int i = 0; i < 4; i++) {
      assertThat(valueOf(unlimited.run(add, null, ScriptHost.NONE))).isEqualTo(2L);
    }
  }

  @Test
  void ends_a_promise_that_never_resolves_as_a_timeout() throws Exception {
    ScriptOutcome outcome = run("await new Promise(() => {}); return 1;", null);

    assertThat(outcome).isInstanceOf(ScriptOutcome.Timeout.class);
    assertThat(valueOf(run("return 2;", null))).isEqualTo(2L);
  }

  @Test
  void stops_a_script_at_the_statement_limit() throws Exception {
    // cheap statements, so the limit rather than the timeout ends it
    ScriptOutcome outcome = run("let i = 0; for (;;) { i++; }", null);

    assertThat(outcome).isInstanceOf(ScriptOutcome.StatementLimit.class);
    assertThat(((ScriptOutcome.StatementLimit) outcome).limit()).isEqualTo(STATEMENT_LIMIT);
    // the counter starts again for every run
    String belowLimit =
        "let s = 0; for (let i = 0; i < "
            + STATEMENT_LIMIT / 4
            + "; i++) { s += i; } return s > 0;";
    for (int i = 0; i < 8; i++) {
      assertThat(valueOf(run(belowLimit, null))).isEqualTo(true);
    }
  }

  @Test
  void a_script_is_on_trial_until_a_run_ends_and_leaves_its_context_sound() throws Exception {
    String body =
        """
        ctx.log('called with', ctx.input);
        if (ctx.input === 'loop') for (;;) {}
        if (ctx.input === 'throw') throw new TypeError('no ' + ctx.input);
        return { got: ctx.input };
        """;
    CompiledScript script = sandbox.compile("on-trial", body, ScriptLanguage.JAVASCRIPT);

    assertThat(sandbox.run(script, Map.of("input", "loop"), ScriptHost.NONE))
        .isInstanceOf(ScriptOutcome.StatementLimit.class);
    assertThat(script.proven()).isFalse();
    // through the runner's copy for scripts on trial, then through the runner: the same outcomes
    ScriptOutcome onTrial = sandbox.run(script, Map.of("input", "throw"), ScriptHost.NONE);
    assertThat(script.proven()).isTrue();
    ScriptOutcome proven = sandbox.run(script, Map.of("input", "throw"), ScriptHost.NONE);
    assertThat(failureOf(onTrial)).isEqualTo(failureOf(proven)).isEqualTo("TypeError: no throw");
    assertThat(onTrial.logs()).isEqualTo(proven.logs());

    CompiledScript fresh = sandbox.compile("on-trial-too", body, ScriptLanguage.JAVASCRIPT);
    assertThat(valueOf(sandbox.run(fresh, Map.of("input", "x"), ScriptHost.NONE)))
        .isEqualTo(valueOf(sandbox.run(fresh, Map.of("input", "x"), ScriptHost.NONE)))
        .isEqualTo(Map.of("got", "x"));
    // a proven script that loops is stopped all the same, and the next run is sound
    assertThat(sandbox.run(script, Map.of("input", "loop"), ScriptHost.NONE))
        .isInstanceOf(ScriptOutcome.StatementLimit.class);
    assertThat(valueOf(sandbox.run(script, Map.of("input", "y"), ScriptHost.NONE)))
        .isEqualTo(Map.of("got", "y"));
  }

  @Test
  void passes_queries_to_the_host_and_returns_its_rows() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    ScriptHost host =
        (sql, params) -> {
          seen.add(sql + " " + params);
          return List.of(Map.of("one", 1, "name", "a"), Map.of("one", 2, "name", "b"));
        };

    Object value =
        valueOf(
            run(
                """
        const rows = await ctx.db.query('select 1 as one', { id: 7, tags: ['x'] });
        const none = await ctx.db.query('select 2');
        return { names: rows.map(r => r.name), first: rows[0].one, isArray: Array.isArray(none) };
        """,
                null,
                host));

    assertThat(value).isEqualTo(Map.of("names", List.of("a", "b"), "first", 1L, "isArray", true));
    assertThat(seen).containsExactly("select 1 as one {id=7, tags=[x]}", "select 2 {}");
  }

  @Test
  void surfaces_a_failing_query_as_a_catchable_error() throws Exception {
    ScriptHost host =
        (sql, params) -> {
          throw new IllegalStateException("relation \"orders\" does not exist");
        };

    Object caught =
        valueOf(
            run(
                """
        try { await ctx.db.query('select * from orders'); return 'no error'; }
        catch (e) { return { isError: e instanceof Error, message: e.message }; }
        """,
                null,
                host));
    ScriptOutcome uncaught = run("return await ctx.db.query('select * from orders');", null, host);

    assertThat(caught)
        .isEqualTo(Map.of("isError", true, "message", "relation \"orders\" does not exist"));
    assertThat(failureOf(uncaught)).isEqualTo("Error: relation \"orders\" does not exist");
  }

  @Test
  void captures_log_lines_and_passes_them_to_the_host() throws Exception {
    List<String> hostLines = new CopyOnWriteArrayList<>();
    ScriptHost host =
        new ScriptHost() {
          @Override
          public List<Map<String, Object>> query(String sql, Map<String, Object> params) {
            return List.of();
          }

          @Override
          public void log(String level, String message) {
            hostLines.add(level + " " + message);
          }
        };

    ScriptOutcome outcome =
        run(
            """
        ctx.log('summing', 3, { a: [1, 'b'] }, null, undefined, true);
        console.log('via console');
        console.warn('careful');
        console.error(new RangeError('too big'));
        throw new Error('after logging');
        """,
            null,
            host);

    assertThat(outcome.logs())
        .containsExactly(
            new LogLine("info", "summing 3 {\"a\":[1,\"b\"]} null undefined true"),
            new LogLine("info", "via console"),
            new LogLine("warn", "careful"),
            new LogLine("error", "RangeError: too big"));
    assertThat(hostLines)
        .hasSize(4)
        .first()
        .isEqualTo("info summing 3 {\"a\":[1,\"b\"]} null undefined true");
    assertThat(failureOf(outcome)).isEqualTo("Error: after logging");
  }

  @Test
  void a_run_that_logs_past_the_limit_ends_with_the_log_limit_and_keeps_what_fit()
      throws Exception {
    ScriptOutcome outcome = run("for (let i = 0; i < 5000; i++) ctx.log(i); return 'done';", null);

    assertThat(outcome)
        .isInstanceOfSatisfying(
            ScriptOutcome.Exceeded.class,
            e -> assertThat(e.limit()).isEqualTo(ScriptOutcome.Limit.LOG));
    assertThat(outcome.logs()).hasSize(HostBridge.MAX_LOG_LINES);
    assertThat(valueOf(run("ctx.log('fine'); return 'next';", null))).isEqualTo("next");
  }

  @Test
  void runs_scripts_concurrently_without_mixing_results() throws Exception {
    CompiledScript script =
        sandbox.compile(
            "sum",
            """
        let sum = 0;
        for (const x of ctx.input.items) sum += x;
        ctx.log('request', ctx.input.id);
        return { id: ctx.input.id, sum };
        """,
            ScriptLanguage.JAVASCRIPT);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        futures.add(
            threads.submit(
                () -> {
                  for (int i = 0; i < 200; i++) {
                    int id = thread * 1000 + i;
                    List<Object> items =
                        IntStream.range(0, 100)
                            .map(n -> n + id)
                            .boxed()
                            .map(Object.class::cast)
                            .toList();
                    ScriptOutcome outcome =
                        sandbox.run(
                            script,
                            Map.of("input", Map.of("id", id, "items", items)),
                            ScriptHost.NONE);
                    long expectedSum = 100L * id + 4950;
                    assertThat(valueOf(outcome))
                        .isEqualTo(Map.of("id", (long) id, "sum", expectedSum));
                    assertThat(outcome.logs())
                        .containsExactly(new LogLine("info", "request " + id));
                  }
                  return null;
                }));
      }
      for (Future<?> future : futures) {
        future.get();
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void gives_scripts_no_access_to_java_require_process_or_io() throws Exception {
    Object value =
        valueOf(
            run(
                """
        return [typeof Java, typeof require, typeof process, typeof load, typeof print,
            typeof Polyglot, typeof setTimeout, typeof module];
        """,
                null));

    assertThat(value)
        .isEqualTo(
            List.of(
                "undefined",
                "undefined",
                "undefined",
                "undefined",
                "undefined",
                "undefined",
                "undefined",
                "undefined"));
    assertThat(failureOf(run("return Java.type('java.lang.System');", null)))
        .startsWith("ReferenceError");
  }

  @Test
  void keeps_one_scripts_changes_to_the_environment_from_the_next() throws Exception {
    assertThat(failureOf(run("Array.prototype.sum = function () { return 0; }; return 1;", null)))
        .startsWith("TypeError");
    assertThat(failureOf(run("JSON.parse = () => 1; return 1;", null))).startsWith("TypeError");
    assertThat(failureOf(run("globalThis.shared = 1; return 1;", null))).startsWith("TypeError");
    assertThat(failureOf(run("leaked = 1; return 1;", null))).startsWith("ReferenceError");
    assertThat(
            valueOf(
                run(
                    """
        const o = {};
        o.toString = () => 'own';
        function Legacy() {}
        Legacy.prototype.constructor = Legacy;
        return [String(o), typeof Array.prototype.sum, typeof globalThis.shared];
        """,
                    null)))
        .isEqualTo(List.of("own", "undefined", "undefined"));
  }

  @Test
  void rejects_ctx_data_that_is_not_a_map() throws Exception {
    CompiledScript script = sandbox.compile("any", "return 1;", ScriptLanguage.JAVASCRIPT);

    assertThatThrownBy(() -> sandbox.run(script, List.of(1), ScriptHost.NONE))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void validates_its_limits() {
    assertThatThrownBy(() -> new SandboxLimits(Duration.ZERO, 1, 1))
        .hasMessageContaining("timeout");
    assertThatThrownBy(() -> new SandboxLimits(Duration.ofSeconds(1), 1, 0))
        .hasMessageContaining("poolSize");
  }
}
