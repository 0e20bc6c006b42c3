package dev.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.util.ArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Create, preview, deploy, call, change, roll back, restart: over real HTTP and PostgreSQL. */
class EndpointLifecycleTest {
  private TestDatabase database;
  private TestSlipway slipway;

  @BeforeEach
  void start() throws Exception {
    database = new TestDatabase();
    slipway = TestSlipway.start(database);
  }

  @AfterEach
  void stop() {
    if (slipway != null) slipway.close();
    database.close();
  }

  private static String greeting(int version) {
    return """
        name: greet
        method: GET
        path: /api/greetings/:name
        input:
          params: { name: { type: string, minLength: 1 } }
        response:
          headers: { X-Greeting-Version: "%d" }
          body: { greeting: "Hello, ${input.params.name}!", version: %d }
        """
        .formatted(version, version);
  }

  @Test
  void an_endpoint_goes_from_draft_to_preview_to_live_and_back_and_survives_a_restart()
      throws Exception {
    var v1 = slipway.save(greeting(1));
    assertThat(v1.path("version").asInt()).isEqualTo(1);
    assertThat(v1.path("created").asBoolean()).isTrue();

    assertThat(slipway.data("GET", "/api/greetings/ann").status())
        .as("a draft is not live")
        .isEqualTo(404);
    var preview = slipway.control("GET", "/api/endpoints/greet/preview/api/greetings/ann");
    assertThat(preview.status()).isEqualTo(200);
    assertThat(preview.json().path("greeting").asText()).isEqualTo("Hello, ann!");

    long release1 = slipway.deploy("{}").path("id").asLong();
    var live = slipway.data("GET", "/api/greetings/ann");
    assertThat(live.status()).isEqualTo(200);
    assertThat(live.json().path("version").asInt()).isEqualTo(1);
    assertThat(live.header("X-Request-Id")).isNotBlank();

    assertThat(slipway.save(greeting(2)).path("version").asInt()).isEqualTo(2);
    var unchanged = slipway.control("POST", "/api/endpoints", greeting(2), "application/yaml");
    assertThat(unchanged.status()).as("an unchanged save makes no version").isEqualTo(200);
    assertThat(unchanged.json().path("version").asInt()).isEqualTo(2);
    assertThat(slipway.data("GET", "/api/greetings/ann").json().path("version").asInt())
        .as("saving does not deploy")
        .isEqualTo(1);
    assertThat(
            slipway
                .control("GET", "/api/endpoints/greet/preview/api/greetings/ann")
                .json()
                .path("version")
                .asInt())
        .isEqualTo(2);
    assertThat(
            slipway
                .control("GET", "/api/endpoints/greet/versions/1/preview/api/greetings/ann")
                .json()
                .path("version")
                .asInt())
        .isEqualTo(1);

    long release2 = slipway.deploy("{}").path("id").asLong();
    assertThat(release2).isGreaterThan(release1);
    assertThat(slipway.data("GET", "/api/greetings/ann").json().path("version").asInt())
        .isEqualTo(2);

    var rollback = slipway.control("POST", "/api/releases/" + release1 + "/rollback");
    assertThat(rollback.status()).isEqualTo(200);
    assertThat(slipway.data("GET", "/api/greetings/ann").json().path("version").asInt())
        .isEqualTo(1);

    slipway.close();
    slipway = TestSlipway.start(database);
    var afterRestart = slipway.data("GET", "/api/greetings/bob");
    assertThat(afterRestart.json().path("version").asInt())
        .as("the rolled-back release is still live")
        .isEqualTo(1);
    assertThat(afterRestart.json().path("greeting").asText()).isEqualTo("Hello, bob!");
    assertThat(slipway.control("GET", "/api/releases/live").json().path("id").asLong())
        .isEqualTo(release1);
    var endpoint = slipway.control("GET", "/api/endpoints/greet").json();
    assertThat(endpoint.path("liveVersion").asInt()).isEqualTo(1);
    // the latest version whole, its history, and no 'created': a read makes nothing
    assertThat(endpoint.fieldNames())
        .toIterable()
        .containsExactly(
            "name",
            "version",
            "hash",
            "method",
            "path",
            "createdAt",
            "previewUrl",
            "spec",
            "liveVersion",
            "versions");
    assertThat(endpoint.path("spec").path("name").asText()).isEqualTo("greet");
  }

