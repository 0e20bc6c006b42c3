package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Templates over real HTTP: the catalogue, config errors, and the founding brief's CRUD example end to end. */
class TemplatesTest {

  private static TestDatabase database;
  private static TestSlipway slipway;

  /** The founding brief's example, exactly. */
  private static final String BRIEF = """
      { "template": "crud-endpoint",
        "config": { "resource": "projects", "table": "platform.projects",
          "permissions": { "read": ["member","admin","owner"], "create": ["admin","owner"],
                           "update": ["owner"], "delete": ["owner"] },
          "validation": { "name": "string", "description": "string?",
                          "status": "enum('active','archived')" } } }""";

  @BeforeAll
  static void start() throws Exception {
    database = new TestDatabase();
    slipway = TestSlipway.start(database);
  }

  @AfterAll
  static void stop() {
    slipway.close();
    database.close();
  }

  private static Reply post(String path, String json) {
    return slipway.control("POST", path, json, "application/json");
  }

  private static String key(String name, String role) {
    Reply created = post("/api/consumer-keys", "{\"name\":\"" + name + "\",\"roles\":[\"" + role + "\"]}");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json().path("token").asText();
  }

  private static Reply call(String method, String path, String key, String json) {
    return slipway.send(method, "http://127.0.0.1:" + slipway.dataPort() + path, json, json == null ? null : "application/json",
        Map.of("X-API-Key", key));
  }

