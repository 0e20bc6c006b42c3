package dev.slipway.templates.crud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.spec.Auth;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CrudConfigTest {

  @Test
  void a_config_that_names_only_what_it_must_gets_every_default_of_the_schema() {
    var config =
        CrudConfig.of(
            Json.parse(
                "{\"resource\": \"notes\", \"table\": \"app.notes\", \"validation\": {\"text\": \"string\"}}"));
    assertThat(config.basePath()).isEqualTo("/api");
    assertThat(config.camel()).isFalse();
    assertThat(config.orderBy()).isEqualTo("id");
    assertThat(config.auth()).isEqualTo(Auth.Mode.API_KEY);
    assertThat(config.scoping()).isEmpty();
    assertThat(config.parent()).isEmpty();
    assertThat(config.sort()).isEmpty();
    assertThat(config.filters()).isEmpty();
    assertThat(config.path()).isEqualTo("/api/notes");
    assertThat(config.schema()).isEqualTo("app");
    assertThat(config.tableName()).isEqualTo("notes");
    assertThat(config.roles("read")).isEmpty();
    assertThat(config.isPublic("read")).isFalse();
  }

  @Test
  void what_a_config_names_is_read_as_given() {
    var config =
        CrudConfig.of(
            Json.parse(
                """
        {"resource": "goals", "table": "work.goals", "basePath": "/v2", "fieldNames": "camelCase", "orderBy": "-due_on",
         "auth": "jwt", "scope": "tenant", "tenant": {"claim": "org"}, "sort": ["title"], "filters": {"title": ["like", "eq"]},
         "parent": {"resource": "teams", "param": "teamId", "column": "team_id"},
         "permissions": {"read": ["public"], "create": ["lead", "owner"]},
         "validation": {"title": "string"}}"""));
    assertThat(config.path()).isEqualTo("/v2/teams/:teamId/goals");
    assertThat(config.camel()).isTrue();
    assertThat(config.orderBy()).isEqualTo("-due_on");
    assertThat(config.auth()).isEqualTo(Auth.Mode.JWT);
    assertThat(config.scoping())
        .contains(new Scoping("tenant", "tenant_id", "org", "tenant_rows", "tenant"));
    assertThat(config.parent())
        .contains(new CrudConfig.Parent("teams", "teamId", "team_id", Optional.empty()));
    assertThat(config.sort()).contains(List.of("title"));
    assertThat(config.filters().orElseThrow()).containsEntry("title", List.of("like", "eq"));
    assertThat(config.isPublic("read")).isTrue();
    assertThat(config.roles("create")).contains(List.of("lead", "owner"));
    assertThat(config.isPublic("create")).isFalse();
  }

  @Test
  void rows_owned_by_their_caller_are_held_by_its_sub() {
    var config =
        CrudConfig.of(
            Json.parse(
                "{\"resource\": \"n\", \"table\": \"a.n\", \"scope\": \"owner\", \"validation\": {\"t\": \"string\"}}"));
    Scoping scope = config.scoping().orElseThrow();
    assertThat(scope.column()).isEqualTo("owner");
    assertThat(scope.byCaller()).isTrue();
    assertThat(scope.whose()).isEqualTo("callers");
  }
}
