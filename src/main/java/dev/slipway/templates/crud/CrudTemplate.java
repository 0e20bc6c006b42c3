package dev.slipway.templates.crud;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import dev.slipway.spec.Fixture;
import dev.slipway.spec.InvalidSpecException;
import dev.slipway.templates.Bundle;
import dev.slipway.templates.FieldType.Field;
import dev.slipway.templates.FieldType.ObjectOf;
import dev.slipway.templates.FieldTypes;
import dev.slipway.templates.Template;
import dev.slipway.templates.crud.ListOptions.Filter;
import dev.slipway.templates.crud.ListOptions.Sort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code crud-endpoint}: list, get, create, partial update and delete of one table's rows, each
 * endpoint open to the roles its operation names, with the request validation of the config's
 * fields. When the table does not exist, the bundle's migration creates it (a uuid {@code id}, the
 * fields' columns with their checks, {@code created_at}, {@code updated_at}, an index per
 * filterable field, and grants to the org's database login alone); when it exists, every field must
 * have a column of a fitting type.
 *
 * <p>The list answers a bare array of rows in the config's order ({@code orderBy}, id breaking
 * ties): filters ({@code ?status=active}, {@code ?points_gt=3}; equality on every plain field by
 * default), each an optional part of the SQL, so one the caller leaves out is not planned at all;
 * {@code ?sort=name} or {@code -name}, each order its own alternative step; {@code limit} (1 to
 * 100, 20 by default) and {@code cursor} (the last id of the previous page, keyset pagination in
 * any order). Lists of plain values are array columns; other lists and objects are jsonb.
 */
public final class CrudTemplate implements Template {

  @Override
  public String name() {
    return "crud-endpoint";
  }

  @Override
  public String description() {
    return "List, get, create, update and delete rows of one table, with validation and per-operation roles; "
        + "creates the table when it does not exist.";
  }

  @Override
  public JsonNode configSchema() {
    return CrudConfig.SCHEMA;
  }

  /** The founding brief's example. */
  private static final JsonNode EXAMPLE =
      Json.parse(
          """
      { "resource": "projects", "table": "platform.projects",
        "permissions": { "read": ["member","admin","owner"], "create": ["admin","owner"],
                         "update": ["owner"], "delete": ["owner"] },
        "validation": { "name": "string", "description": "string?", "status": "enum('active','archived')" } }""");

  @Override
  public JsonNode example() {
    return EXAMPLE;
  }

  @Override
  public Optional<String> table(JsonNode config) {
    return Optional.of(config.get("table").asText());
  }

  @Override
  public Map<String, String> references(JsonNode config) {
    JsonNode parentTable = config.path("parent").path("table");
    return parentTable.isTextual()
        ? Map.of("/config/parent/table", parentTable.asText())
        : Map.of();
  }

  @Override
  public Bundle generate(JsonNode given, Optional<Map<String, String>> columns, String login)
      throws InvalidSpecException {
    var violations = new ArrayList<Violation>();
    ObjectOf validation =
        FieldTypes.parse(given.get("validation"), "/config/validation", violations).orElse(null);
    if (validation == null) throw new InvalidSpecException(violations);
    List<Field> fields = validation.fields();
    CrudConfig config = CrudConfig.of(given);
    CrudChecks.names(config, fields, violations);
    List<Filter> filters = ListOptions.filters(config.filters(), fields, violations);
    columns.ifPresent(existing -> CrudChecks.columns(config, fields, existing, violations));
    config
        .scoping()
        .ifPresent(scope -> CrudChecks.scoping(config, scope, fields, columns, violations));
    config
        .parent()
        .ifPresent(parent -> CrudChecks.parent(config, parent, fields, columns, violations));
    RowLayout layout = RowLayout.of(config, fields, columns, violations);
    List<Sort> sorts = ListOptions.sorts(config.sort(), fields, layout, violations);
    if (!violations.isEmpty()) throw new InvalidSpecException(violations);

    var resource = new CrudSpecs.Resource(config, layout, fields);
    String migration =
        (columns.isPresent() ? "" : CrudSql.migration(config, fields, layout, login))
            + config.scoping().map(scope -> CrudSql.policy(scope, config.table())).orElse("");
    List<Fixture> fixtures =
        config
            .parent()
            .flatMap(CrudConfig.Parent::table)
            .map(table -> List.of(new Fixture("parent", CrudSql.firstRow(table))))
            .orElse(List.of());
    return new Bundle(
        config.path(),
        CrudSpecs.all(resource, filters, sorts),
        migration,
        FieldTypes.zod(validation),
        fixtures,
        CrudTests.of(resource, filters, sorts),
        CrudProse.explanation(config, filters, sorts, columns.isEmpty()));
  }
}
