package dev.slipway.templates.crud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import dev.slipway.templates.FieldType.Field;
import dev.slipway.templates.FieldTypes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RowLayoutTest {
  private static final String CONFIG =
      """
      {"resource": "goals", "table": "work.goals", "fieldNames": "camelCase", "orderBy": "-due_on", "scope": "owner",
       "parent": {"resource": "teams", "param": "teamId", "column": "team_id"},
       "validation": {"title": "string", "dueOn": "date?"}}""";

  private static List<Field> fields(CrudConfig config) {
    return FieldTypes.parse(config.validation(), "", new ArrayList<>()).orElseThrow().fields();
  }

  @Test
  void a_new_table_has_the_id_the_parent_the_owner_the_fields_and_the_timestamps_in_that_order() {
    var config = CrudConfig.of(Json.parse(CONFIG));
    var violations = new ArrayList<Violation>();
    RowLayout layout = RowLayout.of(config, fields(config), Optional.empty(), violations);
    assertThat(violations).isEmpty();
    assertThat(layout.columns())
        .containsExactly("id", "team_id", "owner", "title", "due_on", "created_at", "updated_at");
    assertThat(layout.shape())
        .containsExactly("id", "teamId", "owner", "title", "dueOn", "createdAt", "updatedAt");
    assertThat(layout.order()).isEqualTo("due_on");
    assertThat(layout.descending()).isTrue();
    assertThat(layout.nullable("due_on")).isTrue();
    assertThat(layout.nullable("title")).isFalse();
    assertThat(layout.column("dueOn")).isEqualTo("due_on");
  }

  @Test
  void an_existing_table_keeps_its_columns_and_an_order_by_a_missing_one_is_named() {
    var config = CrudConfig.of(Json.parse(CONFIG));
    var existing = new LinkedHashMap<String, String>();
    existing.put("id", "uuid");
    existing.put("title", "text");
    var violations = new ArrayList<Violation>();
    RowLayout layout = RowLayout.of(config, fields(config), Optional.of(existing), violations);
    assertThat(layout.columns()).containsExactly("id", "title");
    assertThat(violations)
        .containsExactly(new Violation("/config/orderBy", "the table has no column 'due_on'"));
  }

  @Test
  void snake_and_camel_names_convert_both_ways() {
    assertThat(RowLayout.snake("orgId")).isEqualTo("org_id");
    assertThat(RowLayout.snake("a1B")).isEqualTo("a1_b");
    assertThat(RowLayout.camelOf("created_at")).isEqualTo("createdAt");
    assertThat(RowLayout.camelOf("_private_x")).isEqualTo("privateX");
    assertThat(RowLayout.columnOf(false, "orgId")).isEqualTo("orgId");
  }
}
