package dev.slipway.templates.crud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import dev.slipway.templates.FieldType.Field;
import dev.slipway.templates.FieldTypes;
import dev.slipway.templates.crud.ListOptions.Filter;
import dev.slipway.templates.crud.ListOptions.Sort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ListOptionsTest {
  private static final List<Field> FIELDS =
      FieldTypes.parse(
              Json.parse(
                  "{\"title\": \"string\", \"points\": \"integer?\", \"tags\": \"string[]\", \"title_lt\": \"string?\"}"),
              "",
              new ArrayList<>())
          .orElseThrow()
          .fields();

  @Test
  void without_filters_in_the_config_every_plain_field_has_eq() {
    var filters = ListOptions.filters(Optional.empty(), FIELDS, new ArrayList<>());
    assertThat(filters)
        .extracting(Filter::parameter)
        .containsExactly("title", "points", "title_lt");
  }

  @Test
  void each_operator_must_suit_its_field_and_keep_its_parameter_its_own() {
    var violations = new ArrayList<Violation>();
    var filters =
        ListOptions.filters(
            Optional.of(Map.of("points", List.of("gt", "like"))), FIELDS, violations);
    assertThat(filters).extracting(Filter::parameter).containsExactly("points_gt");
    assertThat(violations)
        .containsExactly(new Violation("/config/filters/points/1", "like matches strings only"));

    violations.clear();
    ListOptions.filters(Optional.of(Map.of("title", List.of("lt"))), FIELDS, violations);
    assertThat(violations)
        .extracting(Violation::message)
        .containsExactly("lt compares numbers, dates and datetimes only");

    violations.clear();
    ListOptions.filters(
        Optional.of(Map.of("tags", List.of("eq"), "nope", List.of("eq"))), FIELDS, violations);
    assertThat(violations)
        .extracting(Violation::path)
        .containsExactlyInAnyOrder("/config/filters/tags/0", "/config/filters/nope");

    violations.clear();
    var likeTitle =
        ListOptions.filters(
            Optional.of(Map.of("title", List.of("like", "in"))), FIELDS, violations);
    assertThat(likeTitle).extracting(Filter::parameter).containsExactly("title_like", "title_in");
    assertThat(violations).isEmpty();
  }

  @Test
  void a_filter_parameter_a_field_already_uses_is_refused() {
    var fields =
        FieldTypes.parse(
                Json.parse("{\"n\": \"integer\", \"n_lt\": \"integer\"}"), "", new ArrayList<>())
            .orElseThrow()
            .fields();
    var violations = new ArrayList<Violation>();
    ListOptions.filters(Optional.of(Map.of("n", List.of("lt"))), fields, violations);
    assertThat(violations)
        .containsExactly(
            new Violation("/config/filters/n/0", "its query parameter 'n_lt' is taken by a field"));
  }

  @Test
  void without_sorts_in_the_config_every_plain_field_and_the_timestamps_sort_both_ways() {
    var config =
        CrudConfig.of(
            Json.parse(
                "{\"resource\": \"r\", \"table\": \"a.r\", \"fieldNames\": \"camelCase\", "
                    + "\"validation\": {\"title\": \"string\", \"points\": \"integer?\", \"tags\": \"string[]\"}}"));
    var layout = RowLayout.of(config, FIELDS.subList(0, 3), Optional.empty(), new ArrayList<>());
    var sorts =
        ListOptions.sorts(Optional.empty(), FIELDS.subList(0, 3), layout, new ArrayList<>());
    assertThat(sorts)
        .extracting(Sort::parameter)
        .containsExactly(
            "title",
            "-title",
            "points",
            "-points",
            "createdAt",
            "-createdAt",
            "updatedAt",
            "-updatedAt");
    assertThat(sorts.get(2)).isEqualTo(new Sort("points", "points", false, true));
    assertThat(sorts.get(4).column()).isEqualTo("created_at");
  }

  @Test
  void a_sort_by_a_list_or_an_unknown_name_is_named() {
    var config =
        CrudConfig.of(
            Json.parse(
                "{\"resource\": \"r\", \"table\": \"a.r\", \"validation\": {\"t\": \"string\"}}"));
    var layout = RowLayout.of(config, FIELDS, Optional.empty(), new ArrayList<>());
    var violations = new ArrayList<Violation>();
    var sorts =
        ListOptions.sorts(
            Optional.of(List.of("tags", "createdAt", "id")), FIELDS, layout, violations);
    assertThat(sorts).extracting(Sort::parameter).containsExactly("id", "-id");
    assertThat(violations)
        .extracting(Violation::path)
        .containsExactly("/config/sort/0", "/config/sort/1");
  }
}
