package dev.slipway.templates.crud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.common.Json;
import dev.slipway.spec.NamedSql;
import dev.slipway.templates.FieldType;
import dev.slipway.templates.FieldType.Field;
import dev.slipway.templates.FieldType.Kind;
import dev.slipway.templates.FieldType.OneOf;
import dev.slipway.templates.FieldType.Scalar;
import dev.slipway.templates.FieldTypes;
import dev.slipway.templates.crud.ListOptions.Filter;
import dev.slipway.templates.crud.ListOptions.Sort;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CrudSqlTest {
  private static final Field HOSTILE = new Field("we\"ird", new OneOf(List.of("it's", "b")), false);

  private static RowLayout layout(String table, List<Field> fields) {
    var config =
        CrudConfig.of(
            Json.parse(
                "{\"resource\": \"r\", \"table\": \""
                    + table.replace("\"", "\\\"")
                    + "\", \"validation\": {\"t\": \"string\"}}"));
    return RowLayout.of(config, fields, Optional.empty(), new ArrayList<>());
  }

  @Test
  void identifiers_are_quoted_and_literals_escaped_by_the_builder() {
    RowLayout layout = layout("app.things", List.of(HOSTILE));
    assertThat(CrudSql.insertOne(layout, List.of(HOSTILE)))
        .contains(
            "insert into \"app\".\"things\" (\"we\"\"ird\") values " + "(cast(:we\"ird as text))");
    var config =
        CrudConfig.of(
            Json.parse(
                "{\"resource\": \"r\", \"table\": \"app.things\", \"validation\": {\"t\": \"string\"}}"));
    assertThat(CrudSql.migration(config, List.of(HOSTILE), layout, "org\"login"))
        .contains(
            "\"we\"\"ird\" text not null",
            "check (\"we\"\"ird\" in ('it''s', 'b'))",
            "to \"org\"\"login\"");
  }

  @Test
  void each_statement_binds_exactly_the_parameters_its_spec_gives() {
    List<Field> fields =
        List.of(
            new Field("title", new Scalar(Kind.STRING, Optional.empty(), Optional.empty()), false),
            new Field(
                "points",
                new Scalar(Kind.INTEGER, Optional.of(BigDecimal.ZERO), Optional.empty()),
                true));
    RowLayout layout = layout("app.things", fields);
    assertThat(NamedSql.parse(CrudSql.getOne(layout)).names()).containsExactly("id");
    assertThat(NamedSql.parse(CrudSql.insertOne(layout, fields)).names())
        .containsExactly("title", "points");
    assertThat(NamedSql.parse(CrudSql.updateOne(layout, fields)).names())
        .containsExactlyInAnyOrder("title", "points", "id");
    assertThat(NamedSql.parse(CrudSql.deleteOne(layout)).names()).containsExactly("id");
    var filters =
        List.of(
            new Filter(fields.get(1), "lt"),
            new Filter(fields.get(1), "in"),
            new Filter(fields.get(0), "like"));
    String list = CrudSql.list(layout, filters, new Sort("points", "points", true, true));
    assertThat(NamedSql.parse(list).names())
        .containsExactlyInAnyOrder("points_lt", "points_in", "title_like", "cursor", "limit");
    assertThat(list)
        .contains(
            "[[and \"r\".\"points\" < cast(:points_lt as bigint)]]",
            "[[and (\"r\".\"points\" = any(cast(string_to_array(cast(:points_in as text), ',') as bigint[])))]]",
            "[[and \"r\".\"title\" like cast(:title_like as text)]]",
            "order by \"r\".\"points\" desc, \"r\".\"id\" desc\nlimit :limit");
  }

  @Test
  void the_cursor_of_an_order_by_id_needs_no_look_up() {
    assertThat(CrudSql.render(CrudSql.after(new Sort("id", "id", false, false), "a.t")))
        .isEqualTo("\"r\".\"id\" > cast(:cursor as uuid)");
    assertThat(CrudSql.render(CrudSql.after(new Sort("id", "id", true, false), "a.t")))
        .isEqualTo("\"r\".\"id\" < cast(:cursor as uuid)");
    assertThat(CrudSql.render(CrudSql.after(new Sort("n", "n", false, false), "a.t")))
        .isEqualTo(
            "(\"r\".\"n\", \"r\".\"id\") > (select \"c\".\"n\", \"c\".\"id\" from \"a\".\"t\" as \"c\" where \"c\".\"id\" = cast(:cursor as uuid))");
  }

  @Test
  void fields_are_stored_as_their_types_say() {
    var parsed =
        FieldTypes.parse(
                Json.parse(
                    "{\"a\": \"string[]\", \"b\": {\"x\": \"string\"}, \"c\": \"datetime\", \"d\": \"number\", "
                        + "\"e\": \"integer[](..2)\"}"),
                "",
                new ArrayList<>())
            .orElseThrow()
            .fields();
    var config =
        CrudConfig.of(
            Json.parse(
                "{\"resource\": \"r\", \"table\": \"app.t\", \"validation\": {\"t\": \"string\"}}"));
    String migration = CrudSql.migration(config, parsed, layout("app.t", parsed), "login");
    assertThat(migration)
        .contains(
            "\"a\" text[] not null",
            "\"b\" jsonb not null",
            "\"c\" timestamp with time zone not null",
            "\"d\" double precision not null",
            "check (cardinality(\"e\") <= 2)",
            "create index \"t_c\" on \"app\".\"t\"(\"c\")");
    assertThat(migration).doesNotContain("create index \"t_a\"", "create index \"t_b\"");
    FieldType list = parsed.get(4).type();
    assertThat(CrudSql.type(list).isArray()).isTrue();
  }
}
