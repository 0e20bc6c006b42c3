package dev.slipway.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/generate-endpoint} with no model configured (the offline planner), through a
 * real Slipway on the demo schema: the founding example becomes drafts whose generated tests pass,
 * and a live endpoint when deployed; what cannot be planned, bad requests and roles are refused.
 */
@ServerTest
class GenerateEndpointTest {
  private static TestDatabase database;
  private static TestSlipway slipway;

  private static final String FOUNDING =
      "{\"description\": \"Create an endpoint that fetches user's projects with their team members and"
          + " recent activity\", \"context\": {\"userId\": \"current user\", \"orgId\": \"active"
          + " organization\"}";

  private static Reply generate(String body) {
    return slipway.control("POST", "/api/generate-endpoint", body, "application/json");
  }

  private static String data(String path) {
    return "http://127.0.0.1:" + slipway.dataPort() + path;
  }

  private static List<String> failed(JsonNode answer) {
    var failed = new ArrayList<String>();
    answer
        .path("testResults")
        .forEach(
            r -> {
              if (!r.path("passed").asBoolean()) failed.add(r.toString());
            });
    return failed;
  }

  @Test
  void the_founding_example_becomes_drafts_whose_tests_pass_and_nothing_is_deployed() {
    int releases = slipway.control("GET", "/api/releases").json().size();
    Reply reply = generate(FOUNDING + "}");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    JsonNode answer = reply.json();
    assertThat(answer.path("code").asText()).contains("path: \"/api/projects\"");
    assertThat(answer.path("sql").asText()).contains("app.team_members").contains("app.activity");
    assertThat(answer.path("explanation").asText()).contains("org_id");
    assertThat(answer.path("tests").size()).isGreaterThanOrEqualTo(4);
    assertThat(failed(answer)).isEmpty();
    assertThat(answer.path("checks").findValues("passed")).allMatch(JsonNode::asBoolean);
    assertThat(answer.path("versions").get(0).path("name").asText()).isEqualTo("list-projects");
    assertThat(answer.path("usage").path("model").asText()).isEqualTo("offline-planner");
    assertThat(answer.has("release")).isFalse();
    // teams.project_id, followed from each project to its teams, has no index in the demo
    assertThat(answer.path("indexSuggestions").toString())
        .contains("create index on app.teams (project_id)");
    assertThat(answer.path("queryPlans").get(0).path("rows").asLong()).isPositive();
    assertThat(slipway.control("GET", "/api/releases").json().size()).isEqualTo(releases);
  }

  @Test
  void deployed_it_serves_the_callers_org_with_members_and_activity() {
    Reply reply = generate(FOUNDING + ", \"deploy\": true}");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    assertThat(reply.json().path("release").path("live").asBoolean()).isTrue();
    Reply key =
        slipway.control(
            "POST",
            "/api/consumer-keys",
            "{\"name\": \"web\", \"roles\": [\"member\"], \"claims\": {\"org_id\":"
                + " \"11111111-1111-4111-8111-111111111111\"}}",
            "application/json");
    String token = key.json().path("token").asText();
    Reply projects =
        TestSlipway.send(
            "GET", data("/api/projects?limit=3"), (String) null, null, Map.of("X-API-Key", token));
    assertThat(projects.status()).as(projects.toString()).isEqualTo(200);
    JsonNode first = projects.json().get(0);
    assertThat(projects.json().size()).isEqualTo(3);
    assertThat(first.path("org_id").asText()).isEqualTo("11111111-1111-4111-8111-111111111111");
    assertThat(first.path("team_members").size()).isPositive();
    assertThat(first.path("activity").size()).isBetween(1, 10);
    Reply other =
        slipway.control(
            "POST",
            "/api/consumer-keys",
            "{\"name\": \"elsewhere\", \"roles\": [\"member\"], \"claims\": {\"org_id\":"
                + " \"22222222-2222-4222-8222-222222222222\"}}",
            "application/json");
    Reply none =
        TestSlipway.send(
            "GET",
            data("/api/projects"),
            (String) null,
            null,
            Map.of("X-API-Key", other.json().path("token").asText()));
    assertThat(none.json().size()).isZero();
  }

  @Test
  void other_shapes_plan_and_pass_their_tests() {
    for (String description :
        List.of(
            "count projects by status",
            "get a project by its id",
            "search team members by name or email",
            "teams with their project")) {
      Reply reply = generate("{\"description\": \"" + description + "\"}");
      assertThat(reply.status()).as(description + ": " + reply).isEqualTo(201);
      assertThat(failed(reply.json())).as(description).isEmpty();
    }
  }

