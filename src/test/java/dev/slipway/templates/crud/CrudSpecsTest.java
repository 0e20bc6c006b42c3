package dev.slipway.templates.crud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.spec.Auth;
import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.SpecCodec;
import dev.slipway.spec.Step;
import dev.slipway.templates.FieldTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CrudSpecsTest {

  @Test
  void the_five_specs_decode_with_their_routes_roles_and_one_list_statement_per_order()
      throws Exception {
    var config =
        CrudConfig.of(
            Json.parse(
                """
        {"resource": "goals", "table": "w.goals", "sort": ["title"],
         "parent": {"resource": "teams", "param": "teamId", "column": "team_id"},
         "permissions": {"read": ["public"], "delete": ["owner"]}, "validation": {"title": "string"}}"""));
    var fields =
        FieldTypes.parse(config.validation(), "", new ArrayList<>()).orElseThrow().fields();
    var layout = RowLayout.of(config, fields, Optional.empty(), new ArrayList<>());
    var filters = ListOptions.filters(config.filters(), fields, new ArrayList<>());
    var sorts = ListOptions.sorts(config.sort(), fields, layout, new ArrayList<>());
    var codec = new SpecCodec();
    var specs = new ArrayList<EndpointSpec>();
    for (var json : CrudSpecs.all(new CrudSpecs.Resource(config, layout, fields), filters, sorts))
      specs.add(codec.decode(json));
    assertThat(specs)
        .extracting(s -> s.method() + " " + s.path())
        .containsExactly(
            "GET /api/teams/:teamId/goals",
            "GET /api/teams/:teamId/goals/:id",
            "POST /api/teams/:teamId/goals",
            "PATCH /api/teams/:teamId/goals/:id",
            "DELETE /api/teams/:teamId/goals/:id");
    assertThat(specs.get(0).auth()).isEqualTo(Auth.PUBLIC);
    assertThat(specs.get(2).auth())
        .isEqualTo(new Auth(Auth.Mode.API_KEY, List.of(), "role", Optional.empty()));
    assertThat(specs.get(4).auth().roles()).containsExactly("owner");
    assertThat(specs.get(0).steps())
        .extracting(Step::when)
        .containsExactly(
            Optional.of("${!has(input.query.sort)}"),
            Optional.of("${input.query.sort == 'title'}"),
            Optional.of("${input.query.sort == '-title'}"));
    assertThat(specs.get(2).response().headers().get("Location").asText())
        .isEqualTo("/api/teams/${input.params.teamId}/goals/${steps.created.row.id}");
    assertThat(specs.get(4).response().status().asInt()).isEqualTo(204);
    assertThat(specs.get(3).input().body().orElseThrow().path("minProperties").asInt())
        .isEqualTo(1);
  }
}
