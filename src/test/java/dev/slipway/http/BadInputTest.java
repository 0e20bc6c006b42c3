package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every class of client error gets its status and a problem+json body; hostile values get a 4xx (or
 * a clean answer), never a 5xx, and write nothing.
 */
// a statement limit low enough that a loop reaches it within the timeout even before the worker's
// JIT compiles it
@ServerTest(
    settings = {
      "SLIPWAY_MAX_BODY_BYTES=65536",
      "SLIPWAY_SCRIPT_TIMEOUT_MS=500",
      "SLIPWAY_SCRIPT_STATEMENT_LIMIT=200000"
    })
class BadInputTest {
  private static final String ORG = "11111111-1111-4111-8111-111111111111";
  private static final List<String> HOSTILE =
      List.of(
          "'; drop table app.projects; --",
          "1 or 1=1",
          "\" or \"\"=\"",
          "x'); delete from app.projects where ('1'='1",
          "$$; drop table app.projects; $$",
          "\u0000\u0001",
          "../../etc/passwd",
          "%00",
          "😀".repeat(50));

  private static TestDatabase database;
  private static TestSlipway slipway;

  @BeforeAll
  static void start() throws Exception {
    slipway.save(
        """
        name: get-project
        method: GET
        path: /api/projects/:id
        input:
          params: { id: { type: string, format: uuid } }
        steps:
          - id: project
            sql: select id, name from app.projects where id = :id
            params: { id: "${input.params.id}" }
            expect: one
        response: { body: "${steps.project.row}" }
        """);
    slipway.save(
        """
        name: find-projects
        method: GET
        path: /api/projects/by-name/:name
        input:
          query: { status: { type: string }, q: { type: string } }
        steps:
          - id: found
            sql: select id, name from app.projects where name = :name or name = :q or status = :status
            params: { name: "${input.params.name}", q: "${input.query.q}", status: "${input.query.status}" }
        response: { body: "${steps.found.rows}" }
        """);
    slipway.save(
        """
        name: create-project
        method: POST
        path: /api/projects
        input:
          body:
            type: object
            required: [name, status, orgId]
            properties:
              name: { type: string, minLength: 1, maxLength: 200 }
              status: { enum: [active, archived] }
              orgId: { type: string, format: uuid }
        steps:
          - id: created
            sql: insert into app.projects (org_id, name, status) values (:orgId, :name, :status) returning id, name
            params: { orgId: "${input.body.orgId}", name: "${input.body.name}", status: "${input.body.status}" }
            expect: one
        response: { status: 201, body: "${steps.created.row}" }
        """);
    // the scripts below compile in the sandbox workers: on a busy machine they take a while to
    // start
    slipway.awaitSandboxWorkers();
    slipway.save(
        """
        name: spin
        method: POST
        path: /api/spin
        steps:
          - id: loop
            script: "while (true) {}"
        """);
    // a loop of its own: a run stopped at the statement limit opens its script's breaker, and the
    // next runs within the break are refused (503) rather than run
    slipway.save(
        """
        name: spin-budget
        method: POST
        path: /api/spin-budget
        steps:
          - id: loop
            script: "for (;;) {}"
        """);
    slipway.save(
        """
        name: throws
        method: GET
        path: /api/throws
        steps:
          - id: boom
            script: "throw new Error('secret internal detail at /srv/app.js')"
        """);
    slipway.deploy("{}");
  }

