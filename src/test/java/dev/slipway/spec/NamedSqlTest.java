package dev.slipway.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NamedSqlTest {
  @Test
  void turns_named_placeholders_into_positional_ones_in_order() {
    var sql = NamedSql.parse("select * from t where a = :a and b = :b_2 or a = :a");
    assertThat(sql.sql()).isEqualTo("select * from t where a = ? and b = ? or a = ?");
    assertThat(sql.names()).containsExactly("a", "b_2", "a");
  }

  @Test
  void leaves_casts_strings_identifiers_comments_and_dollar_quotes_alone() {
    var sql = NamedSql.parse("""
        select :v::text, ':no', E'\\':no', "col:no", $$ :no $$, $tag$ :no $tag$ -- :no
        /* :no /* nested :no */ */ from t where x = :yes""");
    assertThat(sql.names()).containsExactly("v", "yes");
    assertThat(sql.sql()).contains("?::text").contains("':no'").contains("\"col:no\"").contains("$$ :no $$").endsWith("x = ?");
  }

  @Test
  void leaves_positional_dollar_parameters_and_array_slices_alone() {
    assertThat(NamedSql.parse("select a[1:2] from t").names()).isEmpty();
    assertThat(NamedSql.parse("select $1").names()).isEmpty();
  }

  @Test
  void optional_parts_are_kept_as_chosen_and_all_of_them_by_parse() {
    String source = "select * from t where true [[and a = :a]] [[and (b = :b or b = :b)]] order by id";
    var parts = NamedSql.Parts.split(source);
    assertThat(parts.optionalCount()).isEqualTo(2);
    assertThat(parts.namesOfOptional(1)).containsExactly("b", "b");
    assertThat(parts.keep(i -> false).sql()).isEqualTo("select * from t where true   order by id");
    assertThat(parts.keep(i -> i == 1).names()).containsExactly("b", "b");
    assertThat(NamedSql.parse(source).sql()).isEqualTo("select * from t where true and a = ? and (b = ? or b = ?) order by id");
  }

  @Test
  void arrays_strings_and_comments_do_not_open_optional_parts() {
    var parts = NamedSql.Parts.split("select ARRAY[[1,2],[3,4]], array [[5]], a[1:2], '[[x]]', \"[[y]]\" -- [[z\n from t");
    assertThat(parts.optionalCount()).isZero();
    var inside = NamedSql.Parts.split("select 1 [[, array[[1],[2]] = :v]]");
    assertThat(inside.optionalCount()).isEqualTo(1);
    assertThat(inside.keep(i -> true).sql()).isEqualTo("select 1 , array[[1],[2]] = ?");
  }

  @Test
  void optional_parts_that_do_not_pair_up_or_decide_nothing_are_refused() {
    assertThatThrownBy(() -> NamedSql.parse("select 1 [[and a = :a")).hasMessageContaining("not closed");
    assertThatThrownBy(() -> NamedSql.parse("select 1 [[and a = :a [[and b = :b]] ]]")).hasMessageContaining("cannot hold another");
    assertThatThrownBy(() -> NamedSql.parse("select 1 [[and true]]")).hasMessageContaining("no :name placeholder");
  }
}
