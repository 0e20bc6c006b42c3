package dev.slipway.templates.crud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.spec.TestCase;
import dev.slipway.templates.FieldTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CrudTestsTest {
  private static List<TestCase> cases(String json) {
    var config = CrudConfig.of(Json.parse(json));
    var fields =
        FieldTypes.parse(config.validation(), "", new ArrayList<>()).orElseThrow().fields();
    var layout = RowLayout.of(config, fields, Optional.empty(), new ArrayList<>());
    var resource = new CrudSpecs.Resource(config, layout, fields);
    var filters = ListOptions.filters(config.filters(), fields, new ArrayList<>());
    return CrudTests.of(
        resource, filters, ListOptions.sorts(config.sort(), fields, layout, new ArrayList<>()));
  }

  @Test
  void a_role_guarded_resource_is_tested_end_to_end_and_at_its_doors() {
    var cases =
        cases(
            "{\"resource\": \"notes\", \"table\": \"app.notes\", \"permissions\": {\"read\": [\"member\"], "
                + "\"create\": [\"admin\"]}, \"validation\": {\"text\": \"string(1..)\", \"n\": \"integer?\"}}");
    assertThat(cases)
        .extracting(TestCase::name)
        .startsWith(
            "create succeeds",
            "get finds the created row",
            "list returns rows",
            "list takes every filter at once")
        .contains("create needs credentials", "create refuses a role it does not name")
        .endsWith("delete removes the row", "get after delete is 404");
    assertThat(cases.getFirst().role()).contains("admin");
    assertThat(cases.get(1).role()).contains("member");
    assertThat(
            cases.stream()
                .filter(c -> c.name().equals("update changes a field"))
                .findFirst()
                .orElseThrow()
                .role())
        .contains("tester");
    assertThat(
            cases.stream()
                .filter(c -> c.name().equals("list takes every filter at once"))
                .findFirst()
                .orElseThrow()
                .path())
        .isEqualTo("/api/notes?limit=5&text=ssssss&n=1");
    assertThat(cases.getFirst().body().orElseThrow().toString())
        .isEqualTo("{\"text\":\"ssssss\",\"n\":1}");
  }

  @Test
  void a_public_resource_has_no_credential_cases() {
    var cases =
        cases(
            "{\"resource\": \"notes\", \"table\": \"app.notes\", \"permissions\": {\"read\": [\"public\"], "
                + "\"create\": [\"public\"], \"update\": [\"public\"], \"delete\": [\"public\"]}, \"validation\": {\"text\": \"string\"}}");
    assertThat(cases)
        .extracting(TestCase::name)
        .doesNotContain("create needs credentials", "create refuses a role it does not name");
    assertThat(cases).allSatisfy(c -> assertThat(c.role()).isEmpty());
  }

  @Test
  void rows_of_a_tenant_are_tested_as_one_tenant_and_missed_by_another() {
    var cases =
        cases(
            "{\"resource\": \"inv\", \"table\": \"b.inv\", \"scope\": \"tenant\", \"tenant\": {\"claim\": \"org\"}, "
                + "\"validation\": {\"amount\": \"integer\"}}");
    var other =
        cases.stream()
            .filter(c -> c.name().equals("another tenant does not see the row"))
            .findFirst()
            .orElseThrow();
    assertThat(other.claims()).isEqualTo(Map.of("org", "tenant-b"));
    assertThat(cases)
        .filteredOn(c -> c.role().isPresent() && c != other)
        .allSatisfy(c -> assertThat(c.claims()).isEqualTo(Map.of("org", "tenant-a")));
  }

  @Test
  void a_nested_resource_is_tested_under_a_parent_and_missed_under_another() {
    var cases =
        cases(
            "{\"resource\": \"goals\", \"table\": \"w.goals\", \"parent\": {\"resource\": \"teams\", \"param\": \"teamId\", "
                + "\"column\": \"team_id\"}, \"validation\": {\"title\": \"string\"}}");
    assertThat(cases.getFirst().path())
        .isEqualTo("/api/teams/" + CrudTests.SAMPLE_PARENT + "/goals");
    assertThat(cases)
        .extracting(TestCase::path)
        .contains("/api/teams/" + CrudTests.OTHER_PARENT + "/goals/{{create succeeds.id}}");
  }
}
