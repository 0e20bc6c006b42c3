package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.slipway.common.Json;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile-script corpus: each attack runs as a deployed endpoint and through {@code
 * /api/execute}, against a real server whose scripts run in sandbox workers. For each, the answer
 * carries the attack's own error code, the server stays healthy, the same endpoint then serves a
 * normal request, and nothing the attack did is visible to that request.
 */
// time, not the statement count, must stop the loops here
@ServerTest(
    settings = {"SLIPWAY_SCRIPT_TIMEOUT_MS=3000", "SLIPWAY_SCRIPT_STATEMENT_LIMIT=1000000000000"})
class HostileScriptsTest {

  private static TestDatabase database;
  private static TestSlipway slipway;

  /** A server on loopback that no script may reach: it counts the requests that got through. */
  private static HttpServer bait;

  private static final AtomicInteger baitHits = new AtomicInteger();

  /**
   * One attack. {@code expected} maps where it ran ("endpoint", "execute") to the status and code
   * it must get; a fetch attack catches its error and returns the message, which must name {@code
   * egress_denied}.
   */
  record Attack(String name, String code, Map<String, String> expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final String TIMEOUT = "504 script_timeout";
  private static final String SCRIPT_ERROR = "endpoint 500 step_failed|execute 422 script_failed";

  static Stream<Attack> corpus() {
    return Stream.of(
        attack("infinite loop", "while (true) {}", TIMEOUT),
        attack(
            "tight counted loop",
            "let x = 0; for (let i = 0; i < 1e15; i++) { x = (x + i) | 0; } return x;",
            TIMEOUT),
        attack(
            "memory bomb",
            "const a = []; while (true) a.push(new Float64Array(4000000));",
            "500 script_memory_exceeded"),
        attack(
            "memory bomb of strings",
            "const a = []; for (let i = 0; ; i++) a.push('x'.repeat(1 << 20) + i);",
            "500 script_memory_exceeded"),
        attack("deep recursion", "const f = (n) => f(n + 1) + 1; return f(0);", SCRIPT_ERROR),
        attack("huge output", "return 'x'.repeat(9 * 1024 * 1024);", "500 script_output_too_large"),
        attack("huge log spam", "for (;;) console.log('spam spam spam');", "500 script_log_limit"),
        attack(
            "log spam that swallows the limit",
            "for (;;) { try { ctx.log('x'.repeat(8000)); } catch (e) {} }",
            "500 script_log_limit"),
        attack("Java.type", "return Java.type('java.lang.System').exit(1);", SCRIPT_ERROR),
        attack("Polyglot", "return Polyglot.eval('js', '1 + 1');", SCRIPT_ERROR),
        attack("load a file", "load('/etc/passwd'); return 1;", SCRIPT_ERROR),
        attack(
            "load a URL",
            "load('http://127.0.0.1:" + '$' + "{PORT}/x.js'); return 1;",
            SCRIPT_ERROR),
        attack(
            "fetch 127.0.0.1", fetch("http://127.0.0.1:" + '$' + "{PORT}/"), "200 egress_denied"),
        attack("fetch 10.0.0.1", fetch("http://10.0.0.1/"), "200 egress_denied"),
        attack(
            "fetch cloud metadata",
            fetch("http://169.254.169.254/latest/meta-data/"),
            "200 egress_denied"),
        attack(
            "fetch a name resolving to loopback",
            fetch("http://localhost:" + '$' + "{PORT}/"),
            "200 egress_denied"),
        attack(
            "fetch loopback spelled in octal",
            fetch("http://0177.0.0.1:" + '$' + "{PORT}/"),
            "200 egress_denied"),
        attack(
            "ReDoS", "return /^(a+)+$/.test('a'.repeat(40) + 'b');", "200 ok|504 script_timeout"),
        attack(
            "prototype pollution",
            """
            Object.prototype.polluted = 'yes';
            Array.prototype.map = () => 'hijacked';
            JSON.stringify = () => '"hijacked"';
            return 1;""",
            SCRIPT_ERROR),
        attack(
            "quiet pollution attempts",
            """
            for (const f of [() => { Object.prototype.polluted = 'yes'; }, () => { globalThis.leak = 1; },
                             () => { Object.defineProperty(Object.prototype, 'polluted', { value: 1 }); },
                             () => { Object.setPrototypeOf(Array.prototype, { polluted: 1 }); },
                             () => { console.log = () => {}; }, () => { Math.random = () => 4; }]) {
              try { f(); } catch (e) {}
            }
            return 'tried';""",
            "200 ok"));
  }

  private static String fetch(String url) {
    return "try { await ctx.fetch('"
        + url
        + "'); return 'reached'; } catch (e) { return e.message; }";
  }

  /**
   * {@code outcome} is "STATUS CODE" for both places, or "endpoint S C|execute S C"; alternatives
   * by '|'.
   */
  private static Attack attack(String name, String code, String outcome) {
    Map<String, String> expected;
    if (outcome.startsWith("endpoint ")) {
      String[] parts = outcome.split("\\|");
      expected =
          Map.of(
              "endpoint",
              parts[0].substring("endpoint ".length()),
              "execute",
              parts[1].substring("execute ".length()));
    } else {
      expected = Map.of("endpoint", outcome, "execute", outcome);
    }
    return new Attack(name, code, expected);
  }

  @BeforeAll
  static void start() throws Exception {
    bait = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    bait.createContext(
        "/",
        exchange -> {
          baitHits.incrementAndGet();
          byte[] body = "console.log('loaded')".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    bait.start();
    List<Attack> attacks = corpus().toList();
    for (int i = 0; i < attacks.size(); i++) {
      // the attack when ?attack=1, else a normal request that looks for leftovers of earlier
      // attacks
      String script =
          "if (ctx.input.query.attack === '1') {\n" + code(attacks.get(i)) + "\n}\n" + LEFTOVERS;
      slipway.save(
          Json.MAPPER.writeValueAsString(
              Map.of(
                  "name",
                  "hostile-" + i,
                  "method",
                  "GET",
                  "path",
                  "/hostile/" + i,
                  "input",
                  Map.of("query", Map.of("attack", Map.of("type", "string"))),
                  "steps",
                  List.of(Map.of("id", "attack", "script", script, "language", "javascript")))));
    }
    slipway.deploy("{}");
  }

  private static String code(Attack attack) {
    return attack.code().replace("${PORT}", Integer.toString(bait.getAddress().getPort()));
  }

  /** What a normal run returns: whatever an earlier attack may have left behind. */
  private static final String LEFTOVERS =
      """
      return {
        polluted: ({}).polluted === undefined ? 'no' : 'yes',
        leak: typeof globalThis.leak,
        map: [1, 2].map(x => x * 2),
        json: JSON.stringify({ a: 1 }),
        random: Math.random() < 1,
        protoOfArray: Object.getPrototypeOf(Array.prototype) === Object.prototype
      };""";

  private static final Map<String, Object> CLEAN =
      Map.of(
          "polluted",
          "no",
          "leak",
          "undefined",
          "map",
          List.of(2L, 4L),
          "json",
          "{\"a\":1}",
          "random",
          true,
          "protoOfArray",
          true);

  @AfterAll
  static void stop() {
    if (bait != null) bait.stop(0);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void an_attack_through_an_endpoint_gets_its_code_and_harms_nothing(Attack attack)
      throws Exception {
    int index = corpus().map(Attack::name).toList().indexOf(attack.name());
    Reply reply = slipway.data("GET", "/hostile/" + index + "?attack=1");
    assertOutcome(attack, "endpoint", reply);
    assertHealthy();
    Reply normal = slipway.data("GET", "/hostile/" + index);
    assertThat(normal.status()).as(normal.toString()).isEqualTo(200);
    assertThat(Json.MAPPER.convertValue(normal.json(), Map.class)).isEqualTo(CLEAN);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void an_attack_through_execute_gets_its_code_and_harms_nothing(Attack attack) throws Exception {
    Reply reply =
        slipway.control(
            "POST",
            "/api/execute",
            Json.MAPPER.writeValueAsString(Map.of("code", code(attack), "language", "javascript")),
            "application/json");
    assertOutcome(attack, "execute", reply);
    assertHealthy();
    Reply normal =
        slipway.control(
            "POST",
            "/api/execute",
            Json.MAPPER.writeValueAsString(Map.of("code", LEFTOVERS, "language", "javascript")),
            "application/json");
    assertThat(normal.status()).as(normal.toString()).isEqualTo(200);
    assertThat(Json.MAPPER.convertValue(normal.json().get("result"), Map.class)).isEqualTo(CLEAN);
  }

  private static void assertOutcome(Attack attack, String where, Reply reply) {
    Set<String> allowed = Set.of(attack.expected().get(where).split("\\|"));
    String got;
    if (reply.status() == 200) {
      String result = where.equals("execute") ? reply.json().path("result").asText() : reply.body();
      got = result.contains("egress_denied") ? "200 egress_denied" : "200 ok";
    } else {
      assertThat(reply.contentType()).as(reply.toString()).startsWith("application/problem+json");
      got = reply.status() + " " + reply.json().path("code").asText();
    }
    assertThat(got).as(attack.name() + " via " + where + ": " + cut(reply.body())).isIn(allowed);
    assertThat(baitHits.get()).as("requests that reached the loopback server").isZero();
  }

  private static String cut(String body) {
    return body.length() > 300 ? body.substring(0, 300) + "…" : body;
  }

  /**
   * The server answers ok, and the worker pool is back to full strength (a killed worker's
   * replacement has warmed up).
   */
  private static void assertHealthy() throws InterruptedException {
    Reply health = slipway.control("GET", "/api/health");
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json().path("status").asText()).isEqualTo("ok");
    for (int wait = 0;
        wait < 600 && health.json().path("sandbox").path("idle").asInt() < 2;
        wait++) {
      Thread.sleep(50);
      health = slipway.control("GET", "/api/health");
    }
    assertThat(health.json().path("sandbox").path("idle").asInt())
        .as(health.toString())
        .isEqualTo(2);
  }
}
