package dev.slipway.templates.crud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.templates.FieldTypes;
import java.util.ArrayList;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CrudProseTest {

  private static String explanation(String json, boolean newTable) {
    var config = CrudConfig.of(Json.parse(json));
    var fields =
        FieldTypes.parse(config.validation(), "", new ArrayList<>()).orElseThrow().fields();
    var layout = RowLayout.of(config, fields, Optional.empty(), new ArrayList<>());
    return CrudProse.explanation(
        config,
        ListOptions.filters(config.filters(), fields, new ArrayList<>()),
        ListOptions.sorts(config.sort(), fields, layout, new ArrayList<>()),
        newTable);
  }

  @Test
  void the_explanation_names_the_table_routes_filters_orders_and_what_the_migration_does() {
    String text =
        explanation(
            "{\"resource\": \"notes\", \"table\": \"app.notes\", \"orderBy\": \"-title\", \"sort\": [\"title\"], "
                + "\"validation\": {\"title\": \"string\"}}",
            true);
    assertThat(text)
        .startsWith("Five endpoints over app.notes: GET /api/notes lists rows in -title order")
        .contains("filters title", "?sort= one of title, -title", "through apiKey callers")
        .contains("The table does not exist: the migration creates it")
        .endsWith("deploy them to serve them.");
  }

  @Test
  void an_existing_table_needs_no_migration_and_scoped_rows_say_whose_they_are() {
    String text =
        explanation(
            "{\"resource\": \"inv\", \"table\": \"b.inv\", \"auth\": \"jwt\", \"scope\": \"tenant\", \"filters\": {}, "
                + "\"sort\": [], \"validation\": {\"amount\": \"integer\"}}",
            false);
    assertThat(text)
        .contains("(no filters;", "through jwt callers", "no migration is needed")
        .doesNotContain("?sort=")
        .endsWith(
            "Rows belong to the tenant that created them (the tenant_id column holds its tenant_id"
                + " claim); row-level security, forced, lets each caller see and change only those"
                + " of its tenants.");
  }
}
