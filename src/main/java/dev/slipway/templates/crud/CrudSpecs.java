package dev.slipway.templates.crud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.slipway.common.Json;
import dev.slipway.spec.Auth;
import dev.slipway.spec.SpecBuilder;
import dev.slipway.spec.Step;
import dev.slipway.templates.FieldType.Field;
import dev.slipway.templates.FieldType.ObjectOf;
import dev.slipway.templates.FieldType.Scalar;
import dev.slipway.templates.FieldTypes;
import dev.slipway.templates.crud.ListOptions.Filter;
import dev.slipway.templates.crud.ListOptions.Sort;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The five endpoints of a crud resource, as specs: list, get, create, update, delete. */
final class CrudSpecs {
  private CrudSpecs() {}

  private static final JsonNode UUID_SCHEMA =
      Json.parse("{\"type\": \"string\", \"format\": \"uuid\"}");

  /** What every endpoint of the resource shares. */
  record Resource(CrudConfig config, RowLayout layout, List<Field> fields) {
    String name() {
      return config.resource();
    }

    String path() {
      return config.path();
    }

    /**
     * Who may call an operation: its roles, anyone when public, any authenticated caller when the
     * config names none.
     */
    Auth auth(String operation) {
      if (config.isPublic(operation)) return Auth.PUBLIC;
      return new Auth(
          config.auth(), config.roles(operation).orElse(List.of()), "role", Optional.empty());
    }

    /** The endpoint's path parameters: the parent's when nested, then those given. */
    SpecBuilder endpoint(String suffix, String method, String path, String operation) {
      var spec = SpecBuilder.endpoint(name() + "-" + suffix, method, path).auth(auth(operation));
      layout.parent().ifPresent(p -> spec.param(p.param(), UUID_SCHEMA));
      return spec;
    }
  }

  static List<ObjectNode> all(Resource resource, List<Filter> filters, List<Sort> sorts) {
    return List.of(
        list(resource, filters, sorts),
        get(resource),
        create(resource),
        update(resource),
        delete(resource));
  }

  private static Map<String, JsonNode> parameters(Resource resource, String... inputs) {
    var params = new LinkedHashMap<String, JsonNode>();
    for (String input : inputs)
      params.put(input.substring(input.lastIndexOf('.') + 1), TextNode.valueOf("${" + input + "}"));
    resource
        .layout()
        .parent()
        .ifPresent(
            p -> params.put(p.param(), TextNode.valueOf("${input.params." + p.param() + "}")));
    return params;
  }

  private static Step.SqlStep sql(String id, String sql, Map<String, JsonNode> params) {
    return new Step.SqlStep(id, Optional.empty(), sql, params, Step.Expect.ONE);
  }

