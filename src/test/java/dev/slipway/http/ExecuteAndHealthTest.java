package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The seed routes: health, execute, the spec's schema, the call log. */
// the clock, not the statement count, must stop the loop of the timeout test
@ServerTest(
    settings = {"SLIPWAY_SCRIPT_TIMEOUT_MS=300", "SLIPWAY_SCRIPT_STATEMENT_LIMIT=1000000000000"})
class ExecuteAndHealthTest {
  private static TestDatabase database;
  private static TestSlipway slipway;

  @BeforeAll
  static void start() throws Exception {
    // a worker still starting takes a core of two: a run beside it could miss the 300 ms timeout
    slipway.awaitSandboxWorkers();
  }

  @Test
  void the_script_types_are_served_for_editors_without_a_token() {
    Reply types =
        slipway.send(
            "GET",
            "http://127.0.0.1:" + slipway.controlPort() + "/api/schemas/slipway.d.ts",
            (byte[]) null,
            null,
            Map.of());
    assertThat(types.status()).isEqualTo(200);
    assertThat(types.contentType()).startsWith("application/typescript");
    assertThat(types.body())
        .contains("declare const ctx: Slipway.Context;")
        .contains("query<T extends Row = Row>");
  }

  @Test
  void health_reports_pool_figures_release_and_version() {
    var health = slipway.control("GET", "/api/health").json();
    assertThat(health.path("status").asText()).isEqualTo("ok");
    assertThat(health.path("uptime").isNumber()).isTrue();
    assertThat(health.path("connections").path("max").asInt()).isEqualTo(8);
    assertThat(health.path("connections").has("active")).isTrue();
    assertThat(health.path("liveEndpoints").isIntegralNumber()).isTrue();
    assertThat(health.path("version").asText()).isNotBlank();
    assertThat(health.path("sandbox").path("mode").asText()).isEqualTo("workers");
    assertThat(health.path("sandbox").path("heap").asText()).isEqualTo("256m");
    assertThat(health.path("sandbox").path("target").asInt()).isEqualTo(2);
    // both started before the tests (a timed-out run's worker may be in its replacement)
    assertThat(health.path("sandbox").path("workers").asInt()).isBetween(1, 2);
  }

  @Test
  void execute_runs_typescript_with_context_and_logs() {
    var reply =
        slipway.control(
            "POST",
            "/api/execute",
            """
        {"code": "const n: number = ctx.n; ctx.log('doubling', n); return { doubled: n * 2 };", "context": {"n": 21}}
        """,
            "application/json");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    assertThat(reply.json().path("result").path("doubled").asInt()).isEqualTo(42);
    assertThat(reply.json().path("executionTime").isNumber()).isTrue();
    assertThat(reply.json().path("logs").get(0).path("message").asText()).isEqualTo("doubling 21");
  }

  @Test
  void execute_can_query_the_database_in_a_transaction_that_is_rolled_back() {
    var reply =
        slipway.control(
            "POST",
            "/api/execute",
            """
        {"code": "await ctx.db.query('delete from app.activity', {}); const rows = await ctx.db.query('select count(*)::int as n from app.activity where actor like :p', {p: '%'}); return rows[0].n;"}
        """,
            "application/json");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    assertThat(reply.json().path("result").asInt()).isZero();
    assertThat(database.scalar("select count(*) from app.activity")).isEqualTo(100L);
  }

  @Test
  void execute_ends_an_infinite_loop_at_the_timeout_with_a_clear_error() {
    var reply =
        slipway.control(
            "POST", "/api/execute", "{\"code\": \"while (true) {}\"}", "application/json");
    assertThat(reply.status()).isEqualTo(504);
    assertThat(reply.json().path("code").asText()).isEqualTo("script_timeout");
    assertThat(reply.json().path("detail").asText()).contains("was stopped");
    var after =
        slipway.control("POST", "/api/execute", "{\"code\": \"return 1 + 1\"}", "application/json");
    assertThat(after.json().path("result").asInt()).isEqualTo(2);
  }

  @Test
  void execute_reports_syntax_errors_and_thrown_errors_as_422() {
    var syntax =
        slipway.control("POST", "/api/execute", "{\"code\": \"return (\"}", "application/json");
    assertThat(syntax.status()).isEqualTo(422);
    assertThat(syntax.json().path("code").asText()).isEqualTo("script_invalid");
    var thrown =
        slipway.control(
            "POST",
            "/api/execute",
            "{\"code\": \"throw new TypeError('nope')\"}",
            "application/json");
    assertThat(thrown.status()).isEqualTo(422);
    assertThat(thrown.json().path("detail").asText()).contains("TypeError").contains("nope");
    var missing = slipway.control("POST", "/api/execute", "{}", "application/json");
    assertThat(missing.status()).isEqualTo(422);
    assertThat(missing.errorPaths()).containsExactly("/code");
  }

  @Test
  void the_spec_schema_is_published_without_a_token() {
    var reply =
        slipway.send(
            "GET",
            "http://127.0.0.1:" + slipway.controlPort() + "/api/schemas/endpoint.json",
            (byte[]) null,
            null,
            Map.of());
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().path("$schema").asText()).contains("2020-12");
    assertThat(reply.json().path("properties").has("steps")).isTrue();
  }

  @Test
  void every_data_plane_call_is_logged_with_its_request_id() {
    slipway.save(
        """
        name: logged
        method: GET
        path: /api/logged
        response: { body: "ok" }
        """);
    slipway.deploy("{}");
    var call =
        slipway.send(
            "GET",
            "http://127.0.0.1:" + slipway.dataPort() + "/api/logged",
            (byte[]) null,
            null,
            Map.of("X-Request-Id", "trace-123"));
    assertThat(call.header("X-Request-Id")).isEqualTo("trace-123");
    var logs = slipway.control("GET", "/api/logs?limit=5").json();
    assertThat(logs.get(0).path("requestId").asText()).isEqualTo("trace-123");
    assertThat(logs.get(0).path("endpoint").asText()).isEqualTo("logged");
    assertThat(logs.get(0).path("status").asInt()).isEqualTo(200);
    assertThat(logs.get(0).path("version").asInt()).isEqualTo(1);
  }

  @Test
  void validation_fields_compile_to_json_schema_and_zod_or_a_422_naming_each_field() {
    var reply =
        slipway.control(
            "POST",
            "/api/validation",
            "{\"fields\": {\"name\": \"string(1..200)\", \"status\": \"enum('active','archived')?\"}}",
            "application/json");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    assertThat(
            reply
                .json()
                .path("jsonSchema")
                .path("properties")
                .path("name")
                .path("maxLength")
                .asInt())
        .isEqualTo(200);
    assertThat(reply.json().path("jsonSchema").path("required").toString()).isEqualTo("[\"name\"]");
    assertThat(reply.json().path("zod").asText())
        .isEqualTo(
            "z.object({ name: z.string().min(1).max(200), status: z.enum([\"active\", \"archived\"]).optional() }).strict()");
    var bad =
        slipway.control(
            "POST",
            "/api/validation",
            "{\"fields\": {\"name\": \"strng\", \"age\": \"integer(5..1)\"}}",
            "application/json");
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.contentType()).startsWith("application/problem+json");
    assertThat(bad.errorPaths()).containsExactly("/fields/name", "/fields/age");
  }
}