  private static String quote(String value) {
    try {
      return dev.slipway.common.Json.MAPPER.writeValueAsString(value);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertProblem(Reply reply, int status, String code) {
    assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
    assertThat(reply.contentType()).startsWith("application/problem+json");
    assertThat(reply.json().path("status").asInt()).isEqualTo(status);
    assertThat(reply.json().path("code").asText()).isEqualTo(code);
    assertThat(reply.json().path("title").asText()).isNotBlank();
    assertThat(reply.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void an_unknown_route_is_404_and_a_wrong_method_405_with_allow() {
    assertProblem(slipway.data("GET", "/nothing/here"), 404, "route_not_found");
    Reply wrong = slipway.data("DELETE", "/api/projects");
    assertProblem(wrong, 405, "method_not_allowed");
    assertThat(wrong.header("Allow")).isEqualTo("POST");
  }

  /**
   * A client that sends its headers and half its body, then stops, holds up no one: requests on
   * other connections are answered meanwhile (they were not while the thread that reads requests
   * waited for the rest of such a body), and the half-sent ones end when the body does.
   */
  @Test
  void a_body_that_stops_halfway_holds_up_no_other_request() throws Exception {
    try (var toScript = new java.net.Socket("127.0.0.1", slipway.dataPort());
        var toSql = new java.net.Socket("127.0.0.1", slipway.dataPort())) {
      for (var socket : List.of(toScript, toSql)) {
        String path = socket == toScript ? "/api/spin" : "/api/projects";
        socket
            .getOutputStream()
            .write(
                ("POST "
                        + path
                        + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100\r\n\r\n{\"name\":")
                    .getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
      }
      Thread.sleep(200);
      long started = System.nanoTime();
      assertProblem(slipway.data("GET", "/nothing/here"), 404, "route_not_found");
      assertProblem(
          slipway.data("GET", "/api/projects/00000000-0000-4000-8000-000000000000"),
          404,
          "not_found");
      assertThat(
              slipway
                  .data("POST", "/api/spin", "{}", "application/json")
                  .json()
                  .path("code")
                  .asText())
          .isIn("script_timeout", "script_statement_limit");
      assertThat((System.nanoTime() - started) / 1_000_000)
          .as("ms for three requests beside two stalled bodies")
          .isLessThan(5_000);
      // the rest of the body arrives: the stalled requests go on and are answered
      toSql
          .getOutputStream()
          .write(
              (" 1}" + " ".repeat(100 - "{\"name\": 1}".length()))
                  .getBytes(StandardCharsets.UTF_8));
      toSql.getOutputStream().flush();
      String answer = new String(toSql.getInputStream().readNBytes(12), StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 400");
    }
  }

  @Test
  void malformed_json_is_400() {
    assertProblem(
        slipway.data("POST", "/api/projects", "{\"name\":", "application/json"),
        400,
        "malformed_json");
    assertProblem(
        slipway.data("POST", "/api/projects", "{\"a\":1} trailing", "application/json"),
        400,
        "malformed_json");
  }

  @Test
  void a_schema_violation_is_400_naming_every_path() {
    Reply reply =
        slipway.data(
            "POST",
            "/api/projects",
            "{\"name\":\"\",\"status\":\"bogus\",\"orgId\":\"nope\"}",
            "application/json");
    assertProblem(reply, 400, "invalid_input");
    assertThat(reply.errorPaths())
        .containsExactlyInAnyOrder("/body/name", "/body/status", "/body/orgId");
    Reply missing = slipway.data("POST", "/api/projects", "{}", "application/json");
    assertThat(missing.errorPaths())
        .containsExactlyInAnyOrder("/body/name", "/body/status", "/body/orgId");
    Reply blank = slipway.data("POST", "/api/projects", " \r\n\t", "application/json");
    assertProblem(blank, 400, "invalid_input");
    assertThat(blank.errorPaths()).containsExactly("/body");
  }

  @Test
  void a_body_over_the_limit_is_413_whether_declared_or_streamed() {
    String huge = "{\"name\":\"" + "x".repeat(70_000) + "\"}";
    assertProblem(
        slipway.data("POST", "/api/projects", huge, "application/json"), 413, "body_too_large");
    assertProblem(
        slipway.dataStreamed(
            "POST", "/api/projects", huge.getBytes(StandardCharsets.UTF_8), "application/json"),
        413,
        "body_too_large");
    String small = "{\"name\":\"streamed\",\"status\":\"active\",\"orgId\":\"" + ORG + "\"}";
    assertThat(
            slipway
                .dataStreamed(
                    "POST",
                    "/api/projects",
                    small.getBytes(StandardCharsets.UTF_8),
                    "application/json")
                .status())
        .isEqualTo(201);
  }

  @Test
  void deeply_nested_json_is_400_not_a_crash() {
    String deep = "[".repeat(5_000) + "]".repeat(5_000);
    assertProblem(
        slipway.data("POST", "/api/projects", deep, "application/json"), 400, "malformed_json");
  }

  @Test
  void a_body_that_is_not_json_is_415() {
    assertProblem(
        slipway.data("POST", "/api/projects", "name=x", "application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type");
    assertProblem(
        slipway.data("POST", "/api/projects", "<xml/>", "text/xml"), 415, "unsupported_media_type");
  }

  @Test
  void a_script_past_its_budget_is_504_and_the_server_keeps_serving() {
    assertProblem(slipway.data("POST", "/api/spin-budget"), 504, "script_statement_limit");
    assertThat(slipway.data("GET", "/api/projects/00000000-0000-4000-8000-000000000001").status())
        .isEqualTo(200);
  }

  @Test
  void a_script_error_is_500_with_a_safe_message() {
    Reply reply = slipway.data("GET", "/api/throws");
    assertProblem(reply, 500, "step_failed");
    assertThat(reply.body())
        .doesNotContain("secret internal detail")
        .contains(reply.header("X-Request-Id"));
  }

  @Test
  void a_missing_row_is_404_and_a_malformed_id_400() {
    assertProblem(
        slipway.data("GET", "/api/projects/00000000-0000-4000-8000-00000000ffff"),
        404,
        "not_found");
    assertProblem(slipway.data("GET", "/api/projects/not-a-uuid"), 400, "invalid_input");
  }

  @Test
  void hostile_values_in_every_parameter_get_a_clean_answer_and_write_nothing() {
    long projects = (long) database.scalar("select count(*) from app.projects");
    for (String value : HOSTILE) {
      String encoded = URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
      assertThat(slipway.data("GET", "/api/projects/" + encoded).status()).as(value).isIn(400, 404);
      Reply search =
          slipway.data(
              "GET", "/api/projects/by-name/" + encoded + "?q=" + encoded + "&status=" + encoded);
      assertThat(search.status()).as(value + ": " + search).isIn(200, 400, 404);
      if (search.status() == 200) assertThat(search.json()).isEmpty();
      String body =
          "{\"name\":"
              + quote(value)
              + ",\"status\":"
              + quote(value)
              + ",\"orgId\":"
              + quote(value)
              + "}";
      Reply create = slipway.data("POST", "/api/projects", body, "application/json");
      assertThat(create.status()).as(value + ": " + create).isEqualTo(400);
    }
    assertThat((long) database.scalar("select count(*) from app.projects")).isEqualTo(projects);
    assertThat(database.scalar("select to_regclass('app.projects')::text"))
        .isEqualTo("app.projects");
  }

  @Test
  void a_hostile_name_is_stored_as_data_not_run_as_sql() {
    String name = "Robert'); drop table app.projects; --";
    Reply create =
        slipway.data(
            "POST",
            "/api/projects",
            "{\"name\":" + quote(name) + ",\"status\":\"active\",\"orgId\":\"" + ORG + "\"}",
            "application/json");
    assertThat(create.status()).isEqualTo(201);
    assertThat(create.json().path("name").asText()).isEqualTo(name);
    assertThat(
            database.scalar(
                "select count(*) from app.projects where name = 'Robert''); drop table app.projects; --'"))
        .isEqualTo(1L);
  }

  @Test
  void the_control_plane_needs_the_admin_token() {
    String url = "http://127.0.0.1:" + slipway.controlPort();
    Reply anonymous = slipway.send("GET", url + "/api/endpoints", (byte[]) null, null, Map.of());
    assertProblem(anonymous, 401, "unauthorized");
    assertThat(anonymous.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertProblem(
        slipway.send(
            "POST",
            url + "/api/execute",
            "{\"code\":\"return 1\"}",
            "application/json",
            Map.of("Authorization", "Bearer wrong-token-wrong-token")),
        401,
        "invalid_token");
    slipway.awaitSandboxWorkers();
    assertThat(slipway.send("GET", url + "/api/health", (byte[]) null, null, Map.of()).status())
        .isEqualTo(200);
  }

  @Test
  void an_invalid_spec_is_422_listing_every_violation_and_saves_nothing() {
    Reply reply =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
        name: Bad Name
        method: FETCH
        path: no-slash
        steps:
          - id: a
            sql: select 1
          - id: a
            sql: select :x
        """,
            "application/yaml");
    assertProblem(reply, 422, "invalid_spec");
    assertThat(reply.errorPaths()).contains("/name", "/method", "/path");
    Reply semantic =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
        name: semantic
        method: GET
        path: /api/semantic/:id
        input:
          params: { other: { type: string } }
        steps:
          - id: a
            sql: select :x as x
          - id: a
            script: "return 1"
            params: { y: 1 }
        response:
          body: "${steps.nope.rows}"
        """,
            "application/yaml");
    assertProblem(semantic, 422, "invalid_spec");
    assertThat(semantic.errorPaths())
        .contains("/input/params/other", "/steps/0/params", "/steps/1/id", "/steps/1/params");
    assertThat(slipway.control("GET", "/api/endpoints/semantic").status()).isEqualTo(404);
  }

  @Test
  void a_script_that_does_not_compile_is_a_422_at_its_step() {
    Reply reply =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
        name: uncompiled
        method: GET
        path: /api/uncompiled
        steps:
          - id: s
            script: "export default async (ctx) => { return (; }"
        """,
            "application/yaml");
    assertProblem(reply, 422, "invalid_spec");
    assertThat(reply.errorPaths()).containsExactly("/steps/0/script");
    assertThat(slipway.control("GET", "/api/endpoints/uncompiled").status()).isEqualTo(404);
  }

  @Test
  void a_spec_with_mistakes_at_every_stage_gets_them_all_in_one_422() {
    Reply reply =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
        name: many-mistakes
        method: FETCH
        path: /api/many/:id
        auth: { mode: jwt, jwt: { secret: "${secrets.NO_SUCH_SECRET}" } }
        input:
          params: { id: { type: string }, other: { type: string } }
        steps:
          - id: q
            sql: select no_such_column from app.projects where id = :id
            params: { id: "${input.params.id}" }
          - id: r
            sql: select :x as x
          - id: broken
            sql: 42
          - id: after
            when: "${steps.broken.rowCount > 0 &&}"
            sql: select 1 as one
        response:
          body: "${steps.nope.rows}"
        """,
            "application/yaml");
    assertProblem(reply, 422, "invalid_spec");
    // the schema, the spec's rules, expressions, secrets and SQL against the database: all at once
    assertThat(reply.errorPaths())
        .contains(
            "/method",
            "/steps/2/sql",
            "/input/params/other",
            "/steps/1/params",
            "/steps/3/when",
            "/response/body",
            "/auth/jwt/secret",
            "/steps/0/sql");
    assertThat(reply.body()).contains("no_such_column");
    // the step that does not read is not blamed on the steps that read its output
    assertThat(reply.errorPaths()).doesNotContain("/steps/3/sql");
    assertThat(slipway.control("GET", "/api/endpoints/many-mistakes").status()).isEqualTo(404);
  }

  @Test
  void sql_that_does_not_fit_the_database_is_rejected_at_save_time_with_its_message() {
    Reply missingColumn =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
        name: missing-column
        method: GET
        path: /api/missing
        steps:
          - id: q
            sql: select no_such_column from app.projects
        """,
            "application/yaml");
    assertProblem(missingColumn, 422, "invalid_spec");
    assertThat(missingColumn.errorPaths()).containsExactly("/steps/0/sql");
    assertThat(missingColumn.body()).contains("no_such_column");
    Reply syntax =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
        name: bad-syntax
        method: GET
        path: /api/syntax
        steps:
          - id: q
            sql: selec id from app.projects
        """,
            "application/yaml");
    assertProblem(syntax, 422, "invalid_spec");
    assertThat(syntax.body()).contains("syntax error");
  }

  @Test
  void a_spec_that_is_not_yaml_or_json_is_422_and_bad_api_json_is_400() {
    assertProblem(
        slipway.control("POST", "/api/endpoints", "{ not json", "application/json"),
        422,
        "invalid_spec");
    assertProblem(
        slipway.control("POST", "/api/deploy", "{\"endpoints\": ", "application/json"),
        400,
        "malformed_json");
    assertProblem(
        slipway.control("POST", "/api/deploy", "{\"endpoints\": [\"nope\"]}", "application/json"),
        404,
        "endpoint_not_found");
    assertProblem(slipway.control("GET", "/api/nothing"), 404, "route_not_found");
    assertProblem(
        slipway.control("POST", "/api/releases/999999/rollback"), 404, "release_not_found");
  }

  // Requests that are not valid HTTP, refused by Jetty before any route sees them: problem+json
  // with a stable code on both planes alike, and the connection closed.

  private static List<Integer> planes() {
    return List.of(slipway.dataPort(), slipway.controlPort());
  }

  private static void assertProblemOnBothPlanes(String request, int status, String code) {
    for (int port : planes()) {
      Reply reply = TestSlipway.raw(port, request.getBytes(StandardCharsets.ISO_8859_1));
      String plane = port == slipway.dataPort() ? "data plane" : "control plane";
      assertThat(reply.header("Content-Type")).as(plane + ": " + reply).isNotNull();
      assertProblem(reply, status, code);
      assertThat(reply.header("Connection")).as(plane).isEqualTo("close");
      assertThat(reply.json().path("detail").asText()).as(plane).isNotBlank();
      assertThat(reply.header("X-Content-Type-Options")).as(plane).isEqualTo("nosniff");
      assertThat(reply.body()).as(plane).doesNotContain("<html");
    }
  }

  @Test
  void a_uri_too_long_is_414() {
    assertProblemOnBothPlanes(
        "GET /api/" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long");
  }

  @Test
  void headers_too_large_are_431() {
    assertProblemOnBothPlanes(
        "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n",
        431,
        "headers_too_large");
  }

  @Test
  void a_nul_byte_in_the_request_line_is_400() {
    assertProblemOnBothPlanes(
        "GET /api/he\u0000alth HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request");
  }

  @Test
  void content_length_with_transfer_encoding_is_400() {
    assertProblemOnBothPlanes(
        "POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "0\r\n\r\n",
        400,
        "bad_request");
  }

  @Test
  void two_content_lengths_are_400() {
    assertProblemOnBothPlanes(
        "POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        400,
        "bad_request");
  }

  @Test
  void an_unknown_http_version_is_505() {
    assertProblemOnBothPlanes(
        "GET /api/health HTTP/1.7\r\nHost: x\r\n\r\n", 505, "http_version_not_supported");
  }
}
