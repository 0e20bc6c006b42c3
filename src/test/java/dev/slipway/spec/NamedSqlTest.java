package dev.slipway.spec;

import static org.assertj.core.api.Assertions.assertThat;

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
}