  static ObjectNode list(Resource resource, List<Filter> filters, List<Sort> sorts) {
    RowLayout layout = resource.layout();
    var spec =
        resource
            .endpoint("list", "GET", resource.path(), "read")
            .description(
                "Lists "
                    + resource.name()
                    + " in "
                    + layout.order()
                    + (layout.descending() ? " descending" : "")
                    + " order"
                    + (layout.order().equals("id") ? "" : " (id breaking ties)")
                    + (filters.isEmpty()
                        ? ""
                        : ", filtered by "
                            + String.join(", ", filters.stream().map(Filter::parameter).toList()))
                    + (sorts.isEmpty()
                        ? "."
                        : "; ?sort= orders by "
                            + String.join(", ", sorts.stream().map(Sort::parameter).toList())
                            + "."));
    var params = parameters(resource);
    for (Filter filter : filters) {
      Field field = filter.field();
      spec.query(
          filter.parameter(),
          switch (filter.operator()) {
            case "eq" -> FieldTypes.jsonSchema(field.type());
            case "lt", "gt" ->
                FieldTypes.jsonSchema(
                    new Scalar(((Scalar) field.type()).kind(), Optional.empty(), Optional.empty()));
            default -> Json.parse("{\"type\": \"string\", \"minLength\": 1}");
          });
      params.put(filter.parameter(), TextNode.valueOf("${input.query." + filter.parameter() + "}"));
    }
    spec.query(
        "limit",
        Json.parse("{\"type\": \"integer\", \"minimum\": 1, \"maximum\": 100, \"default\": 20}"));
    spec.query("cursor", UUID_SCHEMA);
    params.put("cursor", TextNode.valueOf("${input.query.cursor}"));
    params.put("limit", TextNode.valueOf("${input.query.limit}"));
    if (!sorts.isEmpty()) {
      ObjectNode sort =
          Json.MAPPER
              .createObjectNode()
              .put("type", "string")
              .put("description", "the field to order by, - first for descending; id breaks ties");
      sorts.forEach(option -> sort.withArray("enum").add(option.parameter()));
      spec.query("sort", sort);
    }
    // one statement per order, so each reads in its own index order: the config's when ?sort= is
    // absent
    var orders = new ArrayList<Sort>();
    orders.add(ListOptions.configured(layout));
    orders.addAll(sorts);
    for (int i = 0; i < orders.size(); i++) {
      Sort order = orders.get(i);
      Optional<String> when =
          sorts.isEmpty()
              ? Optional.empty()
              : Optional.of(
                  i == 0
                      ? "${!has(input.query.sort)}"
                      : "${input.query.sort == '" + order.parameter() + "'}");
      spec.step(
          new Step.SqlStep(
              "rows", when, CrudSql.list(layout, filters, order), params, Step.Expect.MANY));
    }
    return spec.responseBody("${steps.rows.rows}").json();
  }

  static ObjectNode get(Resource resource) {
    return resource
        .endpoint("get", "GET", resource.path() + "/:id", "read")
        .description("Gets one of " + resource.name() + " by id; 404 when there is none.")
        .param("id", UUID_SCHEMA)
        .step(
            sql("row", CrudSql.getOne(resource.layout()), parameters(resource, "input.params.id")))
        .responseBody("${steps.row.row}")
        .json();
  }

  static ObjectNode create(Resource resource) {
    var params = parameters(resource);
    resource
        .fields()
        .forEach(
            field ->
                params.put(field.name(), TextNode.valueOf("${input.body." + field.name() + "}")));
    String location =
        resource
            .layout()
            .parent()
            .map(p -> resource.path().replace(":" + p.param(), "${input.params." + p.param() + "}"))
            .orElse(resource.path());
    return resource
        .endpoint("create", "POST", resource.path(), "create")
        .description("Creates one of " + resource.name() + "; 201 with its Location.")
        .body(FieldTypes.jsonSchema(new ObjectOf(resource.fields())))
        .step(sql("created", CrudSql.insertOne(resource.layout(), resource.fields()), params))
        .status(201)
        .responseHeader("Location", location + "/${steps.created.row.id}")
        .responseBody("${steps.created.row}")
        .json();
  }

  static ObjectNode update(Resource resource) {
    var optional =
        resource.fields().stream().map(f -> new Field(f.name(), f.type(), true)).toList();
    ObjectNode body = FieldTypes.jsonSchema(new ObjectOf(optional));
    body.put("minProperties", 1);
    var params = parameters(resource, "input.params.id");
    resource
        .fields()
        .forEach(
            field ->
                params.put(field.name(), TextNode.valueOf("${input.body." + field.name() + "}")));
    return resource
        .endpoint("update", "PATCH", resource.path() + "/:id", "update")
        .description(
            "Changes the given fields of one of "
                + resource.name()
                + "; fields left out keep their value.")
        .param("id", UUID_SCHEMA)
        .body(body)
        .step(sql("updated", CrudSql.updateOne(resource.layout(), resource.fields()), params))
        .responseBody("${steps.updated.row}")
        .json();
  }

  static ObjectNode delete(Resource resource) {
    return resource
        .endpoint("delete", "DELETE", resource.path() + "/:id", "delete")
        .description("Deletes one of " + resource.name() + "; 204, or 404 when there is none.")
        .param("id", UUID_SCHEMA)
        .step(
            sql(
                "deleted",
                CrudSql.deleteOne(resource.layout()),
                parameters(resource, "input.params.id")))
        .status(204)
        .json();
  }
}
