package dev.slipway.http;

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
 * Templates over real HTTP: the catalogue, config errors, and the founding brief's CRUD example end
 * to end.
 */
@ServerTest
class TemplatesTest {

  private static TestDatabase database;
  private static TestSlipway slipway;

  /** The founding brief's example, exactly. */
  private static final String BRIEF =
      """
      { "template": "crud-endpoint",
        "config": { "resource": "projects", "table": "platform.projects",
          "permissions": { "read": ["member","admin","owner"], "create": ["admin","owner"],
                           "update": ["owner"], "delete": ["owner"] },
          "validation": { "name": "string", "description": "string?",
                          "status": "enum('active','archived')" } } }""";

  private static Reply post(String path, String json) {
    return slipway.control("POST", path, json, "application/json");
  }

  /**
   * Generates and deploys a bundle, which must be created (201) with every one of its own tests
   * passing.
   */
  private static Reply deployed(String request) {
    Reply created = post("/api/create-endpoint", request);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.json().path("testResults").findValuesAsText("detail")).containsOnly("ok");
    return created;
  }

  private static String key(String name, String role) {
    return keyWithClaims(name, role, "{}");
  }

  private static Reply call(String method, String path, String key, String json) {
    return slipway.send(
        method,
        "http://127.0.0.1:" + slipway.dataPort() + path,
        json,
        json == null ? null : "application/json",
        Map.of("X-API-Key", key));
  }

  @Test
  void the_catalogue_lists_the_crud_template_with_its_config_schema() {
    Reply list = slipway.control("GET", "/api/templates");
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().findValuesAsText("name")).contains("crud-endpoint");
    Reply one = slipway.control("GET", "/api/templates/crud-endpoint");
    assertThat(one.json().path("configSchema").path("required").toString())
        .isEqualTo("[\"resource\",\"table\",\"validation\"]");
    assertThat(one.json().path("example"))
        .isEqualTo(dev.slipway.common.Json.parse(BRIEF).path("config"));
    assertThat(slipway.control("GET", "/api/templates/nope").status()).isEqualTo(404);
  }

  @Test
  void an_unknown_template_or_a_bad_config_is_a_422_naming_every_path() {
    Reply unknown = post("/api/create-endpoint", "{\"template\": \"nope\", \"config\": {}}");
    assertThat(unknown.status()).isEqualTo(422);
    assertThat(unknown.errorPaths()).containsExactly("/template");

    Reply bad =
        post(
            "/api/create-endpoint",
            """
        {"template": "crud-endpoint", "config": {"resource": "Bad Name", "table": "no_schema", "validation": {"a": "string"},
         "permissions": {"read": []}}}""");
    assertThat(bad.status()).as(bad.toString()).isEqualTo(422);
    assertThat(bad.errorPaths())
        .contains("/config/resource", "/config/table", "/config/permissions/read");

    Reply syntax =
        post(
            "/api/create-endpoint",
            """
        {"template": "crud-endpoint", "config": {"resource": "things", "table": "app.things",
         "validation": {"a": "strng", "b": "integer(3..1)", "tags": "string[]"}}}""");
    assertThat(syntax.status()).isEqualTo(422);
    assertThat(syntax.errorPaths()).containsExactly("/config/validation/a", "/config/validation/b");

    Reply mismatch =
        post(
            "/api/create-endpoint",
            """
        {"template": "crud-endpoint", "config": {"resource": "projects", "table": "app.projects",
         "validation": {"name": "string", "bogus": "integer", "status": "boolean"}}}""");
    assertThat(mismatch.status()).as(mismatch.toString()).isEqualTo(422);
    assertThat(mismatch.errorPaths())
        .containsExactly("/config/validation/bogus", "/config/validation/status");
    Reply own =
        post(
            "/api/create-endpoint",
            """
        {"template": "crud-endpoint", "config": {"resource": "keys", "table": "slipway.api_keys", "validation": {"name": "string"}}}""");
    assertThat(own.status()).isEqualTo(422);
    assertThat(own.errorPaths()).contains("/config/table");
    assertThat(database.scalar("select count(*) from slipway.endpoints where name like 'things-%'"))
        .isEqualTo(0L);
  }

  @Test
  void a_dry_run_shows_the_bundle_and_creates_nothing() {
    String request =
        BRIEF
            .replace("\"projects\"", "\"dry-runs\"")
            .replace("platform.projects", "platform.dry_runs")
            .replace("{ \"template\"", "{ \"dryRun\": true, \"template\"");
    Reply shown = post("/api/create-endpoint", request);
    assertThat(shown.status()).as(shown.toString()).isEqualTo(201);
    JsonNode bundle = shown.json();
    assertThat(bundle.path("specs").size()).isEqualTo(5);
    assertThat(bundle.path("sql").path("migration").asText()).contains("create table");
    assertThat(bundle.path("sql").path("applied").asBoolean()).isFalse();
    assertThat(bundle.path("tests").size()).isPositive();
    assertThat(bundle.path("openapi").path("paths").size()).isPositive();
    assertThat(bundle.path("versions").size()).isZero();
    // nothing saved, no table made
    assertThat(slipway.control("GET", "/api/endpoints").json().findValuesAsText("name"))
        .noneMatch(name -> name.startsWith("dry-runs"));
    Reply table =
        post(
            "/api/execute",
            "{\"code\": \"return (await ctx.db.query(\\\"select to_regclass('platform.dry_runs') as t\\\"))[0].t\"}");
    assertThat(table.json().path("result").isNull()).as(table.toString()).isTrue();

    Reply both =
        post(
            "/api/create-endpoint",
            request.replace("\"dryRun\": true", "\"dryRun\": true, \"deploy\": true"));
    assertThat(both.status()).isEqualTo(422);
    assertThat(both.errorPaths()).containsExactly("/deploy");
  }

  @Test
  void the_founding_briefs_example_makes_working_secured_endpoints() {
    Reply created = post("/api/create-endpoint", BRIEF);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.json().path("endpointUrl").asText()).isEqualTo("/api/projects");
    assertThat(created.json().path("sql").path("applied").asBoolean()).isTrue();
    assertThat(created.json().path("versions").size()).isEqualTo(5);
    assertThat(created.json().path("code").asText()).contains("name: \"projects-create\"");
    // the bundle's own tests ran against the drafts and passed, and left no rows behind
    assertThat(created.json().path("tests").size()).isGreaterThanOrEqualTo(12);
    assertThat(created.json().path("testResults").findValuesAsText("detail")).containsOnly("ok");
    assertThat(database.scalar("select count(*) from platform.projects")).isEqualTo(0L);
    JsonNode paths = created.json().path("openapi").path("paths");
    assertThat(statuses(paths.path("/api/projects").path("post")))
        .contains("201", "401", "403", "409")
        .doesNotContain("200", "404");
    assertThat(statuses(paths.path("/api/projects/{id}").path("delete")))
        .contains("204", "401", "403", "404")
        .doesNotContain("200");
    // drafts: nothing is served until a deploy
    String owner = key("owner-app", "owner");
    String member = key("member-app", "member");
    assertThat(call("GET", "/api/projects", member, null).status()).isEqualTo(404);
    slipway.deploy(
        "{\"endpoints\": [\"projects-list\", \"projects-get\", \"projects-create\", \"projects-update\", \"projects-delete\"]}");

    assertThat(
            call("POST", "/api/projects", member, "{\"name\": \"Apollo\", \"status\": \"active\"}")
                .status())
        .isEqualTo(403);
    Reply apollo =
        call("POST", "/api/projects", owner, "{\"name\": \"Apollo\", \"status\": \"active\"}");
    assertThat(apollo.status()).as(apollo.toString()).isEqualTo(201);
    String id = apollo.json().path("id").asText();
    assertThat(apollo.header("Location")).isEqualTo("/api/projects/" + id);
    assertThat(apollo.json().path("description").isNull()).isTrue();
    call(
        "POST",
        "/api/projects",
        owner,
        "{\"name\": \"Gemini\", \"description\": \"two\", \"status\": \"archived\"}");

    Reply invalid =
        call(
            "POST", "/api/projects", owner, "{\"name\": 1, \"status\": \"done\", \"extra\": true}");
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.errorPaths()).contains("/body/name", "/body/status");

    assertThat(call("GET", "/api/projects/" + id, member, null).json().path("name").asText())
        .isEqualTo("Apollo");
    Reply active = call("GET", "/api/projects?status=active", member, null);
    assertThat(active.json().findValuesAsText("name")).containsExactly("Apollo");
    assertThat(call("GET", "/api/projects?limit=1", member, null).json().size()).isEqualTo(1);

    assertThat(call("PATCH", "/api/projects/" + id, member, "{\"status\": \"archived\"}").status())
        .isEqualTo(403);
    Reply patched = call("PATCH", "/api/projects/" + id, owner, "{\"status\": \"archived\"}");
    assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
    assertThat(patched.json().path("status").asText()).isEqualTo("archived");
    assertThat(patched.json().path("name").asText()).isEqualTo("Apollo");

    assertThat(call("DELETE", "/api/projects/" + id, owner, null).status()).isEqualTo(204);
    assertThat(call("GET", "/api/projects/" + id, member, null).status()).isEqualTo(404);
    assertThat(call("DELETE", "/api/projects/" + id, owner, null).status()).isEqualTo(404);
  }

  @Test
  void the_bundle_and_the_data_plane_describe_the_endpoints_in_valid_openapi_3_1() {
    Reply created =
        post(
            "/api/create-endpoint",
            """
        {"template": "crud-endpoint", "deploy": true,
         "config": {"resource": "tasks", "table": "work.tasks", "permissions": {"read": ["public"]},
                    "validation": {"title": "string(1..100)", "due": "date?", "points": "integer(0..13)", "owner": "email?"},
                    "filters": {"title": ["eq", "like"], "points": ["lt", "gt", "in"], "due": ["lt"]}}}""");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.json().path("release").path("live").asBoolean()).isTrue();
    assertValidOpenApi(created.json().path("openapi").toString());
    assertThat(
            created
                .json()
                .path("openapi")
                .path("paths")
                .path("/api/tasks/{id}")
                .path("patch")
                .path("security")
                .toString())
        .isEqualTo("[{\"apiKey\":[]}]");

    Reply document = slipway.data("GET", "/openapi.json");
    assertThat(document.status()).isEqualTo(200);
    assertValidOpenApi(document.body());
    // each operation documents the answers it can give, and only those
    JsonNode paths = document.json().path("paths");
    assertThat(statuses(paths.path("/api/tasks").path("post")))
        .contains("201", "400", "401", "409", "415")
        .doesNotContain("200", "403", "404", "429");
    assertThat(
            paths
                .path("/api/tasks")
                .path("post")
                .path("responses")
                .path("409")
                .path("content")
                .has("application/problem+json"))
        .isTrue();
    assertThat(statuses(paths.path("/api/tasks/{id}").path("delete")))
        .contains("204", "401", "404", "409")
        .doesNotContain("200", "415", "429");
    assertThat(
            paths
                .path("/api/tasks/{id}")
                .path("delete")
                .path("responses")
                .path("204")
                .has("content"))
        .isFalse();
    assertThat(statuses(paths.path("/api/tasks/{id}").path("get")))
        .contains("200", "400", "404")
        .doesNotContain("401", "403", "409");
    assertThat(statuses(paths.path("/api/tasks").path("get")))
        .contains("200", "400")
        .doesNotContain("401", "404", "409");
    assertThat(
            statuses(created.json().path("openapi").path("paths").path("/api/tasks").path("post")))
        .contains("201", "409");
    assertThat(
            document
                .json()
                .path("paths")
                .path("/api/tasks")
                .path("get")
                .path("parameters")
                .findValuesAsText("name"))
        .contains("title", "title_like", "points_gt", "points_in", "due_lt", "limit", "cursor");
    // the public list answers without a key; its filters take their operators
    assertThat(slipway.data("GET", "/api/tasks").status()).isEqualTo(200);
    String writer = key("task-writer", "writer");
    call(
        "POST",
        "/api/tasks",
        writer,
        "{\"title\": \"Write\", \"points\": 1, \"due\": \"2025-01-10\"}");
    call("POST", "/api/tasks", writer, "{\"title\": \"Wrap up\", \"points\": 5}");
    call(
        "POST",
        "/api/tasks",
        writer,
        "{\"title\": \"Test\", \"points\": 8, \"due\": \"2025-09-01\"}");
    assertThat(slipway.data("GET", "/api/tasks?points_gt=3").json().findValuesAsText("title"))
        .containsExactlyInAnyOrder("Wrap up", "Test");
    assertThat(slipway.data("GET", "/api/tasks?points_in=1,8").json().findValuesAsText("title"))
        .containsExactlyInAnyOrder("Write", "Test");
    assertThat(
            slipway
                .data("GET", "/api/tasks?title_like=W%25&points_lt=5")
                .json()
                .findValuesAsText("title"))
        .containsExactly("Write");
    assertThat(slipway.data("GET", "/api/tasks?due_lt=2025-06-01").json().findValuesAsText("title"))
        .containsExactly("Write");
    assertThat(slipway.data("GET", "/api/tasks?points_in=1,x").status()).isEqualTo(400);
    Reply unfit =
        post(
            "/api/create-endpoint",
            """
        {"template": "crud-endpoint", "config": {"resource": "odd", "table": "work.odd", "validation": {"title": "string"},
         "filters": {"title": ["lt"], "nope": ["eq"]}}}""");
    assertThat(unfit.status()).isEqualTo(422);
    assertThat(unfit.errorPaths())
        .containsExactly("/config/filters/title/0", "/config/filters/nope");

    Reply page = slipway.data("GET", "/docs");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("/openapi.json", "swagger-ui-bundle.js");
    assertThat(slipway.data("GET", "/docs/swagger-ui-bundle.js").status()).isEqualTo(200);
    assertThat(slipway.data("GET", "/docs/../pom.xml").status()).isEqualTo(404);
    // the parser does refuse what is not OpenAPI
    var broken =
        new io.swagger.v3.parser.OpenAPIV3Parser()
            .readContents("{\"openapi\": \"3.1.0\", \"info\": {}}", null, null);
    assertThat(broken.getMessages()).isNotEmpty();
  }

  @Test
  void a_nested_resource_lives_under_its_parent_and_only_there() {
    Reply created =
        deployed(
            """
        {"template": "crud-endpoint", "deploy": true,
         "config": {"resource": "members", "table": "teamwork.members",
                    "parent": {"resource": "teams", "param": "teamId", "column": "team_id"},
                    "permissions": {"read": ["public"], "create": ["public"], "update": ["public"], "delete": ["public"]},
                    "validation": {"name": "string(1..50)", "role": "enum('lead','dev')"}}}""");
    assertThat(created.json().path("endpointUrl").asText()).isEqualTo("/api/teams/:teamId/members");
    assertThat(created.json().path("testResults").findValuesAsText("name"))
        .contains("another parent does not see the row");

    String one = "/api/teams/11111111-1111-4111-8111-111111111111/members";
    String two = "/api/teams/22222222-2222-4222-8222-222222222222/members";
    Reply ada =
        slipway.data("POST", one, "{\"name\": \"Ada\", \"role\": \"lead\"}", "application/json");
    assertThat(ada.status()).as(ada.toString()).isEqualTo(201);
    String id = ada.json().path("id").asText();
    assertThat(ada.header("Location")).isEqualTo(one + "/" + id);
    assertThat(ada.json().path("team_id").asText())
        .isEqualTo("11111111-1111-4111-8111-111111111111");
    assertThat(slipway.data("GET", one).json().findValuesAsText("name")).containsExactly("Ada");
    assertThat(slipway.data("GET", two).json().size()).isZero();
    assertThat(slipway.data("GET", two + "/" + id).status()).isEqualTo(404);
    assertThat(slipway.data("DELETE", two + "/" + id).status()).isEqualTo(404);
    assertThat(slipway.data("GET", one + "/" + id).status()).isEqualTo(200);
  }

  @Test
  void a_nested_resource_with_a_parent_table_references_it_and_tests_under_one_of_its_rows() {
    Reply created =
        deployed(
            """
        {"template": "crud-endpoint", "deploy": true,
         "config": {"resource": "goals", "table": "teamwork.goals",
                    "parent": {"resource": "teams", "param": "teamId", "column": "team_id", "table": "app.teams"},
                    "permissions": {"read": ["public"], "create": ["public"], "update": ["public"], "delete": ["public"]},
                    "validation": {"title": "string(1..80)"}}}""");
    assertThat(created.json().path("fixtures").findValuesAsText("sql"))
        .containsExactly(
            "select \"id\" from \"app\".\"teams\" order by \"id\" fetch next 1 rows only");
    assertThat(created.json().path("sql").path("migration").asText())
        .contains(
            "\"team_id\" uuid not null",
            "foreign key (\"team_id\") references \"app\".\"teams\" (\"id\") on delete cascade");

    String team = database.scalar("select id::text from app.teams order by id limit 1").toString();
    Reply goal =
        slipway.data(
            "POST", "/api/teams/" + team + "/goals", "{\"title\": \"Ship\"}", "application/json");
    assertThat(goal.status()).as(goal.toString()).isEqualTo(201);
    Reply orphan =
        slipway.data(
            "POST",
            "/api/teams/99999999-9999-4999-8999-999999999999/goals",
            "{\"title\": \"Lost\"}",
            "application/json");
    assertThat(orphan.status()).as(orphan.toString()).isEqualTo(409);
    assertThat(orphan.contentType()).startsWith("application/problem+json");
  }

  @Test
  void rows_that_belong_to_their_caller_are_invisible_to_other_callers_in_the_database_itself() {
    Reply created =
        deployed(
            """
        {"template": "crud-endpoint", "deploy": true,
         "config": {"resource": "notes", "table": "private.notes", "scope": "owner",
                    "permissions": {"read": ["writer"], "create": ["writer"], "update": ["writer"], "delete": ["writer"]},
                    "validation": {"text": "string(1..500)"}}}""");
    assertThat(created.json().path("testResults").findValuesAsText("name"))
        .contains("another caller does not see the row");
    assertThat(created.json().path("sql").path("migration").asText())
        .contains("force row level security", "create policy owner_rows");

    String alice = key("alice", "writer");
    String bob = key("bob", "writer");
    Reply note = call("POST", "/api/notes", alice, "{\"text\": \"mine\"}");
    assertThat(note.status()).as(note.toString()).isEqualTo(201);
    String id = note.json().path("id").asText();
    assertThat(note.json().path("owner").asText()).startsWith("key:");
    assertThat(call("GET", "/api/notes", alice, null).json().size()).isEqualTo(1);
    assertThat(call("GET", "/api/notes", bob, null).json().size()).isZero();
    assertThat(call("GET", "/api/notes/" + id, bob, null).status()).isEqualTo(404);
    assertThat(call("PATCH", "/api/notes/" + id, bob, "{\"text\": \"taken\"}").status())
        .isEqualTo(404);
    assertThat(call("DELETE", "/api/notes/" + id, bob, null).status()).isEqualTo(404);
    Reply mine = call("GET", "/api/notes/" + id, alice, null);
    assertThat(mine.json().path("text").asText()).as(mine.toString()).isEqualTo("mine");

    Reply open =
        post(
            "/api/create-endpoint",
            """
        {"template": "crud-endpoint", "config": {"resource": "open-notes", "table": "private.open_notes", "scope": "owner",
         "permissions": {"read": ["public"]}, "validation": {"owner": "string"}}}""");
    assertThat(open.status()).isEqualTo(422);
    assertThat(open.errorPaths())
        .containsExactly("/config/permissions/read", "/config/validation/owner");
  }

  @Test
  void the_list_sorts_by_each_field_and_pages_through_every_order_past_nulls_and_ties() {
    Reply created =
        deployed(
            """
        {"template": "crud-endpoint", "deploy": true,
         "config": {"resource": "tasks", "table": "planning.tasks", "fieldNames": "camelCase",
                    "permissions": {"read": ["public"], "create": ["public"], "update": ["public"], "delete": ["public"]},
                    "filters": {"title": ["like"], "storyPoints": ["eq", "gt", "lt"], "state": ["eq", "in"]},
                    "validation": {"title": "string(1..50)", "storyPoints": "integer?", "state": "enum('open','done')"}}}""");
    Integer[] points = {3, null, 1, 3, null, 2, 1, 3, null};
    for (int i = 0; i < points.length; i++) {
      Reply row =
          slipway.data(
              "POST",
              "/api/tasks",
              "{\"title\": \"t"
                  + i
                  + "\", \"state\": \""
                  + (i % 2 == 0 ? "open" : "done")
                  + "\""
                  + (points[i] == null ? "" : ", \"storyPoints\": " + points[i])
                  + "}",
              "application/json");
      assertThat(row.status()).as(row.toString()).isEqualTo(201);
    }
    for (String sort :
        List.of(
            "",
            "title",
            "-title",
            "storyPoints",
            "-storyPoints",
            "createdAt",
            "-createdAt",
            "state",
            "-state")) {
      String order = sort.isEmpty() ? "" : "&sort=" + sort;
      var all = slipway.data("GET", "/api/tasks?limit=100" + order).json();
      assertThat(all).as(sort).hasSize(points.length);
      if (!sort.isEmpty() && !sort.contains("createdAt")) assertSorted(all, sort);
      // two rows a page, each page after the last id of the one before: every row once, in the same
      // order
      var paged = new ArrayList<String>();
      String cursor = "";
      for (int page = 0; page < 10; page++) {
        var rows = slipway.data("GET", "/api/tasks?limit=2" + order + cursor).json();
        rows.forEach(row -> paged.add(row.path("id").asText()));
        if (rows.size() < 2) break;
        cursor = "&cursor=" + rows.get(1).path("id").asText();
      }
      assertThat(paged).as(sort).containsExactlyElementsOf(all.findValuesAsText("id"));
    }
    assertThat(
            slipway
                .data("GET", "/api/tasks?storyPoints_gt=0&state=open")
                .json()
                .findValuesAsText("title"))
        .containsExactlyInAnyOrder("t0", "t2", "t6");
    assertThat(
            slipway
                .data("GET", "/api/tasks?state_in=open,done&storyPoints=1")
                .json()
                .findValuesAsText("title"))
        .containsExactlyInAnyOrder("t2", "t6");
    assertThat(
            slipway
                .data("GET", "/api/tasks?title_like=t1%25&sort=-title")
                .json()
                .findValuesAsText("title"))
        .containsExactly("t1");
    Reply unknown = slipway.data("GET", "/api/tasks?sort=-secret");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.errorPaths()).containsExactly("/query/sort");
  }

  @Test
  void the_list_sorts_by_the_timestamps_as_its_rows_spell_them() {
    deployed(
        """
        {"template": "crud-endpoint", "deploy": true,
         "config": {"resource": "notes", "table": "sorting.notes", "permissions": {"read": ["public"], "create": ["public"]},
                    "validation": {"body": "string"}}}""");
    for (String body : List.of("first", "second")) {
      assertThat(
              slipway
                  .data("POST", "/api/notes", "{\"body\": \"" + body + "\"}", "application/json")
                  .status())
          .isEqualTo(201);
    }
    // field names as is: the rows have created_at, and so does ?sort=
    assertThat(slipway.data("GET", "/api/notes").json().get(0).has("created_at")).isTrue();
    assertThat(slipway.data("GET", "/api/notes?sort=-created_at").json().findValuesAsText("body"))
        .containsExactly("second", "first");
    assertThat(slipway.data("GET", "/api/notes?sort=updated_at").json().findValuesAsText("body"))
        .containsExactly("first", "second");
    Reply camel = slipway.data("GET", "/api/notes?sort=createdAt");
    assertThat(camel.status()).isEqualTo(400);
    assertThat(camel.errorPaths()).containsExactly("/query/sort");
    assertThat(camel.body()).contains("created_at");
    Reply config =
        post(
            "/api/create-endpoint",
            """
        {"template": "crud-endpoint", "config": {"resource": "memos", "table": "sorting.memos", "validation": {"body": "string"},
         "sort": ["createdAt"]}}""");
    assertThat(config.status()).isEqualTo(422);
    assertThat(config.errorPaths()).containsExactly("/config/sort/0");
    assertThat(config.body()).contains("created_at");
    // camelCase field names: createdAt, as the rows spell it
    Reply camelConfig =
        post(
            "/api/create-endpoint",
            """
        {"template": "crud-endpoint", "config": {"resource": "memos", "table": "sorting.memos", "fieldNames": "camelCase",
         "validation": {"body": "string"}, "sort": ["createdAt", "-updatedAt"]}}""");
    assertThat(camelConfig.status()).as(camelConfig.toString()).isEqualTo(422);
    assertThat(camelConfig.errorPaths()).containsExactly("/config/sort/1");
    Reply camelOk =
        post(
            "/api/create-endpoint",
            """
        {"template": "crud-endpoint", "config": {"resource": "memos", "table": "sorting.memos", "fieldNames": "camelCase",
         "validation": {"body": "string"}, "sort": ["createdAt", "updatedAt"]}}""");
    assertThat(camelOk.status()).as(camelOk.toString()).isEqualTo(201);
    assertThat(
            camelOk
                .json()
                .path("openapi")
                .path("paths")
                .path("/api/memos")
                .path("get")
                .path("parameters")
                .toString())
        .contains("\"-createdAt\"", "\"updatedAt\"")
        .doesNotContain("created_at");
  }

  @Test
  void rows_scoped_by_a_tenant_claim_are_shared_within_the_tenant_and_hidden_from_others() {
    Reply created =
        deployed(
            """
        {"template": "crud-endpoint", "deploy": true,
         "config": {"resource": "invoices", "table": "billing.invoices", "scope": "tenant", "tenant": {"claim": "org"},
                    "permissions": {"read": ["clerk"], "create": ["clerk"], "update": ["clerk"], "delete": ["clerk"]},
                    "validation": {"amount": "integer(0..)"}}}""");
    assertThat(created.json().path("testResults").findValuesAsText("name"))
        .contains("another tenant does not see the row");
    assertThat(created.json().path("sql").path("migration").asText())
        .contains(
            "\"tenant_id\" text not null default (current_setting('request.jwt.claims', true)::jsonb ->> 'org')",
            "create policy tenant_rows",
            "force row level security");

    String acmeOne = keyWithClaims("acme-1", "clerk", "{\"org\": \"acme\"}");
    String acmeTwo = keyWithClaims("acme-2", "clerk", "{\"org\": \"acme\"}");
    String globex = keyWithClaims("globex", "clerk", "{\"org\": \"globex\"}");
    Reply invoice = call("POST", "/api/invoices", acmeOne, "{\"amount\": 120}");
    assertThat(invoice.status()).as(invoice.toString()).isEqualTo(201);
    assertThat(invoice.json().path("tenant_id").asText()).isEqualTo("acme");
    String id = invoice.json().path("id").asText();
    assertThat(call("GET", "/api/invoices/" + id, acmeTwo, null).json().path("amount").asInt())
        .isEqualTo(120);
    assertThat(call("GET", "/api/invoices", globex, null).json().size()).isZero();
    assertThat(call("GET", "/api/invoices/" + id, globex, null).status()).isEqualTo(404);
    assertThat(call("PATCH", "/api/invoices/" + id, globex, "{\"amount\": 0}").status())
        .isEqualTo(404);
    assertThat(call("DELETE", "/api/invoices/" + id, acmeTwo, null).status()).isEqualTo(204);

    Reply reserved =
        post(
            "/api/consumer-keys",
            "{\"name\": \"x\", \"roles\": [\"clerk\"], \"claims\": {\"sub\": \"admin\", \"org\": 7}}");
    assertThat(reserved.status()).isEqualTo(422);
    assertThat(reserved.errorPaths()).containsExactly("/claims/sub", "/claims/org");
  }

  private static String keyWithClaims(String name, String role, String claims) {
    Reply created =
        post(
            "/api/consumer-keys",
            "{\"name\":\"" + name + "\",\"roles\":[\"" + role + "\"],\"claims\":" + claims + "}");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json().path("token").asText();
  }

  @Test
  void lists_and_nested_objects_are_stored_as_arrays_and_jsonb_and_come_back_as_sent() {
    Reply created =
        deployed(
            """
        {"template": "crud-endpoint", "deploy": true,
         "config": {"resource": "places", "table": "maps.places",
                    "permissions": {"read": ["public"], "create": ["public"], "update": ["public"], "delete": ["public"]},
                    "validation": {"name": "string", "tags": "string[](..3)", "visits": "date[]?",
                                   "address": {"street": "string", "zip": "string?"}}}}""");
    assertThat(created.json().path("sql").path("migration").asText())
        .contains(
            "\"tags\" text[] not null",
            "check (cardinality(\"tags\") <= 3)",
            "\"visits\" date[]",
            "\"address\" jsonb not null");

    Reply place =
        slipway.data(
            "POST",
            "/api/places",
            """
        {"name": "Pier", "tags": ["sea", "o'clock, \\"quoted\\""], "visits": ["2025-05-01"],
         "address": {"street": "1 Quay"}}""",
            "application/json");
    assertThat(place.status()).as(place.toString()).isEqualTo(201);
    assertThat(place.json().path("tags").toString())
        .isEqualTo("[\"sea\",\"o'clock, \\\"quoted\\\"\"]");
    assertThat(place.json().path("visits").toString()).isEqualTo("[\"2025-05-01\"]");
    assertThat(place.json().path("address").toString()).isEqualTo("{\"street\":\"1 Quay\"}");
    String id = place.json().path("id").asText();
    Reply patched =
        slipway.data("PATCH", "/api/places/" + id, "{\"tags\": []}", "application/json");
    assertThat(patched.json().path("tags").toString()).isEqualTo("[]");
    assertThat(patched.json().path("address").path("street").asText()).isEqualTo("1 Quay");
    Reply tooMany =
        slipway.data(
            "POST",
            "/api/places",
            "{\"name\": \"x\", \"tags\": [\"a\",\"b\",\"c\",\"d\"], \"address\": {\"street\": \"s\"}}",
            "application/json");
    assertThat(tooMany.status()).isEqualTo(400);
    assertThat(tooMany.errorPaths()).containsExactly("/body/tags");
  }

  /**
   * Each row is at or after the one before in the sort's order: nulls after every value ascending,
   * id breaking ties.
   */
  private static void assertSorted(com.fasterxml.jackson.databind.JsonNode rows, String sort) {
    boolean descending = sort.startsWith("-");
    String field = descending ? sort.substring(1) : sort;
    java.util.Comparator<com.fasterxml.jackson.databind.JsonNode> byValue =
        (a, b) -> {
          var x = a.path(field);
          var y = b.path(field);
          if (x.isNull() || y.isNull()) return Boolean.compare(x.isNull(), y.isNull());
          return x.isNumber()
              ? Long.compare(x.asLong(), y.asLong())
              : x.asText().compareTo(y.asText());
        };
    var order = byValue.thenComparing(row -> row.path("id").asText());
    for (int i = 1; i < rows.size(); i++) {
      int step = order.compare(rows.get(i - 1), rows.get(i));
      assertThat(descending ? -step : step).as(sort + " at " + i + ": " + rows).isLessThan(0);
    }
  }

  private static List<String> statuses(JsonNode operation) {
    var statuses = new ArrayList<String>();
    operation.path("responses").fieldNames().forEachRemaining(statuses::add);
    return statuses;
  }

  @Test
  void the_openapi_document_has_429_for_a_rate_limited_endpoint_and_each_respond_steps_status() {
    slipway.save(
        """
        name: limited-teapot
        method: GET
        path: /api/teapot
        rateLimit: [{ per: caller, limit: 5, window: 1m }]
        steps:
          - id: answer
            when: "${has(input.query.tea)}"
            respond: { status: 418, body: { tea: true } }
          - id: plain
            sql: select 1 as one
        response: { body: "${steps.plain.rows}" }
        """);
    slipway.deploy("{\"endpoints\": [\"limited-teapot\"]}");
    JsonNode operation =
        slipway.data("GET", "/openapi.json").json().path("paths").path("/api/teapot").path("get");
    assertThat(statuses(operation))
        .contains("200", "400", "418", "429", "503", "504")
        .doesNotContain("401", "404", "409");
    assertThat(operation.path("responses").path("418").path("content").has("application/json"))
        .isTrue();
  }

  private static void assertValidOpenApi(String json) {
    var options = new io.swagger.v3.parser.core.models.ParseOptions();
    options.setResolve(true);
    var result = new io.swagger.v3.parser.OpenAPIV3Parser().readContents(json, null, options);
    assertThat(result.getMessages()).as("OpenAPI parser messages").isEmpty();
    assertThat(result.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
  }

  @Test
  void failing_generated_tests_keep_a_bundle_from_deploying_and_the_runner_reports_each_case() {
    // an existing table whose check refuses the value the tests create rows with
    database.execute(
        "create table app.gadgets (id uuid primary key default gen_random_uuid(), "
            + "label text not null check (label <> 'ssssss'), created_at timestamptz default now(), updated_at timestamptz default now())");
    database.execute(
        "grant select, insert, update, delete on app.gadgets to " + slipway.orgLogin());
    Reply refused =
        post(
            "/api/create-endpoint",
            """
        {"template": "crud-endpoint", "deploy": true,
         "config": {"resource": "gadgets", "table": "app.gadgets", "validation": {"label": "string"}}}""");
    assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
    assertThat(refused.json().path("code").asText()).isEqualTo("tests_failed");
    assertThat(refused.errorPaths()).contains("/tests/0");
    assertThat(slipway.control("GET", "/api/releases/live").body()).doesNotContain("gadgets-");
    assertThat(slipway.data("GET", "/api/gadgets").status()).isEqualTo(404);

    Reply run =
        post(
            "/api/tests/run",
            """
        {"endpoints": ["gadgets-create", "gadgets-get"],
         "tests": [{"name": "ok", "method": "POST", "path": "/api/gadgets", "body": {"label": "fine"}, "role": "x", "status": 201,
                    "fields": ["id", "label"]},
                   {"name": "read back", "method": "GET", "path": "/api/gadgets/{{ok.id}}", "role": "x", "status": 200},
                   {"name": "refused", "method": "POST", "path": "/api/gadgets", "body": {"label": "ssssss"}, "role": "x", "status": 201},
                   {"name": "no key", "method": "POST", "path": "/api/gadgets", "body": {"label": "fine"}, "status": 401}]}""");
    assertThat(run.status()).as(run.toString()).isEqualTo(200);
    assertThat(run.json().path("passed").asInt()).isEqualTo(3);
    assertThat(run.json().path("results").get(2).path("passed").asBoolean()).isFalse();
    assertThat(run.json().path("results").get(2).path("detail").asText())
        .contains("expected status 201");
    assertThat(database.scalar("select count(*) from app.gadgets")).isEqualTo(0L);
  }
}
