package dev.slipway.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.testing.TestInstall;
import dev.slipway.testing.TestOrg;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One org's SQL cannot reach another org's data: the tables {@code create-endpoint} made for org A
 * (and the demo schema, which is the default org's) are refused to org B's SQL on every path — by
 * name when it saves an endpoint or generates one over them (422 naming the object), and by the
 * database when its SQL names them at run time only — and their rows stay as A left them.
 */
@ParameterizedClass
@EnumSource(TestInstall.Setup.class)
class OrgDataIsolationTest {
  /** The set-up this run holds in (the class runs once for each). */
  @Parameter TestInstall.Setup setup;

  private static TestInstall install;
  private static TestSlipway slipway;

  /** Org B, with its owner signed in. */
  private static TestOrg other;

  @BeforeParameterizedClassInvocation
  static void start(TestInstall.Setup setup) throws Exception {
    install = TestInstall.start(setup, Map.of());
    slipway = install.slipway();
    other = install.otherOrg("other");
    // org A (the default org) makes a table of its own, public to read, and a row in it
    Reply created =
        slipway.control(
            "POST",
            "/api/create-endpoint",
            """
        {"template": "crud-endpoint", "deploy": true,
         "config": {"resource": "tasks", "table": "work.tasks",
           "permissions": {"read": ["public"], "create": ["public"], "update": ["editor"], "delete": ["editor"]},
           "validation": {"title": "string(1..200)"}}}""",
            "application/json");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(
            slipway
                .data("POST", "/api/tasks", "{\"title\": \"A's task\"}", "application/json")
                .status())
        .isEqualTo(201);
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    install.close();
  }

  @Test
  void another_orgs_table_is_refused_by_name_when_an_endpoint_is_saved() {
    for (String sql :
        new String[] {
          "select * from work.tasks",
          "update work.tasks set title = 'B was here'",
          "select count(*) from app.projects"
        }) {
      Reply reply =
          other.call(
              "POST",
              "/api/endpoints",
              Json.MAPPER
                  .createObjectNode()
                  .put("name", "reach")
                  .put("method", "GET")
                  .put("path", "/reach-" + Math.abs(sql.hashCode()))
                  .set(
                      "steps",
                      Json.MAPPER
                          .createArrayNode()
                          .add(Json.MAPPER.createObjectNode().put("id", "q").put("sql", sql)))
                  .toString());
      assertThat(reply.status()).as(sql + ": " + reply.body()).isEqualTo(422);
      assertThat(reply.body())
          .as(sql)
          .containsPattern(
              "permission denied for (table tasks|schema work|schema app|table projects)");
      assertThat(reply.errorPaths()).containsExactly("/steps/0/sql");
    }
    assertUntouched();
  }

  @Test
  void create_endpoint_over_another_orgs_table_is_refused_naming_it() {
    for (String config :
        new String[] {
          "{\"resource\": \"stolen\", \"table\": \"work.tasks\", \"validation\": {\"title\": \"string\"}}",
          "{\"resource\": \"children\", \"table\": \"work.children\", \"validation\": {\"title\": \"string\"},"
              + " \"parent\": {\"resource\": \"tasks\", \"param\": \"taskId\", \"column\": \"task_id\", \"table\": \"work.tasks\"}}"
        }) {
      Reply reply =
          other.call(
              "POST",
              "/api/create-endpoint",
              "{\"template\": \"crud-endpoint\", \"config\": " + config + "}");
      assertThat(reply.status()).as(reply.body()).isEqualTo(422);
      assertThat(reply.json().path("code").asText()).isEqualTo("table_not_usable");
      assertThat(reply.body()).contains("work.tasks");
      assertThat(reply.errorPaths()).containsAnyOf("/config/table", "/config/parent/table");
    }
    assertThat(install.scalar("select count(*) from pg_class where relname = 'children'"))
        .as("no table made over A's")
        .isEqualTo(0L);
    assertUntouched();
  }

  @Test
  void sql_that_names_another_orgs_table_only_when_it_runs_gets_a_permission_error_on_every_path() {
    // dynamic SQL hides the name from the save-time check; the database still refuses it
    String hidden =
        "do $$ begin execute 'update work.' || 'tasks set title = ''B was here'''; end $$";
    other.call(
        "POST",
        "/api/endpoints",
        Json.MAPPER
            .createObjectNode()
            .put("name", "hidden")
            .put("method", "POST")
            .put("path", "/hidden-write")
            .set(
                "steps",
                Json.MAPPER
                    .createArrayNode()
                    .add(
                        Json.MAPPER
                            .createObjectNode()
                            .put("id", "q")
                            .put("sql", hidden)
                            .put("expect", "none")))
            .toString());
    Reply preview = other.call("POST", "/api/endpoints/hidden/preview/hidden-write", "");
    assertThat(preview.status()).as(preview.body()).isEqualTo(500);
    assertThat(preview.body()).contains("permission denied for schema work");
    assertThat(other.call("POST", "/api/deploy", "{\"endpoints\": [\"hidden\"]}").status())
        .isEqualTo(201);
    assertThat(slipway.data("POST", "/hidden-write").status()).isEqualTo(500);

    Reply executed =
        other.call(
            "POST",
            "/api/execute",
            Json.MAPPER
                .createObjectNode()
                .put("language", "javascript")
                .put(
                    "code",
                    "return await ctx.db.query(\"update work.tasks set title = 'B was here' returning id\")")
                .toString());
    assertThat(executed.status()).as(executed.body()).isEqualTo(422);
    assertThat(executed.body()).contains("permission denied");

    other.call(
        "POST",
        "/api/endpoints",
        """
        {"name": "echo", "method": "GET", "path": "/b-echo/:id", "response": {"body": {"ok": true}}}""");
    Reply tests =
        other.call(
            "POST",
            "/api/tests/run",
            """
        {"endpoints": ["echo"], "fixtures": [{"name": "a", "sql": "update work.tasks set title = 'B was here' returning id"}],
         "tests": [{"name": "reads A's row", "method": "GET", "path": "/b-echo/{{a.id}}", "status": 200}]}""");
    assertThat(tests.json().path("passed").asInt()).as(tests.body()).isZero();
    assertUntouched();
  }

  @Test
  void the_org_that_made_a_table_still_uses_it() {
    assertThat(slipway.data("GET", "/api/tasks").json().findValuesAsText("title"))
        .containsExactly("A's task");
    assertThat(
            slipway
                .control(
                    "POST",
                    "/api/execute",
                    "{\"language\": \"javascript\", \"code\": "
                        + "\"return (await ctx.db.query('select count(*)::int as n from work.tasks'))[0].n\"}",
                    "application/json")
                .json()
                .path("result")
                .asInt())
        .isEqualTo(1);
  }

  /** A's table holds the one row A wrote, as A wrote it. */
  private static void assertUntouched() {
    assertThat(install.scalar("select string_agg(title, ',') from work.tasks"))
        .isEqualTo("A's task");
  }
}