  @Test
  void a_sequential_scan_of_a_large_table_is_found_an_index_suggested_and_the_deploy_refused() {
    database.execute(
        """
        create table app.readings (id bigint primary key, sensor text not null, value numeric not null,
          taken_at timestamptz not null default now());
        insert into app.readings select i, 'sensor-' || (i % 50), i, now() from generate_series(1, 30000) i;
        analyze app.readings;
        """);
    String body =
        "{\"description\": \"list readings filtered by sensor\", \"context\": {\"auth\": \"public\"}";
    Reply reply = generate(body + "}");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    JsonNode analysis = null;
    for (JsonNode check : reply.json().path("checks"))
      if (check.path("name").asText().startsWith("query analysis")) analysis = check;
    assertThat(analysis).isNotNull();
    assertThat(analysis.path("passed").asBoolean()).isFalse();
    assertThat(analysis.path("findings").toString()).contains("sequential scan").contains("sensor");
    assertThat(reply.json().path("indexSuggestions").toString())
        .contains("create index on app.readings (sensor)");
    Reply deploy = generate(body + ", \"deploy\": true}");
    assertThat(deploy.status()).isEqualTo(422);
    assertThat(deploy.json().path("code").asText()).isEqualTo("checks_failed");
  }

  @Test
  void crud_on_a_table_is_the_crud_template_over_the_table_as_it_is() {
    Reply teams = generate("{\"description\": \"manage teams\"}");
    assertThat(teams.status()).as(teams.toString()).isEqualTo(201);
    assertThat(teams.json().path("shape").asText()).isEqualTo("crud");
    assertThat(teams.json().path("specs").size()).isEqualTo(5);
    assertThat(failed(teams.json())).isEmpty();
    assertThat(teams.json().path("notes").toString()).contains("project_id");
    Reply members = generate("{\"description\": \"create, update and delete team members\"}");
    assertThat(members.status()).as(members.toString()).isEqualTo(201);
    assertThat(members.json().path("specs").get(0).path("path").asText())
        .isEqualTo("/api/teams/:teamId/team-members");
    assertThat(failed(members.json())).isEmpty();
    Reply scoped =
        generate(
            "{\"description\": \"manage projects\", \"context\": {\"orgId\": \"active organization\"}}");
    assertThat(scoped.status()).isEqualTo(422);
    assertThat(scoped.json().path("code").asText()).isEqualTo("model_required");
    assertThat(scoped.json().path("detail").asText()).contains("row-level security");
    Reply guarded =
        generate(
            "{\"description\": \"manage teams; anyone can read them, only admins may delete\"}");
    assertThat(guarded.status()).as(guarded.toString()).isEqualTo(201);
    JsonNode specs = guarded.json().path("specs");
    assertThat(specs.get(0).path("auth").asText()).isEqualTo("public");
    assertThat(specs.get(4).path("auth").path("roles").toString()).isEqualTo("[\"admin\"]");
    assertThat(failed(guarded.json())).isEmpty();
  }

  @Test
  void what_it_cannot_plan_is_a_422_saying_a_model_is_required() {
    Reply write = generate("{\"description\": \"delete a project with its teams\"}");
    assertThat(write.status()).isEqualTo(422);
    assertThat(write.json().path("code").asText()).isEqualTo("model_required");
    Reply unknown = generate("{\"description\": \"list the invoices of a customer\"}");
    assertThat(unknown.json().path("code").asText()).isEqualTo("model_required");
    assertThat(unknown.errorPaths()).containsExactly("/description");
  }

  @Test
  void a_bad_request_names_every_mistake() {
    Reply reply =
        generate(
            "{\"description\": \"\", \"context\": {\"auth\": \"root\", \"basePath\": \"api\","
                + " \"tables\": [1]}, \"deploy\": \"yes\"}");
    assertThat(reply.status()).isEqualTo(422);
    assertThat(reply.contentType()).startsWith("application/problem+json");
    assertThat(reply.errorPaths())
        .containsExactlyInAnyOrder(
            "/description", "/context/auth", "/context/basePath", "/context/tables/0", "/deploy");
    Reply publicScoped =
        generate(
            "{\"description\": \"projects\", \"context\": {\"auth\": \"public\", \"orgId\": \"org\"}}");
    assertThat(publicScoped.errorPaths()).containsExactly("/context/auth");
    Reply notAList =
        generate("{\"description\": \"projects\", \"context\": {\"tables\": {\"a\": 1}}}");
    assertThat(notAList.status()).isEqualTo(422);
    assertThat(notAList.errorPaths()).containsExactly("/context/tables");
    Reply noTable =
        generate("{\"description\": \"projects\", \"context\": {\"tables\": [\"app.nothing\"]}}");
    assertThat(noTable.errorPaths()).containsExactly("/context/tables/0");
  }

  @Test
  void a_member_generates_drafts_but_may_not_deploy_them_and_a_viewer_neither() {
    String member = slipway.addMember("generator@example.com", "member").accessToken();
    Reply drafts =
        slipway.controlAs(
            member, "POST", "/api/generate-endpoint", "{\"description\": \"list teams\"}");
    assertThat(drafts.status()).as(drafts.toString()).isEqualTo(201);
    Reply deploy =
        slipway.controlAs(
            member,
            "POST",
            "/api/generate-endpoint",
            "{\"description\": \"list teams\", \"deploy\": true}");
    assertThat(deploy.status()).isEqualTo(403);
    String viewer = slipway.addMember("watcher@example.com", "viewer").accessToken();
    assertThat(
            slipway
                .controlAs(
                    viewer, "POST", "/api/generate-endpoint", "{\"description\": \"list teams\"}")
                .status())
        .isEqualTo(403);
  }
}