  @Test
  void the_catalogue_lists_the_crud_template_with_its_config_schema() {
    Reply list = slipway.control("GET", "/api/templates");
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().findValuesAsText("name")).contains("crud-endpoint");
    Reply one = slipway.control("GET", "/api/templates/crud-endpoint");
    assertThat(one.json().path("configSchema").path("required").toString()).isEqualTo("[\"resource\",\"table\",\"validation\"]");
    assertThat(slipway.control("GET", "/api/templates/nope").status()).isEqualTo(404);
  }

  @Test
  void an_unknown_template_or_a_bad_config_is_a_422_naming_every_path() {
    Reply unknown = post("/api/create-endpoint", "{\"template\": \"nope\", \"config\": {}}");
    assertThat(unknown.status()).isEqualTo(422);
    assertThat(unknown.errorPaths()).containsExactly("/template");

    Reply bad = post("/api/create-endpoint", """
        {"template": "crud-endpoint", "config": {"resource": "Bad Name", "table": "no_schema", "validation": {"a": "string"},
         "permissions": {"read": []}}}""");
    assertThat(bad.status()).as(bad.toString()).isEqualTo(422);
    assertThat(bad.errorPaths()).contains("/config/resource", "/config/table", "/config/permissions/read");

    Reply syntax = post("/api/create-endpoint", """
        {"template": "crud-endpoint", "config": {"resource": "things", "table": "app.things",
         "validation": {"a": "strng", "b": "integer(3..1)", "tags": "string[]"}}}""");
    assertThat(syntax.status()).isEqualTo(422);
    assertThat(syntax.errorPaths()).containsExactly("/config/validation/a", "/config/validation/b");

    Reply mismatch = post("/api/create-endpoint", """
        {"template": "crud-endpoint", "config": {"resource": "projects", "table": "app.projects",
         "validation": {"name": "string", "bogus": "integer", "status": "boolean"}}}""");
    assertThat(mismatch.status()).as(mismatch.toString()).isEqualTo(422);
    assertThat(mismatch.errorPaths()).containsExactly("/config/validation/bogus", "/config/validation/status");
    Reply own = post("/api/create-endpoint", """
        {"template": "crud-endpoint", "config": {"resource": "keys", "table": "slipway.api_keys", "validation": {"name": "string"}}}""");
    assertThat(own.status()).isEqualTo(422);
    assertThat(own.errorPaths()).contains("/config/table");
    assertThat(database.scalar("select count(*) from slipway.endpoints where name like 'things-%'")).isEqualTo(0L);
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
    // drafts: nothing is served until a deploy
    String owner = key("owner-app", "owner");
    String member = key("member-app", "member");
    assertThat(call("GET", "/api/projects", member, null).status()).isEqualTo(404);
    slipway.deploy("{\"endpoints\": [\"projects-list\", \"projects-get\", \"projects-create\", \"projects-update\", \"projects-delete\"]}");

    assertThat(call("POST", "/api/projects", member, "{\"name\": \"Apollo\", \"status\": \"active\"}").status()).isEqualTo(403);
    Reply apollo = call("POST", "/api/projects", owner, "{\"name\": \"Apollo\", \"status\": \"active\"}");
    assertThat(apollo.status()).as(apollo.toString()).isEqualTo(201);
    String id = apollo.json().path("id").asText();
    assertThat(apollo.header("Location")).isEqualTo("/api/projects/" + id);
    assertThat(apollo.json().path("description").isNull()).isTrue();
    call("POST", "/api/projects", owner, "{\"name\": \"Gemini\", \"description\": \"two\", \"status\": \"archived\"}");

    Reply invalid = call("POST", "/api/projects", owner, "{\"name\": 1, \"status\": \"done\", \"extra\": true}");
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.errorPaths()).contains("/body/name", "/body/status");

    assertThat(call("GET", "/api/projects/" + id, member, null).json().path("name").asText()).isEqualTo("Apollo");
    Reply active = call("GET", "/api/projects?status=active", member, null);
    assertThat(active.json().findValuesAsText("name")).containsExactly("Apollo");
    assertThat(call("GET", "/api/projects?limit=1", member, null).json().size()).isEqualTo(1);

    assertThat(call("PATCH", "/api/projects/" + id, member, "{\"status\": \"archived\"}").status()).isEqualTo(403);
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
    Reply created = post("/api/create-endpoint", """
        {"template": "crud-endpoint", "deploy": true,
         "config": {"resource": "tasks", "table": "work.tasks", "permissions": {"read": ["public"]},
                    "validation": {"title": "string(1..100)", "due": "date?", "points": "integer(0..13)", "owner": "email?"},
                    "filters": {"title": ["eq", "like"], "points": ["lt", "gt", "in"], "due": ["lt"]}}}""");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.json().path("release").path("live").asBoolean()).isTrue();
    assertValidOpenApi(created.json().path("openapi").toString());
    assertThat(created.json().path("openapi").path("paths").path("/api/tasks/{id}").path("patch").path("security").toString())
        .isEqualTo("[{\"apiKey\":[]}]");

    Reply document = slipway.data("GET", "/openapi.json");
    assertThat(document.status()).isEqualTo(200);
    assertValidOpenApi(document.body());
    assertThat(document.json().path("paths").path("/api/tasks").path("get").path("parameters").findValuesAsText("name"))
        .contains("title", "title_like", "points_gt", "points_in", "due_lt", "limit", "cursor");
    // the public list answers without a key; its filters take their operators
    assertThat(slipway.data("GET", "/api/tasks").status()).isEqualTo(200);
    String writer = key("task-writer", "writer");
    call("POST", "/api/tasks", writer, "{\"title\": \"Write\", \"points\": 1, \"due\": \"2025-01-10\"}");
    call("POST", "/api/tasks", writer, "{\"title\": \"Wrap up\", \"points\": 5}");
    call("POST", "/api/tasks", writer, "{\"title\": \"Test\", \"points\": 8, \"due\": \"2025-09-01\"}");
    assertThat(slipway.data("GET", "/api/tasks?points_gt=3").json().findValuesAsText("title")).containsExactlyInAnyOrder("Wrap up", "Test");
    assertThat(slipway.data("GET", "/api/tasks?points_in=1,8").json().findValuesAsText("title")).containsExactlyInAnyOrder("Write", "Test");
    assertThat(slipway.data("GET", "/api/tasks?title_like=W%25&points_lt=5").json().findValuesAsText("title")).containsExactly("Write");
    assertThat(slipway.data("GET", "/api/tasks?due_lt=2025-06-01").json().findValuesAsText("title")).containsExactly("Write");
    assertThat(slipway.data("GET", "/api/tasks?points_in=1,x").status()).isEqualTo(400);
    Reply unfit = post("/api/create-endpoint", """
        {"template": "crud-endpoint", "config": {"resource": "odd", "table": "work.odd", "validation": {"title": "string"},
         "filters": {"title": ["lt"], "nope": ["eq"]}}}""");
    assertThat(unfit.status()).isEqualTo(422);
    assertThat(unfit.errorPaths()).containsExactly("/config/filters/title/0", "/config/filters/nope");

    Reply page = slipway.data("GET", "/docs");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("/openapi.json", "swagger-ui-bundle.js");
    assertThat(slipway.data("GET", "/docs/swagger-ui-bundle.js").status()).isEqualTo(200);
    assertThat(slipway.data("GET", "/docs/../pom.xml").status()).isEqualTo(404);
    // the parser does refuse what is not OpenAPI
    var broken = new io.swagger.v3.parser.OpenAPIV3Parser().readContents("{\"openapi\": \"3.1.0\", \"info\": {}}", null, null);
    assertThat(broken.getMessages()).isNotEmpty();
  }

  @Test
  void a_nested_resource_lives_under_its_parent_and_only_there() {
    Reply created = post("/api/create-endpoint", """
        {"template": "crud-endpoint", "deploy": true,
         "config": {"resource": "members", "table": "teamwork.members",
                    "parent": {"resource": "teams", "param": "teamId", "column": "team_id"},
                    "permissions": {"read": ["public"], "create": ["public"], "update": ["public"], "delete": ["public"]},
                    "validation": {"name": "string(1..50)", "role": "enum('lead','dev')"}}}""");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.json().path("endpointUrl").asText()).isEqualTo("/api/teams/:teamId/members");
    assertThat(created.json().path("testResults").findValuesAsText("detail")).containsOnly("ok");
    assertThat(created.json().path("testResults").findValuesAsText("name")).contains("another parent does not see the row");

    String one = "/api/teams/11111111-1111-4111-8111-111111111111/members";
    String two = "/api/teams/22222222-2222-4222-8222-222222222222/members";
    Reply ada = slipway.data("POST", one, "{\"name\": \"Ada\", \"role\": \"lead\"}", "application/json");
    assertThat(ada.status()).as(ada.toString()).isEqualTo(201);
    String id = ada.json().path("id").asText();
    assertThat(ada.header("Location")).isEqualTo(one + "/" + id);
    assertThat(ada.json().path("team_id").asText()).isEqualTo("11111111-1111-4111-8111-111111111111");
    assertThat(slipway.data("GET", one).json().findValuesAsText("name")).containsExactly("Ada");
    assertThat(slipway.data("GET", two).json().size()).isZero();
    assertThat(slipway.data("GET", two + "/" + id).status()).isEqualTo(404);
    assertThat(slipway.data("DELETE", two + "/" + id).status()).isEqualTo(404);
    assertThat(slipway.data("GET", one + "/" + id).status()).isEqualTo(200);
  }

  @Test
  void rows_that_belong_to_their_caller_are_invisible_to_other_callers_in_the_database_itself() {
    Reply created = post("/api/create-endpoint", """
        {"template": "crud-endpoint", "deploy": true,
         "config": {"resource": "notes", "table": "private.notes", "scope": "owner",
                    "permissions": {"read": ["writer"], "create": ["writer"], "update": ["writer"], "delete": ["writer"]},
                    "validation": {"text": "string(1..500)"}}}""");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.json().path("testResults").findValuesAsText("detail")).containsOnly("ok");
    assertThat(created.json().path("testResults").findValuesAsText("name")).contains("another caller does not see the row");
    assertThat(created.json().path("sql").path("migration").asText()).contains("force row level security", "create policy owner_rows");

    String alice = key("alice", "writer");
    String bob = key("bob", "writer");
    Reply note = call("POST", "/api/notes", alice, "{\"text\": \"mine\"}");
    assertThat(note.status()).as(note.toString()).isEqualTo(201);
    String id = note.json().path("id").asText();
    assertThat(note.json().path("owner").asText()).startsWith("key:");
    assertThat(call("GET", "/api/notes", alice, null).json().size()).isEqualTo(1);
    assertThat(call("GET", "/api/notes", bob, null).json().size()).isZero();
    assertThat(call("GET", "/api/notes/" + id, bob, null).status()).isEqualTo(404);
    assertThat(call("PATCH", "/api/notes/" + id, bob, "{\"text\": \"taken\"}").status()).isEqualTo(404);
    assertThat(call("DELETE", "/api/notes/" + id, bob, null).status()).isEqualTo(404);
    assertThat(call("GET", "/api/notes/" + id, alice, null).json().path("text").asText()).isEqualTo("mine");

    Reply open = post("/api/create-endpoint", """
        {"template": "crud-endpoint", "config": {"resource": "open-notes", "table": "private.open_notes", "scope": "owner",
         "permissions": {"read": ["public"]}, "validation": {"owner": "string"}}}""");
    assertThat(open.status()).isEqualTo(422);
    assertThat(open.errorPaths()).containsExactly("/config/permissions/read", "/config/validation/owner");
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
    database.execute("create table app.gadgets (id uuid primary key default gen_random_uuid(), "
        + "label text not null check (label <> 'ssssss'), created_at timestamptz default now(), updated_at timestamptz default now())");
    database.execute("grant select, insert, update, delete on app.gadgets to slipway_caller");
    Reply refused = post("/api/create-endpoint", """
        {"template": "crud-endpoint", "deploy": true,
         "config": {"resource": "gadgets", "table": "app.gadgets", "validation": {"label": "string"}}}""");
    assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
    assertThat(refused.json().path("code").asText()).isEqualTo("tests_failed");
    assertThat(refused.errorPaths()).contains("/tests/0");
    assertThat(slipway.control("GET", "/api/releases/live").body()).doesNotContain("gadgets-");
    assertThat(slipway.data("GET", "/api/gadgets").status()).isEqualTo(404);

    Reply run = post("/api/tests/run", """
        {"endpoints": ["gadgets-create", "gadgets-get"],
         "tests": [{"name": "ok", "method": "POST", "path": "/api/gadgets", "body": {"label": "fine"}, "role": "x", "status": 201,
                    "fields": ["id", "label"]},
                   {"name": "read back", "method": "GET", "path": "/api/gadgets/{{ok.id}}", "role": "x", "status": 200},
                   {"name": "refused", "method": "POST", "path": "/api/gadgets", "body": {"label": "ssssss"}, "role": "x", "status": 201},
                   {"name": "no key", "method": "POST", "path": "/api/gadgets", "body": {"label": "fine"}, "status": 401}]}""");
    assertThat(run.status()).as(run.toString()).isEqualTo(200);
    assertThat(run.json().path("passed").asInt()).isEqualTo(3);
    assertThat(run.json().path("results").get(2).path("passed").asBoolean()).isFalse();
    assertThat(run.json().path("results").get(2).path("detail").asText()).contains("expected status 201");
    assertThat(database.scalar("select count(*) from app.gadgets")).isEqualTo(0L);
  }
}
