package dev.slipway.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.common.Json;
import dev.slipway.generate.DatabaseSchema.Check;
import dev.slipway.generate.DatabaseSchema.Column;
import dev.slipway.generate.DatabaseSchema.ForeignKey;
import dev.slipway.generate.DatabaseSchema.Table;
import dev.slipway.problem.ProblemException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Plans over the demo schema, built in memory: shapes, scopes, nesting, what it refuses. */
class OfflinePlannerTest {

  private static Column column(String name, String type, boolean nullable, String defaultValue) {
    return new Column(name, type, nullable, defaultValue, null, null);
  }

  private static Table table(
      String name, List<Column> columns, List<ForeignKey> keys, List<Check> checks) {
    return new Table(
        "app",
        name,
        "table",
        null,
        100L,
        List.of("select", "insert", "update", "delete"),
        columns,
        List.of("id"),
        keys,
        List.of(),
        checks,
        List.of(),
        false,
        List.of());
  }

  static DatabaseSchema demo() {
    var id = column("id", "uuid", false, "gen_random_uuid()");
    var created = column("created_at", "timestamp with time zone", false, "now()");
    return new DatabaseSchema(
        List.of(
            table(
                "projects",
                List.of(
                    id,
                    column("org_id", "uuid", false, null),
                    column("name", "text", false, null),
                    column("description", "text", true, null),
                    column("status", "text", false, null),
                    created),
                List.of(),
                List.of(
                    new Check(
                        "projects_status_check",
                        "CHECK ((status = ANY (ARRAY['active'::text, 'archived'::text])))"))),
            table(
                "teams",
                List.of(
                    id,
                    column("project_id", "uuid", true, null),
                    column("name", "text", false, null),
                    created),
                List.of(
                    new ForeignKey(
                        "teams_project_id_fkey",
                        List.of("project_id"),
                        "app.projects",
                        List.of("id"),
                        "cascade")),
                List.of()),
            table(
                "team_members",
                List.of(
                    id,
                    column("team_id", "uuid", false, null),
                    column("name", "text", false, null),
                    column("email", "text", false, null),
                    column("role", "text", false, null),
                    column("joined_at", "timestamp with time zone", false, "now()")),
                List.of(
                    new ForeignKey(
                        "team_members_team_id_fkey",
                        List.of("team_id"),
                        "app.teams",
                        List.of("id"),
                        "cascade")),
                List.of(
                    new Check(
                        "team_members_role_check",
                        "CHECK ((role = ANY (ARRAY['owner'::text, 'admin'::text, 'member'::text, 'viewer'::text])))"))),
            table(
                "activity",
                List.of(
                    new Column("id", "bigint", false, null, "identity", null),
                    column("team_id", "uuid", true, null),
                    column("actor", "text", false, null),
                    column("action", "text", false, null),
                    column("detail", "jsonb", false, "'{}'::jsonb"),
                    created),
                List.of(
                    new ForeignKey(
                        "activity_team_id_fkey",
                        List.of("team_id"),
                        "app.teams",
                        List.of("id"),
                        "cascade")),
                List.of())),
        List.of());
  }

  private static Plan plan(String description, String context) {
    return OfflinePlanner.plan(
        demo(),
        GenerationRequest.of(
            Json.parse(
                "{\"description\": "
                    + Json.MAPPER.valueToTree(description)
                    + ", \"context\": "
                    + context
                    + "}")));
  }

  private static String sql(Plan plan) {
    var steps = plan.specs().getFirst().path("steps");
    return steps.get(steps.size() - 1).path("sql").asText();
  }

  @Test
  void the_founding_example_lists_projects_of_the_callers_org_with_members_and_activity() {
    Plan plan =
        plan(
            "Create an endpoint that fetches user's projects with their team members and recent activity",
            "{\"userId\": \"current user\", \"orgId\": \"active organization\"}");
    assertThat(plan.shape()).isEqualTo("list");
    assertThat(plan.tables())
        .containsExactly("app.projects", "app.teams", "app.team_members", "app.activity");
    assertThat(sql(plan))
        .contains("from app.projects a")
        .contains("a.org_id = :scope_org_id")
        .contains("join app.team_members j2 on j2.team_id = j1.id")
        .contains("as team_members")
        .doesNotContain("as teams")
        .contains("limit 10) x), '[]'::json) as activity");
    assertThat(plan.specs().getFirst().path("path").asText()).isEqualTo("/api/projects");
    assertThat(plan.notes()).anyMatch(note -> note.contains("current user"));
    assertThat(plan.tests()).extracting(t -> t.status()).contains(200, 400, 401, 403);
  }

  @Test
  void a_row_by_its_id() {
    Plan plan = plan("get a single team member by id", "{}");
    assertThat(plan.shape()).isEqualTo("get");
    assertThat(plan.specs().getFirst().path("path").asText()).isEqualTo("/api/team-members/:id");
    assertThat(sql(plan)).contains("where a.id = :id");
  }

  @Test
  void counts_grouped_by_a_column() {
    Plan plan = plan("count projects by status", "{}");
    assertThat(plan.shape()).isEqualTo("aggregate");
    assertThat(sql(plan)).contains("group by a.status");
  }

  @Test
  void search_in_the_text_columns() {
    Plan plan = plan("search team members by name or email", "{}");
    assertThat(plan.shape()).isEqualTo("search");
    assertThat(sql(plan)).contains("strpos(lower(a.name), lower(:q)) > 0 or strpos(lower(a.email)");
  }

  @Test
  void the_table_named_first_is_the_main_one_and_a_parent_is_an_object() {
    Plan plan = plan("list team members with their team", "{}");
    assertThat(plan.specs().getFirst().path("path").asText()).isEqualTo("/api/team-members");
    assertThat(sql(plan)).contains("(select row_to_json(x) from").contains("as team\n");
  }

  @Test
  void a_check_constraint_names_the_values_of_its_own_column_only() {
    var projects = demo().table("app.projects").orElseThrow();
    assertThat(ColumnKinds.allowed(projects, projects.column("status").orElseThrow(), demo()))
        .containsExactly("active", "archived");
    // 'archived' holds "id"; the key is no enum for it
    assertThat(ColumnKinds.allowed(projects, projects.column("id").orElseThrow(), demo()))
        .isEmpty();
  }

  @Test
  void rankings_absences_comparisons_and_time_buckets_need_a_model() {
    for (String description :
        List.of(
            "the top 5 projects by activity",
            "projects that never had activity",
            "teams with more than 3 members",
            "monthly activity per team")) {
      assertThatThrownBy(() -> plan(description, "{}"))
          .as(description)
          .isInstanceOf(ProblemException.class)
          .hasMessageContaining("needs a model");
    }
  }

  @Test
  void a_list_is_ordered_as_the_description_says() {
    Plan plan = plan("list projects filtered by status, sorted by name descending", "{}");
    assertThat(sql(plan))
        .contains("order by a.name desc, a.id")
        .contains("[[and a.status = :status]]")
        .doesNotContain(":name");
  }

  @Test
  void writes_need_a_model() {
    assertThatThrownBy(() -> plan("delete a project and its teams", "{}"))
        .isInstanceOf(ProblemException.class)
        .hasMessageContaining("needs a model");
  }
}
