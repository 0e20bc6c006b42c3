package dev.slipway.templates.crud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import dev.slipway.templates.FieldTypes;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CrudChecksTest {
  private static CrudConfig config(String json) {
    return CrudConfig.of(Json.parse(json));
  }

  @Test
  void slipways_and_postgresqls_schemas_and_the_templates_own_names_are_refused() {
    var config =
        config(
            "{\"resource\": \"r\", \"table\": \"pg_catalog.r\", \"fieldNames\": \"camelCase\", "
                + "\"validation\": {\"createdAt\": \"string\", \"limit\": \"integer\"}}");
    var fields =
        FieldTypes.parse(config.validation(), "", new ArrayList<>()).orElseThrow().fields();
    var violations = new ArrayList<Violation>();
    CrudChecks.names(config, fields, violations);
    assertThat(violations)
        .extracting(Violation::path)
        .containsExactly(
            "/config/table", "/config/validation/createdAt", "/config/validation/limit");
  }

  @Test
  void an_existing_tables_columns_must_hold_the_fields() {
    var config =
        config(
            "{\"resource\": \"r\", \"table\": \"app.r\", \"validation\": {\"n\": \"integer\", \"t\": \"string\", \"gone\": \"date\"}}");
    var fields =
        FieldTypes.parse(config.validation(), "", new ArrayList<>()).orElseThrow().fields();
    var violations = new ArrayList<Violation>();
    CrudChecks.columns(
        config, fields, Map.of("id", "bigint", "n", "text", "t", "character varying"), violations);
    assertThat(violations)
        .extracting(Violation::path)
        .containsExactly("/config/table", "/config/validation/n", "/config/validation/gone");
    assertThat(violations.get(1).message())
        .isEqualTo(
            "the column 'n' is text, which does not hold integer values "
                + "(it needs one of bigint, integer, smallint)");
  }

  @Test
  void scoped_rows_have_no_public_operation_and_their_own_text_column() {
    var config =
        config(
            "{\"resource\": \"r\", \"table\": \"app.r\", \"scope\": \"owner\", \"permissions\": {\"read\": [\"public\"]}, "
                + "\"validation\": {\"owner\": \"string\"}}");
    var fields =
        FieldTypes.parse(config.validation(), "", new ArrayList<>()).orElseThrow().fields();
    var violations = new ArrayList<Violation>();
    CrudChecks.scoping(
        config,
        config.scoping().orElseThrow(),
        fields,
        Optional.of(Map.of("id", "uuid")),
        violations);
    assertThat(violations)
        .extracting(Violation::path)
        .containsExactly("/config/permissions/read", "/config/validation/owner", "/config/scope");
  }

  @Test
  void a_parents_param_and_column_are_not_fields_and_an_existing_table_holds_its_uuid() {
    var config =
        config(
            "{\"resource\": \"r\", \"table\": \"app.r\", \"parent\": {\"resource\": \"p\", \"param\": \"pId\", "
                + "\"column\": \"p_id\"}, \"validation\": {\"p_id\": \"string\"}}");
    var fields =
        FieldTypes.parse(config.validation(), "", new ArrayList<>()).orElseThrow().fields();
    var violations = new ArrayList<Violation>();
    CrudChecks.parent(
        config,
        config.parent().orElseThrow(),
        fields,
        Optional.of(Map.of("p_id", "text")),
        violations);
    assertThat(violations)
        .containsExactly(
            new Violation(
                "/config/parent",
                "the parent's param and column come from the path; no validation field may share their names"),
            new Violation(
                "/config/parent/column", "the table needs a uuid column 'p_id' (it is text)"));
  }
}