  @Test
  void a_deployed_script_is_ready_in_every_sandbox_worker_before_the_deploy_answers() {
    String script =
        """
        name: add
        method: GET
        path: /api/add/:n
        input:
          params: { n: { type: integer } }
        steps:
          - id: add
            script: "const n: number = ctx.input.params.n; return { sum: n + %d };"
        response: { body: "${steps.add}" }
        """;
    slipway.awaitSandboxWorkers();
    slipway.save(script.formatted(1));
    long before =
        slipway.control("GET", "/api/health").json().path("sandbox").path("prepared").asLong();
    slipway.deploy("{}");
    long after =
        slipway.control("GET", "/api/health").json().path("sandbox").path("prepared").asLong();
    assertThat(after - before)
        .as("workers that made the script's function before it was served")
        .isEqualTo(2);
    assertThat(slipway.data("GET", "/api/add/41").json().path("sum").asInt()).isEqualTo(42);

    slipway.save(script.formatted(2));
    slipway.deploy("{}");
    assertThat(
            slipway.control("GET", "/api/health").json().path("sandbox").path("prepared").asLong()
                - after)
        .as("the changed version too")
        .isEqualTo(2);
    assertThat(slipway.data("GET", "/api/add/40").json().path("sum").asInt()).isEqualTo(42);
  }

