package dev.slipway.templates.crud;

import static org.jooq.impl.DSL.cardinality;
import static org.jooq.impl.DSL.cast;
import static org.jooq.impl.DSL.charLength;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.condition;
import static org.jooq.impl.DSL.constraint;
import static org.jooq.impl.DSL.createIndex;
import static org.jooq.impl.DSL.createSchemaIfNotExists;
import static org.jooq.impl.DSL.createTable;
import static org.jooq.impl.DSL.deleteFrom;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.grant;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.insertInto;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.param;
import static org.jooq.impl.DSL.privilege;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.trueCondition;
import static org.jooq.impl.DSL.update;
import static org.jooq.impl.DSL.user;

import dev.slipway.templates.FieldType;
import dev.slipway.templates.FieldType.Field;
import dev.slipway.templates.FieldType.ListOf;
import dev.slipway.templates.FieldType.ObjectOf;
import dev.slipway.templates.FieldType.OneOf;
import dev.slipway.templates.FieldType.Scalar;
import dev.slipway.templates.crud.ListOptions.Filter;
import dev.slipway.templates.crud.ListOptions.Sort;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Name;
import org.jooq.Query;
import org.jooq.QueryPart;
import org.jooq.SQLDialect;
import org.jooq.SelectFieldOrAsterisk;
import org.jooq.Table;
import org.jooq.TableElement;
import org.jooq.conf.RenderKeywordCase;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The crud template's SQL, built with jOOQ's DSL: identifiers are quoted and literals escaped by
 * it, values are {@code :name} parameters bound by the data plane. What jOOQ does not model (the
 * list's optional parts {@code [[...]]}, row-level security) is joined from parts it rendered.
 */
final class CrudSql {
  static {
    // jOOQ greets on first use; the server's log is not the place
    System.setProperty("org.jooq.no-logo", "true");
    System.setProperty("org.jooq.no-tips", "true");
  }

  private static final DSLContext SQL =
      DSL.using(
          SQLDialect.POSTGRES,
          new Settings()
              .withRenderKeywordCase(RenderKeywordCase.LOWER)
              .withRenderQuotedNames(RenderQuotedNames.EXPLICIT_DEFAULT_QUOTED));

  private CrudSql() {}

  /** {@code :name} parameters as named, literals inline. */
  static String render(QueryPart part) {
    return SQL.renderNamedParams(part);
  }

  /**
   * The PostgreSQL type a field is stored as: a list of plain values as an array of theirs, other
   * lists and objects as jsonb.
   */
  static DataType<?> type(FieldType type) {
    return switch (type) {
      case ListOf(FieldType items, var min, var max) when items.plain() ->
          type(items).getArrayDataType();
      case ListOf l -> SQLDataType.JSONB;
      case ObjectOf o -> SQLDataType.JSONB;
      case OneOf o -> SQLDataType.CLOB;
      case Scalar(var kind, var min, var max) ->
          switch (kind) {
            case STRING, EMAIL, URL -> SQLDataType.CLOB;
            case NUMBER -> SQLDataType.DOUBLE;
            case INTEGER -> SQLDataType.BIGINT;
            case BOOLEAN -> SQLDataType.BOOLEAN;
            case UUID -> SQLDataType.UUID;
            case DATE -> SQLDataType.DATE;
            case DATETIME -> SQLDataType.TIMESTAMPWITHTIMEZONE;
          };
    };
  }

  /** {@code cast(:name as <the field's type>)}. */
  private static org.jooq.Field<?> parameter(String name, FieldType type) {
    return cast(param(name), type(type));
  }

  private static org.jooq.Field<Object> column(String name) {
    return field(name(name));
  }

  private static org.jooq.Field<Object> column(String alias, String name) {
    return field(name(alias, name));
  }

  private static Table<?> table(String qualified) {
    return DSL.table(name(qualified.split("\\.")));
  }

  private static final org.jooq.Field<Object> ID = column("id");
  private static final Condition ID_IS_THE_PARAMETER = ID.eq(cast(param("id"), SQLDataType.UUID));

  /** The row as the endpoints answer it: every column, under its JSON name. */
  private static List<SelectFieldOrAsterisk> answered(RowLayout layout) {
    return layout.columns().stream()
        .<SelectFieldOrAsterisk>map(
            c -> layout.json(c).equals(c) ? column(c) : column(c).as(layout.json(c)))
        .toList();
  }

  /** The condition that keeps a statement to the parent in the path; true when not nested. */
  private static Condition underParent(RowLayout layout) {
    return layout
        .parent()
        .map(p -> column(p.column()).eq(cast(param(p.param()), SQLDataType.UUID)))
        .orElse(trueCondition());
  }

  private static Condition oneRow(RowLayout layout) {
    return layout.parent().isPresent()
        ? ID_IS_THE_PARAMETER.and(underParent(layout))
        : ID_IS_THE_PARAMETER;
  }

  static String getOne(RowLayout layout) {
    return render(select(answered(layout)).from(table(layout.table())).where(oneRow(layout)));
  }

  /** Inserts the fields' values (and the parent's id when nested), answering the new row. */
  static String insertOne(RowLayout layout, List<Field> fields) {
    var values = new LinkedHashMap<org.jooq.Field<?>, org.jooq.Field<?>>();
    layout
        .parent()
        .ifPresent(p -> values.put(column(p.column()), cast(param(p.param()), SQLDataType.UUID)));
    fields.forEach(f -> values.put(column(layout.column(f.name())), parameter(f.name(), f.type())));
    return render(insertInto(table(layout.table())).set(values).returning(answered(layout)));
  }

  /** Changes the fields sent; a field left out (null) keeps its value. */
  static String updateOne(RowLayout layout, List<Field> fields) {
    var values = new LinkedHashMap<org.jooq.Field<?>, org.jooq.Field<?>>();
    for (Field f : fields) {
      var column = column(layout.column(f.name()));
      values.put(column, coalesce(parameter(f.name(), f.type()), column));
    }
    if (layout.has("updated_at")) values.put(column("updated_at"), field("now()"));
    return render(
        update(table(layout.table()))
            .set(values)
            .where(oneRow(layout))
            .returning(answered(layout)));
  }

  static String deleteOne(RowLayout layout) {
    return render(deleteFrom(table(layout.table())).where(oneRow(layout)).returning(ID));
  }

  /**
   * The list in one order: each filter an optional part, so a filter the caller leaves out is not
   * in the statement, and the cursor (keyset pagination) another.
   */
  static String list(RowLayout layout, List<Filter> filters, Sort order) {
    var where = new StringBuilder(render(underParent(layout)));
    for (Filter filter : filters)
      where.append("\n  [[and ").append(render(filterCondition(filter, layout))).append("]]");
    where.append("\n  [[and ").append(render(after(order, layout.table()))).append("]]");
    return render(select(answered(layout)).from(table(layout.table()).as("r")))
        + "\nwhere "
        + where
        + "\norder by "
        + orderBy(order)
        + "\nlimit :limit";
  }

  private static Condition filterCondition(Filter filter, RowLayout layout) {
    String name = filter.parameter();
    var column = column("r", layout.column(filter.field().name()));
    FieldType type = filter.field().type();
    return switch (filter.operator()) {
      case "eq" -> column.eq(parameter(name, type));
      case "lt" -> column.lt(parameter(name, type));
      case "gt" -> column.gt(parameter(name, type));
      case "in" ->
          condition(
              "{0} = any({1})",
              column,
              cast(
                  field("string_to_array({0}, ',')", cast(param(name), SQLDataType.CLOB)),
                  type(type).getArrayDataType()));
      default ->
          field(name("r", layout.column(filter.field().name())), String.class)
              .like(cast(param(name), SQLDataType.CLOB));
    };
  }

  private static String orderBy(Sort sort) {
    var id = column("r", "id");
    var byId = sort.descending() ? id.desc() : id.asc();
    if (sort.column().equals("id")) return render(byId);
    var column = column("r", sort.column());
    return render(sort.descending() ? column.desc() : column.asc()) + ", " + render(byId);
  }

  /**
   * Keyset pagination: the rows after the cursor's row in the sort's order (a null sorts after
   * every value).
   */
  static Condition after(Sort sort, String qualified) {
    var cursor = cast(param("cursor"), SQLDataType.UUID);
    var mineId = column("r", "id");
    if (sort.column().equals("id"))
      return sort.descending() ? mineId.lt(cursor) : mineId.gt(cursor);
    var mine = column("r", sort.column());
    var theirs = column("c", sort.column());
    var theirId = column("c", "id");
    var c = table(qualified).as("c");
    if (!sort.nullable()) {
      var cursorRow = select(theirs, theirId).from(c).where(theirId.eq(cursor));
      return sort.descending() ? row(mine, mineId).lt(cursorRow) : row(mine, mineId).gt(cursorRow);
    }
    Condition valued =
        sort.descending()
            ? row(mine, mineId).lt(row(theirs, theirId))
            : row(mine, mineId).gt(row(theirs, theirId));
    Condition condition =
        sort.descending()
            ? theirs
                .isNull()
                .and(mine.isNotNull().or(mineId.lt(theirId)))
                .or(mine.isNotNull().and(valued))
            : theirs
                .isNull()
                .and(mine.isNull())
                .and(mineId.gt(theirId))
                .or(theirs.isNotNull().and(mine.isNull().or(valued)));
    return exists(selectOne().from(c).where(theirId.eq(cursor).and(condition)));
  }

  /** The first row of a parent table, for tests to nest under. */
  static String firstRow(String qualified) {
    return render(select(ID).from(table(qualified)).orderBy(ID).limit(inline(1)));
  }

  /**
   * Creates the table: a uuid id, the parent's and the scope's columns, the fields' columns with
   * their checks, the timestamps; an index per filterable field, the parent, the scope and the
   * list's order; and grants to the org's database login alone.
   */
  static String migration(CrudConfig config, List<Field> fields, RowLayout layout, String login) {
    Table<?> table = table(config.table());
    var elements = new ArrayList<TableElement>();
    var constraints = new ArrayList<TableElement>();
    elements.add(
        field(
            name("id"),
            SQLDataType.UUID.notNull().defaultValue(field("gen_random_uuid()", SQLDataType.UUID))));
    constraints.add(constraint(name(config.tableName() + "_pkey")).primaryKey(ID));
    layout
        .parent()
        .ifPresent(
            p -> {
              elements.add(field(name(p.column()), SQLDataType.UUID.notNull()));
              p.table()
                  .ifPresent(
                      parent ->
                          constraints.add(
                              constraint(name(config.tableName() + "_" + p.column() + "_fkey"))
                                  .foreignKey(column(p.column()))
                                  .references(table(parent), ID)
                                  .onDeleteCascade()));
            });
    config
        .scoping()
        .ifPresent(
            scope ->
                elements.add(
                    field(
                        name(scope.column()),
                        SQLDataType.CLOB
                            .notNull()
                            .defaultValue(field("({0})", String.class, claim(scope))))));
    for (Field f : fields) {
      @SuppressWarnings("unchecked")
      DataType<Object> type = (DataType<Object>) type(f.type());
      String column = layout.column(f.name());
      elements.add(field(name(column), f.optional() ? type : type.notNull()));
      check(column, f.type())
          .ifPresent(
              check ->
                  constraints.add(
                      constraint(name(config.tableName() + "_" + column + "_check")).check(check)));
    }
    var now = field("now()", SQLDataType.TIMESTAMPWITHTIMEZONE);
    elements.add(
        field(name("created_at"), SQLDataType.TIMESTAMPWITHTIMEZONE.notNull().defaultValue(now)));
    elements.add(
        field(name("updated_at"), SQLDataType.TIMESTAMPWITHTIMEZONE.notNull().defaultValue(now)));
    elements.addAll(constraints);

    var statements = new ArrayList<Query>();
    statements.add(createSchemaIfNotExists(name(config.schema())));
    statements.add(createTable(table).tableElements(elements));
    for (Field f : fields) {
      if (f.type() instanceof OneOf
          || (f.type() instanceof Scalar s && s.kind() != FieldType.Kind.STRING)) {
        statements.add(index(config, layout.column(f.name()), column(layout.column(f.name()))));
      }
    }
    // a nested list reads one parent's rows in id order
    layout
        .parent()
        .ifPresent(p -> statements.add(index(config, p.column(), column(p.column()), ID)));
    // every statement is checked against the caller's claim: one index finds a caller's rows
    config
        .scoping()
        .ifPresent(scope -> statements.add(index(config, scope.column(), column(scope.column()))));
    // lists read in this order, id breaking ties: one index serves the order and the cursor
    if (!layout.order().equals("id"))
      statements.add(index(config, "by_" + layout.order(), column(layout.order()), ID));
    // the org's login alone may use the table: other orgs' SQL cannot reach it
    statements.add(
        DSL.query("grant usage on schema {0} to {1}", name(config.schema()), name(login)));
    statements.add(
        grant(privilege("select"), privilege("insert"), privilege("update"), privilege("delete"))
            .on(table)
            .to(user(name(login))));
    return statements.stream().map(CrudSql::render).collect(Collectors.joining(";\n", "", ";\n"));
  }

  private static Query index(CrudConfig config, String suffix, org.jooq.Field<?>... columns) {
    return createIndex(name(config.tableName() + "_" + suffix)).on(table(config.table()), columns);
  }

  private static Optional<Condition> check(String name, FieldType type) {
    var column = column(name);
    return switch (type) {
      case OneOf(List<String> values) ->
          Optional.of(column.in(values.stream().map(DSL::inline).toList()));
      case Scalar(var kind, var min, var max) when min.isPresent() || max.isPresent() -> {
        var value =
            kind.measuresLength()
                ? charLength(field(name(name), String.class)).coerce(Object.class)
                : column;
        var parts = new ArrayList<Condition>();
        min.ifPresent(m -> parts.add(value.ge(inline(m))));
        max.ifPresent(m -> parts.add(value.le(inline(m))));
        yield Optional.of(DSL.and(parts));
      }
      case ListOf(FieldType items, var min, var max)
          when items.plain() && (min.isPresent() || max.isPresent()) -> {
        var size = cardinality(field(name(name), Object[].class));
        var parts = new ArrayList<Condition>();
        min.ifPresent(m -> parts.add(size.ge(inline(m))));
        max.ifPresent(m -> parts.add(size.le(inline(m))));
        yield Optional.of(DSL.and(parts));
      }
      default -> Optional.empty();
    };
  }

  /**
   * The claim's value for the calling caller, as the data plane sets {@code request.jwt.claims} for
   * every request with one.
   */
  private static org.jooq.Field<String> claim(Scoping scope) {
    return DSL.field(
        "current_setting('request.jwt.claims', true)::jsonb ->> {0}",
        String.class, inline(scope.claim()));
  }

  /**
   * Row-level security that shows and lets change only the caller's rows; forced, so it holds for
   * the table's owner too.
   */
  static String policy(Scoping scope, String qualified) {
    Name table = name(qualified.split("\\."));
    Condition mine = field(name(scope.column()), String.class).eq(claim(scope));
    return render(DSL.query("alter table {0} enable row level security", table))
        + ";\n"
        + render(DSL.query("alter table {0} force row level security", table))
        + ";\n"
        + render(
            DSL.query(
                "drop policy if exists {0} on {1}", DSL.unquotedName(scope.policyName()), table))
        + ";\n"
        + render(
            DSL.query(
                "create policy {0} on {1} using ({2}) with check ({2})",
                DSL.unquotedName(scope.policyName()), table, mine))
        + ";\n";
  }
}
