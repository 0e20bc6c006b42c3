package dev.slipway.templates.crud;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.spec.Auth;
import dev.slipway.templates.ConfigDefaults;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A crud-endpoint config, read once: its schema's defaults filled in ({@link ConfigDefaults}), so
 * the defaults live in {@link #SCHEMA} alone.
 *
 * @param table {@code schema.table}
 * @param orderBy the column lists are ordered by, {@code -} first for descending
 * @param sort the fields {@code ?sort=} may order by; empty for the default (every field and the
 *     timestamps)
 * @param filters field → operators; empty for the default (eq on every field)
 * @param permissions operation (read, create, update, delete) → the roles it admits; an operation
 *     left out admits any authenticated caller
 * @param validation field → type in the validation language
 */
record CrudConfig(
    String resource,
    String table,
    String basePath,
    boolean camel,
    String orderBy,
    Auth.Mode auth,
    Optional<Parent> parent,
    Optional<Scoping> scoping,
    Optional<List<String>> sort,
    Optional<Map<String, List<String>>> filters,
    Map<String, List<String>> permissions,
    JsonNode validation) {

  static final JsonNode SCHEMA =
      Json.parse(
          """
      {
        "type": "object",
        "required": ["resource", "table", "validation"],
        "additionalProperties": false,
        "properties": {
          "resource": { "type": "string", "pattern": "^[a-z][a-z0-9-]{0,40}$",
                        "description": "the path segment and endpoint name prefix: projects" },
          "table": { "type": "string", "pattern": "^[a-z_][a-z0-9_]{0,62}\\\\.[a-z_][a-z0-9_]{0,62}$",
                     "description": "schema.table; created when missing" },
          "basePath": { "type": "string", "pattern": "^(/[a-z0-9-]+)*$", "default": "/api" },
          "fieldNames": { "enum": ["asIs", "camelCase"], "default": "asIs",
                          "description": "camelCase: JSON fields orgId, createdAt are columns org_id, created_at" },
          "orderBy": { "type": "string", "pattern": "^-?[a-z_][a-z0-9_]{0,62}$", "default": "id",
                       "description": "the column lists are ordered by, - for descending; id breaks ties" },
          "auth": { "enum": ["apiKey", "jwt"], "default": "apiKey",
                    "description": "how callers prove their roles: the org's consumer keys, or a JWT" },
          "parent": {
            "type": "object",
            "required": ["resource", "param", "column"],
            "additionalProperties": false,
            "description": "nests the resource under another: /api/teams/:teamId/members, rows scoped by their team_id column",
            "properties": {
              "resource": { "type": "string", "pattern": "^[a-z][a-z0-9-]{0,40}$" },
              "param": { "type": "string", "pattern": "^[a-z][A-Za-z0-9]{0,40}$" },
              "column": { "type": "string", "pattern": "^[a-z_][a-z0-9_]{0,62}$" },
              "table": { "type": "string", "pattern": "^[a-z_][a-z0-9_]{0,62}\\\\.[a-z_][a-z0-9_]{0,62}$",
                         "description": "the parent's table (schema.table, with a uuid id): a new table's column references it, on delete cascade, and the generated tests nest under one of its rows" }
            }
          },
          "tenant": {
            "type": "object",
            "additionalProperties": false,
            "default": {},
            "description": "with scope: tenant, the caller's claim that names its tenant (a JWT claim, or a consumer key's claims) and the column that holds it",
            "properties": {
              "claim": { "type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,62}$", "default": "tenant_id" },
              "column": { "type": "string", "pattern": "^[a-z_][a-z0-9_]{0,62}$", "default": "tenant_id" }
            }
          },
          "scope": { "enum": ["none", "owner", "tenant"], "default": "none",
                     "description": "owner: each row belongs to the caller that created it (an owner column holding the caller's sub), and row-level security lets callers see and change only their own; tenant: the same for the caller's tenant claim (see tenant)" },
          "sort": {
            "type": "array", "uniqueItems": true, "items": { "type": "string", "minLength": 1 },
            "description": "the fields ?sort= may order the list by (name ascending, -name descending); by default every field and the timestamps, spelled as the rows spell them: created_at and updated_at, or createdAt and updatedAt with fieldNames camelCase; [] turns ?sort= off"
          },
          "filters": {
            "type": "object",
            "description": "field → the list's operators on it: eq (?f=), in (?f_in=a,b), lt (?f_lt=), gt (?f_gt=), like (?f_like=); without it, eq on every field",
            "additionalProperties": { "type": "array", "minItems": 1, "uniqueItems": true,
                                      "items": { "enum": ["eq", "in", "lt", "gt", "like"] } }
          },
          "permissions": {
            "type": "object",
            "additionalProperties": false,
            "description": "roles per operation; 'public' opens it to anyone; a missing operation admits any authenticated caller",
            "properties": {
              "read": { "$ref": "#/$defs/roles" }, "create": { "$ref": "#/$defs/roles" },
              "update": { "$ref": "#/$defs/roles" }, "delete": { "$ref": "#/$defs/roles" }
            }
          },
          "validation": { "type": "object", "minProperties": 1,
                          "description": "field → type in the validation language: string(1..200), enum('a','b'), integer(0..)?" }
        },
        "$defs": {
          "roles": { "type": "array", "minItems": 1, "uniqueItems": true, "items": { "type": "string", "minLength": 1 } }
        }
      }""");

  /**
   * The resource this one is nested under: its path segment, path parameter, the column that holds
   * it and, if named, its table.
   */
  record Parent(String resource, String param, String column, Optional<String> table) {}

  /** Reads a config that satisfies {@link #SCHEMA}. */
  static CrudConfig of(JsonNode given) {
    JsonNode config = ConfigDefaults.filled(SCHEMA, given);
    Optional<Parent> parent =
        Optional.ofNullable(config.get("parent"))
            .map(
                p ->
                    new Parent(
                        p.get("resource").asText(),
                        p.get("param").asText(),
                        p.get("column").asText(),
                        Optional.ofNullable(p.get("table")).map(JsonNode::asText)));
    var permissions = new LinkedHashMap<String, List<String>>();
    config
        .path("permissions")
        .properties()
        .forEach(operation -> permissions.put(operation.getKey(), texts(operation.getValue())));
    Optional<Map<String, List<String>>> filters =
        Optional.ofNullable(config.get("filters"))
            .map(
                declared -> {
                  var byField = new LinkedHashMap<String, List<String>>();
                  declared
                      .properties()
                      .forEach(field -> byField.put(field.getKey(), texts(field.getValue())));
                  return byField;
                });
    return new CrudConfig(
        config.get("resource").asText(),
        config.get("table").asText(),
        config.get("basePath").asText(),
        config.get("fieldNames").asText().equals("camelCase"),
        config.get("orderBy").asText(),
        config.get("auth").asText().equals("jwt") ? Auth.Mode.JWT : Auth.Mode.API_KEY,
        parent,
        Scoping.of(config),
        Optional.ofNullable(config.get("sort")).map(CrudConfig::texts),
        filters,
        permissions,
        config.get("validation"));
  }

  private static List<String> texts(JsonNode array) {
    var texts = new ArrayList<String>();
    array.forEach(item -> texts.add(item.asText()));
    return List.copyOf(texts);
  }

  /** The schema part of {@link #table}. */
  String schema() {
    return table.substring(0, table.indexOf('.'));
  }

  /** The table's name without its schema. */
  String tableName() {
    return table.substring(table.indexOf('.') + 1);
  }

  /**
   * The path of the list and create endpoints: the base path, the parent's segment and parameter
   * when nested, the resource.
   */
  String path() {
    return basePath
        + parent.map(p -> "/" + p.resource() + "/:" + p.param()).orElse("")
        + "/"
        + resource;
  }

  /** The roles an operation admits; empty when the config names none (any authenticated caller). */
  Optional<List<String>> roles(String operation) {
    return Optional.ofNullable(permissions.get(operation));
  }

  /** Whether the operation is open to anyone. */
  boolean isPublic(String operation) {
    return roles(operation).filter(roles -> roles.contains("public")).isPresent();
  }
}
