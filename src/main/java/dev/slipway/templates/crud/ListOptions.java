package dev.slipway.templates.crud;

import dev.slipway.problem.Violation;
import dev.slipway.templates.FieldType.Field;
import dev.slipway.templates.FieldType.Kind;
import dev.slipway.templates.FieldType.Scalar;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What the list endpoint offers its callers: filters ({@code ?status=active}) and orders ({@code
 * ?sort=-name}).
 */
final class ListOptions {
  private ListOptions() {}

  /** One operator of the list on one field, and the query parameter that carries its operand. */
  record Filter(Field field, String operator) {
    String parameter() {
      return operator.equals("eq") ? field.name() : field.name() + "_" + operator;
    }
  }

  /**
   * One order of the list: by a column, id breaking ties.
   *
   * @param nullable whether the column may hold nulls, which sort after every value ascending
   *     (PostgreSQL's default)
   */
  record Sort(String column, String field, boolean descending, boolean nullable) {
    String parameter() {
      return (descending ? "-" : "") + field;
    }
  }

  /** The config's filters, or eq on every plain field; each operator must suit its field's type. */
  static List<Filter> filters(
      Optional<Map<String, List<String>>> config, List<Field> fields, List<Violation> violations) {
    var filters = new ArrayList<Filter>();
    if (config.isEmpty()) {
      fields.stream()
          .filter(field -> field.type().plain())
          .forEach(field -> filters.add(new Filter(field, "eq")));
      return filters;
    }
    var byName = fields.stream().collect(Collectors.toMap(Field::name, Function.identity()));
    var parameters = new HashSet<>(List.of("limit", "cursor", "sort"));
    fields.forEach(field -> parameters.add(field.name()));
    config
        .get()
        .forEach(
            (name, operators) -> {
              Field field = byName.get(name);
              String at = "/config/filters/" + name;
              if (field == null) {
                violations.add(new Violation(at, "no validation field is named '" + name + "'"));
                return;
              }
              for (int i = 0; i < operators.size(); i++) {
                var filter = new Filter(field, operators.get(i));
                Optional<String> unfit = unfit(filter);
                if (unfit.isPresent()) {
                  violations.add(new Violation(at + "/" + i, unfit.get()));
                } else if (!filter.operator().equals("eq") && !parameters.add(filter.parameter())) {
                  violations.add(
                      new Violation(
                          at + "/" + i,
                          "its query parameter '" + filter.parameter() + "' is taken by a field"));
                } else {
                  filters.add(filter);
                }
              }
            });
    return filters;
  }

  private static Optional<String> unfit(Filter filter) {
    if (!filter.field().type().plain())
      return Optional.of("lists are filtered on scalar and enum fields only");
    Kind kind = filter.field().type() instanceof Scalar s ? s.kind() : null;
    return switch (filter.operator()) {
      case "lt", "gt" ->
          kind == Kind.NUMBER || kind == Kind.INTEGER || kind == Kind.DATE || kind == Kind.DATETIME
              ? Optional.empty()
              : Optional.of(filter.operator() + " compares numbers, dates and datetimes only");
      case "like" ->
          kind == Kind.STRING || kind == Kind.EMAIL || kind == Kind.URL
              ? Optional.empty()
              : Optional.of("like matches strings only");
      default -> Optional.empty();
    };
  }

  /**
   * The orders ?sort= offers: the config's fields, or every plain field and the timestamps; each
   * ascending and descending. Names are spelled as the rows spell them ({@link RowLayout#json}):
   * {@code created_at}, or {@code createdAt} with camelCase field names.
   */
  static List<Sort> sorts(
      Optional<List<String>> config,
      List<Field> fields,
      RowLayout layout,
      List<Violation> violations) {
    var names = new ArrayList<String>();
    if (config.isEmpty()) {
      fields.stream()
          .filter(field -> field.type().plain())
          .forEach(field -> names.add(field.name()));
      List.of("created_at", "updated_at").stream()
          .filter(layout::has)
          .forEach(column -> names.add(layout.json(column)));
    } else {
      names.addAll(config.get());
    }
    var byName = fields.stream().collect(Collectors.toMap(Field::name, Function.identity()));
    var sorts = new ArrayList<Sort>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      Field field = byName.get(name);
      String column =
          field != null
              ? layout.column(name)
              : RowLayout.OWN_COLUMNS.stream()
                  .filter(c -> layout.json(c).equals(name) && layout.has(c))
                  .findFirst()
                  .orElse(null);
      if (column == null) {
        violations.add(
            new Violation(
                "/config/sort/" + i,
                "'"
                    + name
                    + "' is not a field of the resource (nor id, "
                    + layout.json("created_at")
                    + " or "
                    + layout.json("updated_at")
                    + ")"));
        continue;
      }
      if (field != null && !field.type().plain()) {
        violations.add(
            new Violation(
                "/config/sort/" + i,
                "lists sort by scalar and enum fields only; '"
                    + name
                    + "' is a list or an object"));
        continue;
      }
      boolean nullable = field != null && field.optional();
      sorts.add(new Sort(column, name, false, nullable));
      sorts.add(new Sort(column, name, true, nullable));
    }
    return sorts;
  }

  /** The order of the list when {@code ?sort=} is absent: the config's. */
  static Sort configured(RowLayout layout) {
    return new Sort(
        layout.order(),
        layout.json(layout.order()),
        layout.descending(),
        layout.nullable(layout.order()));
  }
}
