package dev.slipway.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestOrg;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/schema} through a real Slipway on the demo schema: what the org's login can
 * reach, with keys, constraints, indexes, policies and enums, and nothing it cannot (Slipway's own
 * tables, another org's, a column it holds no privilege on).
 */
@ServerTest
class SchemaRouteTest {
  private static TestDatabase database;
  private static TestSlipway slipway;
  private static TestOrg other;

  @BeforeAll
  static void tables() {
    String login = slipway.orgLogin();
    database.execute(
        """
        create type app.ticket_state as enum ('open', 'waiting', 'closed');
        create table app.tickets (
          id bigint generated always as identity primary key,
          project_id uuid not null references app.projects (id),
          state app.ticket_state not null default 'open',
          title text not null check (length(title) <= 200),
          owner_email text not null,
          internal_note text
        );
        create index tickets_open on app.tickets (project_id) where state <> 'closed';
        alter table app.tickets enable row level security;
        create policy tickets_by_owner on app.tickets for select
          using (owner_email = current_setting('request.jwt.claims', true)::jsonb ->> 'email');
        insert into app.activity (team_id, actor, action)
          select null, 'x', 'y' from generate_series(1, 500);
        analyze app.activity;
        """);
    database.execute(
        "revoke all on app.tickets from "
            + login
            + "; grant select (id, project_id, state, title, owner_email),"
            + " insert (project_id, title, owner_email) on app.tickets to "
            + login);
    other = TestOrg.create(slipway, database, "schema-other");
    // its login is made on first use: before any table is granted, it sees none
    assertThat(other.call("GET", "/api/schema", null).json().path("tables").size()).isZero();
    String otherLogin = other.call("GET", "/api/org", null).json().path("databaseLogin").asText();
    // in schema public, which every login may use: only the table's privileges keep it the other's
    database.execute(
        "create table public.ledger (id int primary key, amount int); grant select on public.ledger to "
            + otherLogin);
  }

  private static JsonNode table(JsonNode schema, String qualified) {
    for (JsonNode table : schema.path("tables"))
      if ((table.path("schema").asText() + "." + table.path("name").asText()).equals(qualified))
        return table;
    return null;
  }

  private static JsonNode named(JsonNode array, String name) {
    for (JsonNode node : array) if (node.path("name").asText().equals(name)) return node;
    throw new AssertionError("no " + name + " in " + array);
  }

  private static List<String> names(JsonNode schema) {
    var names = new ArrayList<String>();
    schema
        .path("tables")
        .forEach(t -> names.add(t.path("schema").asText() + "." + t.path("name").asText()));
    return names;
  }

  private static List<String> texts(JsonNode array, String field) {
    var texts = new ArrayList<String>();
    array.forEach(node -> texts.add(field == null ? node.asText() : node.path(field).asText()));
    return texts;
  }

  @Test
  void describes_what_the_orgs_sql_can_reach() {
    Reply reply = slipway.control("GET", "/api/schema");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    JsonNode schema = reply.json();
    assertThat(names(schema))
        .contains("app.projects", "app.teams", "app.team_members", "app.activity", "app.tickets")
        .noneMatch(name -> name.startsWith("slipway.") || name.startsWith("pg_catalog."))
        .doesNotContain("public.ledger");

    JsonNode members = table(schema, "app.team_members");
    assertThat(texts(members.path("primaryKey"), null)).containsExactly("id");
    assertThat(members.path("uniques").get(0).toString()).isEqualTo("[\"team_id\",\"email\"]");
    JsonNode key = members.path("foreignKeys").get(0);
    assertThat(key.path("columns").toString()).isEqualTo("[\"team_id\"]");
    assertThat(key.path("references").asText()).isEqualTo("app.teams");
    assertThat(key.path("referencedColumns").toString()).isEqualTo("[\"id\"]");
    assertThat(key.path("onDelete").asText()).isEqualTo("cascade");
    assertThat(members.path("checks").get(0).path("expression").asText()).contains("role");
    assertThat(texts(members.path("privileges"), null))
        .containsExactly("select", "insert", "update", "delete");
    JsonNode email = members.path("columns").get(3);
    assertThat(email.path("name").asText()).isEqualTo("email");
    assertThat(email.path("type").asText()).isEqualTo("text");
    assertThat(email.path("nullable").asBoolean()).isFalse();
    assertThat(members.path("columns").get(0).path("defaultValue").asText())
        .isEqualTo("gen_random_uuid()");

    JsonNode activity = table(schema, "app.activity");
    assertThat(activity.path("rowEstimate").asLong()).isGreaterThanOrEqualTo(500);
    assertThat(activity.path("columns").get(0).path("generated").asText()).isEqualTo("identity");
    assertThat(texts(activity.path("indexes"), "name")).contains("activity_team_created");
    JsonNode byTeam = named(activity.path("indexes"), "activity_team_created");
    assertThat(byTeam.path("columns").toString()).isEqualTo("[\"team_id\",\"created_at\"]");
  }

  @Test
  void shows_policies_enums_partial_indexes_and_only_the_columns_granted() {
    JsonNode schema = slipway.control("GET", "/api/schema").json();
    JsonNode tickets = table(schema, "app.tickets");
    assertThat(texts(tickets.path("columns"), "name"))
        .containsExactly("id", "project_id", "state", "title", "owner_email");
    assertThat(texts(tickets.path("privileges"), null)).containsExactly("select", "insert");
    assertThat(tickets.path("rowLevelSecurity").asBoolean()).isTrue();
    JsonNode policy = tickets.path("policies").get(0);
    assertThat(policy.path("name").asText()).isEqualTo("tickets_by_owner");
    assertThat(policy.path("command").asText()).isEqualTo("select");
    assertThat(policy.path("roles").toString()).isEqualTo("[\"public\"]");
    assertThat(policy.path("using").asText()).contains("request.jwt.claims");
    assertThat(tickets.path("columns").get(2).path("type").asText()).isEqualTo("app.ticket_state");
    JsonNode open = named(tickets.path("indexes"), "tickets_open");
    assertThat(open.path("predicate").asText()).contains("closed");
    JsonNode state = named(schema.path("enums"), "ticket_state");
    assertThat(state.path("values").toString()).isEqualTo("[\"open\",\"waiting\",\"closed\"]");
  }

  @Test
  void another_org_sees_its_own_tables_only() {
    JsonNode schema = other.call("GET", "/api/schema", null).json();
    assertThat(names(schema)).containsExactly("public.ledger");
  }

  @Test
  void a_description_keeps_the_tables_it_is_about_and_those_joining_them() {
    String description =
        "Create an endpoint that fetches user's projects with their team members and recent activity";
    Reply reply =
        slipway.control(
            "GET", "/api/schema?for=" + URLEncoder.encode(description, StandardCharsets.UTF_8));
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    JsonNode matched = reply.json();
    assertThat(texts(matched.path("matched"), "table"))
        .contains("app.projects", "app.team_members", "app.activity");
    assertThat(names(matched))
        .containsExactlyInAnyOrder("app.projects", "app.teams", "app.team_members", "app.activity");
    assertThat(matched.path("joins").size()).isEqualTo(3);
  }

  @Test
  void a_limit_that_is_not_a_number_is_a_422_naming_it() {
    Reply reply = slipway.control("GET", "/api/schema?for=projects&limit=many");
    assertThat(reply.status()).isEqualTo(422);
    assertThat(reply.contentType()).startsWith("application/problem+json");
    assertThat(reply.errorPaths()).containsExactly("/query/limit");
  }
}