  @Test
  void a_request_in_flight_finishes_on_the_version_it_started_on() throws Exception {
    String slow =
        """
        name: slow
        method: GET
        path: /api/slow
        steps:
          - id: wait
            sql: select pg_sleep(1), :v::text as v
            params: { v: "%s" }
            expect: one
        response: { body: "${steps.wait.row.v}" }
        """;
    slipway.save(slow.formatted("v1"));
    slipway.deploy("{}");
    slipway.save(slow.formatted("v2"));
    try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      var inFlight = executor.submit(() -> slipway.data("GET", "/api/slow"));
      Thread.sleep(300);
      slipway.deploy("{}");
      assertThat(inFlight.get().json().asText()).isEqualTo("v1");
    }
    assertThat(slipway.data("GET", "/api/slow").json().asText()).isEqualTo("v2");
  }

  @Test
  void a_preview_leaves_no_trace_in_the_database() {
    slipway.save(
        """
        name: add-team
        method: POST
        path: /api/teams
        input:
          body: { type: object, required: [name], properties: { name: { type: string } } }
        steps:
          - id: team
            sql: insert into app.teams (name) values (:name) returning id, name
            params: { name: "${input.body.name}" }
            expect: one
        response:
          status: 201
          body: "${steps.team.row}"
        """);
    long before = (long) database.scalar("select count(*) from app.teams");
    var preview =
        slipway.control(
            "POST",
            "/api/endpoints/add-team/preview/api/teams",
            "{\"name\":\"Preview team\"}",
            "application/json");
    assertThat(preview.status()).isEqualTo(201);
    assertThat(preview.json().path("name").asText()).isEqualTo("Preview team");
    assertThat((long) database.scalar("select count(*) from app.teams")).isEqualTo(before);

    slipway.deploy("{}");
    assertThat(
            slipway
                .data("POST", "/api/teams", "{\"name\":\"Live team\"}", "application/json")
                .status())
        .isEqualTo(201);
    assertThat((long) database.scalar("select count(*) from app.teams")).isEqualTo(before + 1);
  }

  @Test
  void a_release_with_two_endpoints_on_one_route_is_rejected_and_the_live_one_stays() {
    slipway.save(greeting(1));
    slipway.deploy("{}");
    slipway.save(
        """
        name: greet-again
        method: GET
        path: /api/greetings/:who
        response: { body: "again" }
        """);
    var conflict = slipway.control("POST", "/api/deploy", "{}", "application/json");
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.contentType()).startsWith("application/problem+json");
    assertThat(conflict.json().path("code").asText()).isEqualTo("route_conflict");
    assertThat(slipway.data("GET", "/api/greetings/ann").json().path("version").asInt())
        .isEqualTo(1);
  }

  @Test
  void deploying_named_endpoints_keeps_the_others_live_and_remove_takes_one_out() {
    slipway.save(greeting(1));
    slipway.save(
        """
        name: ping
        method: GET
        path: /api/ping
        response: { body: { pong: true } }
        """);
    slipway.deploy("{\"endpoints\": [\"ping\"]}");
    assertThat(slipway.data("GET", "/api/ping").status()).isEqualTo(200);
    assertThat(slipway.data("GET", "/api/greetings/x").status()).isEqualTo(404);

    slipway.deploy(
        "{\"endpoints\": [{\"name\": \"greet\", \"version\": 1}], \"note\": \"add greet\"}");
    assertThat(slipway.data("GET", "/api/ping").status()).isEqualTo(200);
    assertThat(slipway.data("GET", "/api/greetings/x").status()).isEqualTo(200);

    var release = slipway.deploy("{\"remove\": [\"ping\"]}");
    assertThat(release.path("endpoints")).hasSize(1);
    assertThat(slipway.data("GET", "/api/ping").status()).isEqualTo(404);
  }

  @Test
  void sql_steps_read_and_write_the_demo_schema_with_typed_query_input() {
    slipway.save(
        """
        name: list-members
        method: GET
        path: /api/teams/:teamId/members
        input:
          params: { teamId: { type: string, format: uuid } }
          query:  { limit: { type: integer, minimum: 1, maximum: 100, default: 2 } }
        steps:
          - id: members
            sql: select name, role from app.team_members where team_id = :teamId order by name limit :limit
            params: { teamId: "${input.params.teamId}", limit: "${input.query.limit}" }
        response:
          body: { count: "${size(steps.members.rows)}", members: "${steps.members.rows}" }
        """);
    slipway.deploy("{}");
    String team = "00000000-0000-4000-9000-000000000001";
    var defaults = slipway.data("GET", "/api/teams/" + team + "/members");
    assertThat(defaults.status()).isEqualTo(200);
    assertThat(defaults.json().path("count").asInt()).isEqualTo(2);
    var five = slipway.data("GET", "/api/teams/" + team + "/members?limit=5");
    assertThat(five.json().path("members")).hasSize(5);
    assertThat(five.json().path("members").get(0).path("role").isTextual()).isTrue();
    var bad = slipway.data("GET", "/api/teams/" + team + "/members?limit=many");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.errorPaths()).containsExactly("/query/limit");
  }

  @Test
  void optional_sql_parts_drop_out_when_their_values_are_missing_and_alternative_steps_pick_one() {
    slipway.save(
        """
        name: find-members
        method: GET
        path: /api/find-members
        input:
          query:
            role: { type: string }
            name: { type: string }
            order: { enum: [name, role] }
        steps:
          - id: found
            when: "${!has(input.query.order)}"
            sql: |
              select name from app.team_members where true
                [[and role = :role]] [[and name like cast(:name as text) || '%']]
              order by name limit 500
            params: { role: "${input.query.role}", name: "${input.query.name}" }
          - id: found
            when: "${input.query.order == 'role'}"
            sql: select name from app.team_members where true [[and role = :role]] order by role desc, name limit 500
            params: { role: "${input.query.role}" }
          - id: found
            sql: select name from app.team_members order by name desc limit 500
        response:
          body: "${steps.found.rows.map(r, r.name)}"
        """);
    slipway.deploy("{}");
    long all = (Long) database.scalar("select count(*) from app.team_members");
    long leads =
        (Long) database.scalar("select count(*) from app.team_members where role = 'admin'");
    assertThat(slipway.data("GET", "/api/find-members").json()).hasSize((int) all);
    assertThat(slipway.data("GET", "/api/find-members?role=admin").json()).hasSize((int) leads);
    var named = slipway.data("GET", "/api/find-members?name=Member%202").json();
    assertThat(named).hasSize(7);
    named.forEach(name -> assertThat(name.asText()).startsWith("Member 2"));
    // the alternatives: the first whose when holds runs, the last (no when) when none does
    // each in the order its SQL asks for, as the database sorts (its collation, not Java's)
    assertThat(names(slipway.data("GET", "/api/find-members?order=role&role=admin").json()))
        .isEqualTo(
            database.scalar(
                "select string_agg(name, '|' order by role desc, name) from app.team_members where role = 'admin'"));
    assertThat(names(slipway.data("GET", "/api/find-members?order=name").json()))
        .isEqualTo(
            database.scalar(
                "select string_agg(name, '|' order by name desc) from (select name from app.team_members order by name desc limit 500) n"));

    var unpaired =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
        {"name": "bad-parts", "method": "GET", "path": "/api/bad-parts",
         "steps": [{"id": "a", "sql": "select 1 where true [[and 1 = :x", "params": {"x": 1}},
                   {"id": "b", "sql": "select 1"}, {"id": "b", "sql": "select 2"}]}""",
            "application/json");
    assertThat(unpaired.status()).isEqualTo(422);
    assertThat(unpaired.errorPaths()).containsExactly("/steps/0/sql", "/steps/2/id");
  }

  private static String names(JsonNode list) {
    var names = new ArrayList<String>();
    list.forEach(name -> names.add(name.asText()));
    return String.join("|", names);
  }
}
