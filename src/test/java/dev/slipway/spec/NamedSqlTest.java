package dev.slipway.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
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
    var sql =
        NamedSql.parse(
            """
        select :v::text, ':no', E'\\':no', "col:no", $$ :no $$, $tag$ :no $tag$ -- :no
        /* :no /* nested :no */ */ from t where x = :yes""");
    assertThat(sql.names()).containsExactly("v", "yes");
    assertThat(sql.sql())
        .contains("?::text")
        .contains("':no'")
        .contains("\"col:no\"")
        .contains("$$ :no $$")
        .endsWith("x = ?");
  }

  @Test
  void a_minus_is_arithmetic_and_only_two_of_them_start_a_comment() {
    assertThat(NamedSql.parse("select :a - :b, :a-:b, 1 - -1").names())
        .containsExactly("a", "b", "a", "b");
    assertThat(NamedSql.parse("select :a - :b").sql()).isEqualTo("select ? - ?");
    assertThat(NamedSql.parse("select :a --:b\n, :c").names()).containsExactly("a", "c");
  }

  @Test
  void a_backslash_escapes_a_quote_only_in_an_e_string() {
    // e'...' (either case): \' is a quote inside the string; '...': a backslash is itself, '' a
    // quote
    assertThat(NamedSql.parse("select e'it\\'s :no', :yes").names()).containsExactly("yes");
    assertThat(NamedSql.parse("select 'a\\', :yes, 'it''s :no'").names()).containsExactly("yes");
    assertThat(NamedSql.parse("select 'a\\', :yes").sql()).isEqualTo("select 'a\\', ?");
  }

  @Test
  void a_statement_may_end_anywhere_and_what_it_leaves_open_runs_to_its_end() {
    for (String end : List.of(":", "::", "-", "/", "$", "'", "\"", "e", "[", "]", "]]")) {
      assertThat(NamedSql.parse("select :a " + end).names()).as(end).containsExactly("a");
    }
    assertThat(NamedSql.parse("select :a, ':b").names()).containsExactly("a");
    assertThat(NamedSql.parse("select :a, \":b").names()).containsExactly("a");
    assertThat(NamedSql.parse("select :a /* :b").names()).containsExactly("a");
    assertThat(NamedSql.parse("select :a $$ :b").names()).containsExactly("a");
    assertThat(NamedSql.parse("select :a --:b").names()).containsExactly("a");
    assertThat(NamedSql.parse("select :a --:b").sql()).isEqualTo("select ? --:b");
  }

  @Test
  void comments_quotes_and_dollar_quotes_end_where_postgres_ends_them() {
    assertThat(NamedSql.parse("select /**/ :a, /* /* */ :no */ :b, /*/ :no */ :c").names())
        .containsExactly("a", "b", "c");
    assertThat(NamedSql.parse("select /* :no */:a").sql()).isEqualTo("select /* :no */?");
    assertThat(NamedSql.parse("select -- :no\n:a").sql()).isEqualTo("select -- :no\n?");
    assertThat(NamedSql.parse("select 'x'':no', \"c\"\":no\", :a").names()).containsExactly("a");
    assertThat(NamedSql.parse("select 'x':a").names()).containsExactly("a");
    assertThat(NamedSql.parse("select $a$ :no $b$ :no $a$:c").names()).containsExactly("c");
    assertThat(NamedSql.parse("select $a$ :no $b$ :no $a$:c").sql())
        .isEqualTo("select $a$ :no $b$ :no $a$?");
    assertThat(NamedSql.parse("select $$:no$$, $_1$ :no $_1$, :d").names()).containsExactly("d");
    // not dollar quotes: a positional parameter, a $ inside a name, a tag that starts with a digit
    assertThat(NamedSql.parse("select $1, :a, a$b, :b, $1$ :c").names())
        .containsExactly("a", "b", "c");
  }

  @Test
  void names_are_letters_digits_and_underscores_after_a_letter_or_underscore() {
    assertThat(NamedSql.parse("select :_a1, :1, :a_b+:c").names())
        .containsExactly("_a1", "a_b", "c");
    assertThat(NamedSql.parse("select :_a1, :1, :a_b+:c").sql()).isEqualTo("select ?, :1, ?+?");
    assertThat(NamedSql.parse("select x::int, :é").names()).containsExactly("é");
  }

  @Test
  void only_the_word_array_before_double_brackets_makes_them_an_array() {
    assertThat(NamedSql.Parts.split("array[[1]] [[and :a]]").optionalCount()).isEqualTo(1);
    assertThat(NamedSql.Parts.split("select xarray [[and :a]]").optionalCount()).isEqualTo(1);
    assertThat(NamedSql.Parts.split("select array\n [[1]] [[and :a]]").optionalCount())
        .isEqualTo(1);
    assertThat(NamedSql.Parts.split("select a [[and :a]] [[and :b]]").keep(i -> i == 1).sql())
        .isEqualTo("select a  and ?");
    assertThat(NamedSql.Parts.split("select x[1] [[and :a]]").keep(i -> true).sql())
        .isEqualTo("select x[1] and ?");
    assertThat(NamedSql.Parts.split("select x[y[1]] [[and :a]]").optionalCount()).isEqualTo(1);
    assertThat(NamedSql.Parts.split("select ] [[and :a]]").optionalCount()).isEqualTo(1);
  }

  @Test
  void a_statement_holds_at_most_63_optional_parts() {
    assertThat(NamedSql.Parts.split("select 1" + " [[and :a]]".repeat(63)).optionalCount())
        .isEqualTo(63);
    assertThatThrownBy(() -> NamedSql.Parts.split("select 1" + " [[and :a]]".repeat(64)))
        .hasMessageContaining("at most 63");
  }

  @Test
  void the_names_of_each_optional_part_are_its_own() {
    var parts = NamedSql.Parts.split("select [[:a]] [[:b, :c]]");
    assertThat(parts.namesOfOptional(0)).containsExactly("a");
    assertThat(parts.namesOfOptional(1)).containsExactly("b", "c");
    assertThatThrownBy(() -> parts.namesOfOptional(2))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void leaves_positional_dollar_parameters_and_array_slices_alone() {
    assertThat(NamedSql.parse("select a[1:2] from t").names()).isEmpty();
    assertThat(NamedSql.parse("select $1").names()).isEmpty();
  }

  @Test
  void optional_parts_are_kept_as_chosen_and_all_of_them_by_parse() {
    String source =
        "select * from t where true [[and a = :a]] [[and (b = :b or b = :b)]] order by id";
    var parts = NamedSql.Parts.split(source);
    assertThat(parts.optionalCount()).isEqualTo(2);
    assertThat(parts.namesOfOptional(1)).containsExactly("b", "b");
    assertThat(parts.keep(i -> false).sql()).isEqualTo("select * from t where true   order by id");
    assertThat(parts.keep(i -> i == 1).names()).containsExactly("b", "b");
    assertThat(NamedSql.parse(source).sql())
        .isEqualTo("select * from t where true and a = ? and (b = ? or b = ?) order by id");
  }

  @Test
  void arrays_strings_and_comments_do_not_open_optional_parts() {
    var parts =
        NamedSql.Parts.split(
            "select ARRAY[[1,2],[3,4]], array [[5]], a[1:2], '[[x]]', \"[[y]]\" -- [[z\n from t");
    assertThat(parts.optionalCount()).isZero();
    var inside = NamedSql.Parts.split("select 1 [[, array[[1],[2]] = :v]]");
    assertThat(inside.optionalCount()).isEqualTo(1);
    assertThat(inside.keep(i -> true).sql()).isEqualTo("select 1 , array[[1],[2]] = ?");
  }

  @Test
  void optional_parts_that_do_not_pair_up_or_decide_nothing_are_refused() {
    assertThatThrownBy(() -> NamedSql.parse("select 1 [[and a = :a"))
        .hasMessageContaining("not closed");
    assertThatThrownBy(() -> NamedSql.parse("select 1 [[and a = :a [[and b = :b]] ]]"))
        .hasMessageContaining("cannot hold another");
    assertThatThrownBy(() -> NamedSql.parse("select 1 [[and true]]"))
        .hasMessageContaining("no :name placeholder");
  }

  @Test
  void finds_statements_that_control_the_transaction_outside_strings_and_comments() {
    assertThat(NamedSql.transactionControl("select 1; commit")).contains("commit");
    assertThat(NamedSql.transactionControl("update t set a = 1;\n  ROLLBACK;"))
        .contains("rollback");
    assertThat(NamedSql.transactionControl("begin; delete from t")).contains("begin");
    assertThat(NamedSql.transactionControl("select 1;start  transaction"))
        .contains("start transaction");
    assertThat(NamedSql.transactionControl("savepoint a")).contains("savepoint");
    assertThat(NamedSql.transactionControl("end")).contains("end");
    assertThat(NamedSql.transactionControl("select 'commit'; select \"commit\" from t")).isEmpty();
    assertThat(NamedSql.transactionControl("select 1 -- ; commit\n")).isEmpty();
    assertThat(NamedSql.transactionControl("select 1 /* ; commit */")).isEmpty();
    assertThat(NamedSql.transactionControl("do $$ begin perform 1; end $$")).isEmpty();
    assertThat(
            NamedSql.transactionControl(
                "select begin_date, ended from t where x = 'it''s; commit'"))
        .isEmpty();
  }
}
