package dev.slipway.templates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import dev.slipway.spec.Fixture;
import dev.slipway.spec.InvalidSpecException;
import dev.slipway.spec.TestCase;
import dev.slipway.templates.FieldType.Field;
import dev.slipway.templates.FieldType.Kind;
import dev.slipway.templates.FieldType.ListOf;
import dev.slipway.templates.FieldType.ObjectOf;
import dev.slipway.templates.FieldType.OneOf;
import dev.slipway.templates.FieldType.Scalar;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code crud-endpoint}: list, get, create, partial update and delete of one table's rows, each
 * endpoint open to the roles its operation names, with the request validation of the config's
 * fields. When the table does not exist, the bundle's migration creates it (a uuid {@code id},
 * the fields' columns with their checks, {@code created_at}, {@code updated_at}, an index per
 * filterable field, and grants to the org's database login alone); when it exists, every field must have a
 * column of a fitting type.
 *
 * <p>The list answers a bare array of rows in the config's order ({@code orderBy}, id breaking
 * ties): filters ({@code ?status=active}, {@code ?points_gt=3}; equality on every plain field by
 * default), each an optional part of the SQL, so one the caller leaves out is not planned at all;
 * {@code ?sort=name} or {@code -name}, each order its own alternative step; {@code limit} (1 to
 * 100, 20 by default) and {@code cursor} (the last id of the previous page, keyset pagination in
 * any order). Lists of plain values are array columns; other lists and objects are jsonb.
 */
public final class CrudTemplate implements Template {

  private static final JsonNode CONFIG_SCHEMA = Json.parse("""
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

  /** The information_schema types of existing columns that hold a column type's values (arrays are all ARRAY there). */
  private static Set<String> fitting(String type) {
    return type.endsWith("[]") ? Set.of("ARRAY") : FITTING.get(type);
  }

  /** What each column type accepts in an existing table, as information_schema names them. */
  private static final Map<String, Set<String>> FITTING = Map.of(
      "text", Set.of("text", "character varying", "character"),
      "bigint", Set.of("bigint", "integer", "smallint"),
      "double precision", Set.of("double precision", "numeric", "real"),
      "boolean", Set.of("boolean"),
      "uuid", Set.of("uuid"),
      "date", Set.of("date"),
      "timestamptz", Set.of("timestamp with time zone", "timestamp without time zone"),
      "jsonb", Set.of("jsonb", "json"));

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
    return CONFIG_SCHEMA;
  }

  /** The founding brief's example. */
  private static final JsonNode EXAMPLE = Json.parse("""
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
    return parentTable.isTextual() ? Map.of("/config/parent/table", parentTable.asText()) : Map.of();
  }

  @Override
  public Bundle generate(JsonNode config, Optional<Map<String, String>> columns, String login) throws InvalidSpecException {
    var violations = new ArrayList<Violation>();
    ObjectOf fields = FieldTypes.parse(config.get("validation"), "/config/validation", violations).orElse(null);
    if (fields == null) throw new InvalidSpecException(violations);
    String schema = config.get("table").asText().substring(0, config.get("table").asText().indexOf('.'));
    if (schema.equals("slipway") || schema.startsWith("pg_") || schema.equals("information_schema")) {
      violations.add(new Violation("/config/table", "'" + schema + "' is a schema of Slipway or of PostgreSQL; use one of your own"));
    }
    boolean camel = config.path("fieldNames").asText("asIs").equals("camelCase");
    for (Field field : fields.fields()) {
      String column = columnOf(camel, field.name());
      if (Set.of("id", "created_at", "updated_at").contains(column)) {
        violations.add(new Violation("/config/validation/" + field.name(), "'" + column + "' is a column the template makes itself"));
      } else if (Set.of("limit", "cursor", "sort").contains(field.name())) {
        violations.add(new Violation("/config/validation/" + field.name(), "'" + field.name()
            + "' is a query parameter of the list endpoint; name the field otherwise"));
      }
    }
    List<Filter> filters = filters(config.path("filters"), fields.fields(), violations);
    columns.ifPresent(existing -> checkColumns(fields, existing, camel, violations));
    Optional<Scoping> scoping = Scoping.of(config);
    scoping.ifPresent(scope -> {
      for (String operation : List.of("read", "create", "update", "delete")) {
        if (isPublic(config.path("permissions").get(operation))) {
          violations.add(new Violation("/config/permissions/" + operation, "rows belong to their " + scope.whose()
              + " (scope: " + config.get("scope").asText() + "), so no operation can be public"));
        }
      }
      fields.fields().stream().filter(f -> columnOf(camel, f.name()).equals(scope.column())).forEach(f ->
          violations.add(new Violation("/config/validation/" + f.name(), "'" + scope.column() + "' is the column that holds each row's "
              + scope.who() + " (scope: " + config.get("scope").asText() + ")")));
      columns.filter(existing -> !"text".equals(existing.get(scope.column()))).ifPresent(existing ->
          violations.add(new Violation("/config/scope", "rows belong to their " + scope.whose() + ", so the table needs a text column '"
              + scope.column() + "'")));
    });
    Optional<Parent> parent = config.has("parent") ? Optional.of(new Parent(config.get("parent").get("resource").asText(),
        config.get("parent").get("param").asText(), config.get("parent").get("column").asText(),
        Optional.ofNullable(config.get("parent").get("table")).map(JsonNode::asText))) : Optional.empty();
    parent.ifPresent(p -> checkParent(p, fields.fields(), columns, camel, violations));
    Layout layout = Layout.of(quoted(config.get("table").asText()), camel, fields.fields(), columns, parent, scoping,
        config.path("orderBy").asText("id"), violations);
    List<Sort> sorts = sorts(config.path("sort"), fields.fields(), layout, violations);
    if (!violations.isEmpty()) throw new InvalidSpecException(violations);

    String resource = config.get("resource").asText();
    String base = config.path("basePath").asText("/api")
        + parent.map(p -> "/" + p.resource() + "/:" + p.param()).orElse("") + "/" + resource;
    String auth = config.path("auth").asText("apiKey");
    JsonNode permissions = config.path("permissions");
    List<Field> all = fields.fields();

    var specs = List.of(
        list(resource, base, layout, filters, sorts, authOf(auth, permissions.get("read"))),
        get(resource, base, layout, authOf(auth, permissions.get("read"))),
        create(resource, base, layout, fields, authOf(auth, permissions.get("create"))),
        update(resource, base, layout, all, authOf(auth, permissions.get("update"))),
        delete(resource, base, layout, authOf(auth, permissions.get("delete"))));
    String migration = (columns.isPresent() ? "" : migration(config.get("table").asText(), all, layout, scoping, login))
        + scoping.map(scope -> scope.policy(layout.table())).orElse("");
    List<Fixture> fixtures = parent.flatMap(Parent::table)
        .map(table -> List.of(new Fixture("parent", "select id from " + quoted(table) + " order by id limit 1"))).orElse(List.of());
    return new Bundle(base, specs, migration, FieldTypes.zod(fields), fixtures, tests(base, all, permissions, layout, scoping, filters, sorts),
        explanation(base, config, filters, sorts, columns.isEmpty())
            + scoping.map(scope -> " Rows belong to the " + scope.who() + " that created them (the "
                + scope.column() + " column holds its " + scope.claim() + " claim); row-level security, forced, lets each caller see and "
                + "change only those of its " + scope.whose() + ".").orElse(""));
  }

  /**
   * How the resource's JSON names map to the table's columns, what a row answers with, and how
   * lists are ordered.
   *
   * @param columns the table's columns in order (for a new table, the ones the migration makes)
   * @param nullable the columns of optional fields
   */
  private record Layout(String table, boolean camel, List<String> columns, Set<String> nullable, Optional<Parent> parent, String order,
      boolean descending) {

    static Layout of(String table, boolean camel, List<Field> fields, Optional<Map<String, String>> existing, Optional<Parent> parent,
        Optional<Scoping> scoping, String orderBy, List<Violation> violations) {
      List<String> columns = existing.map(e -> List.copyOf(e.keySet())).orElseGet(() -> {
        var made = new ArrayList<String>(List.of("id"));
        parent.ifPresent(p -> made.add(p.column()));
        scoping.ifPresent(scope -> made.add(scope.column()));
        fields.forEach(field -> made.add(columnOf(camel, field.name())));
        made.addAll(List.of("created_at", "updated_at"));
        return made;
      });
      boolean descending = orderBy.startsWith("-");
      String order = descending ? orderBy.substring(1) : orderBy;
      if (!columns.contains(order)) {
        violations.add(new Violation("/config/orderBy", "the table has no column '" + order + "'"));
      }
      Set<String> nullable = fields.stream().filter(Field::optional).map(f -> columnOf(camel, f.name())).collect(Collectors.toSet());
      return new Layout(table, camel, columns, nullable, parent, order, descending);
    }

    /** Whether the column may hold nulls: it is an optional field's. */
    boolean nullable(String column) {
      return nullable.contains(column);
    }

    /** The condition that keeps a statement to the parent in the path; empty when not nested. */
    String scope() {
      return parent.map(p -> " and " + quoted(p.column()) + " = cast(:" + p.param() + " as uuid)").orElse("");
    }

    String column(String field) {
      return columnOf(camel, field);
    }

    String json(String column) {
      return camel ? camelOf(column) : column;
    }

    /** The row as the endpoints answer it: every column, under its JSON name. */
    String select() {
      return columns.stream().map(c -> quoted(c) + (json(c).equals(c) ? "" : " as " + quoted(json(c))))
          .collect(Collectors.joining(", "));
    }

    boolean has(String column) {
      return columns.contains(column);
    }

    List<String> shape() {
      return columns.stream().map(this::json).toList();
    }
  }

  /**
   * Rows that belong to whoever created them, as one of the caller's claims names it: its {@code sub}
   * (scope: owner) or its tenant (scope: tenant). The column is filled from the claim and row-level
   * security checks every statement against it.
   */
  private record Scoping(String column, String claim, String policyName, String who) {

    static Optional<Scoping> of(JsonNode config) {
      return switch (config.path("scope").asText("none")) {
        case "owner" -> Optional.of(new Scoping("owner", "sub", "owner_rows", "caller"));
        case "tenant" -> Optional.of(new Scoping(config.path("tenant").path("column").asText("tenant_id"),
            config.path("tenant").path("claim").asText("tenant_id"), "tenant_rows", "tenant"));
        default -> Optional.empty();
      };
    }

    /** Whom rows belong to, in the plural: callers, tenants. */
    String whose() {
      return who + "s";
    }

    /** The claim's value for the calling caller, as the data plane sets {@code request.jwt.claims} for every request with one. */
    String value() {
      return "current_setting('request.jwt.claims', true)::jsonb ->> " + literal(claim);
    }

    /** Row-level security that shows and lets change only the caller's rows; forced, so it holds for the table's owner too. */
    String policy(String table) {
      String mine = quoted(column) + " = " + value();
      return "alter table " + table + " enable row level security;\n"
          + "alter table " + table + " force row level security;\n"
          + "drop policy if exists " + policyName + " on " + table + ";\n"
          + "create policy " + policyName + " on " + table + " using (" + mine + ") with check (" + mine + ");\n";
    }
  }

  /** The resource this one is nested under: its path segment, path parameter, the column that holds it and, if named, its table. */
  private record Parent(String resource, String param, String column, Optional<String> table) {}

  private static void checkParent(Parent parent, List<Field> fields, Optional<Map<String, String>> columns, boolean camel,
      List<Violation> violations) {
    if (fields.stream().anyMatch(f -> f.name().equals(parent.param()) || columnOf(camel, f.name()).equals(parent.column()))) {
      violations.add(new Violation("/config/parent", "the parent's param and column come from the path; no validation field may "
          + "share their names"));
    }
    columns.ifPresent(existing -> {
      if (!"uuid".equals(existing.get(parent.column()))) {
        violations.add(new Violation("/config/parent/column", "the table needs a uuid column '" + parent.column() + "'"
            + (existing.containsKey(parent.column()) ? " (it is " + existing.get(parent.column()) + ")" : "")));
      }
    });
  }

  /** The column that holds a field: its name, or with camelCase field names its snake_case form. */
  private static String columnOf(boolean camel, String field) {
    return camel ? snake(field) : field;
  }

  /** {@code orgId} → {@code org_id}. */
  private static String snake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase();
  }

  /** {@code created_at} → {@code createdAt}. */
  private static String camelOf(String snake) {
    var out = new StringBuilder();
    boolean upper = false;
    for (char c : snake.toCharArray()) {
      if (c == '_') {
        upper = out.length() > 0;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }

  private static void checkColumns(ObjectOf fields, Map<String, String> existing, boolean camel, List<Violation> violations) {
    if (!"uuid".equals(existing.get("id"))) {
      violations.add(new Violation("/config/table", "the table needs a uuid primary key column 'id'"
          + (existing.containsKey("id") ? " (its id is " + existing.get("id") + ")" : "")));
    }
    for (Field field : fields.fields()) {
      String name = columnOf(camel, field.name());
      String column = existing.get(name);
      String wanted = sqlType(field.type());
      if (column == null) {
        violations.add(new Violation("/config/validation/" + field.name(), "the table has no column '" + name
            + "'; its columns are " + String.join(", ", existing.keySet().stream().sorted().toList())));
      } else if (!fitting(wanted).contains(column)) {
        violations.add(new Violation("/config/validation/" + field.name(), "the column '" + name + "' is "
            + column + ", which does not hold " + describe(field.type()) + " (it needs one of " + String.join(", ", fitting(wanted)) + ")"));
      }
    }
  }

  /**
   * The bundle's own tests: the happy path (create, get it back, list, change it, delete it,
   * miss it), validation failures, missing credentials and a role the operation does not admit.
   */
  private static List<TestCase> tests(String pattern, List<Field> fields, JsonNode permissions, Layout layout,
      Optional<Scoping> scoping, List<Filter> filters, List<Sort> sorts) {
    // nested: the cases work under one parent (a row of its table, when named); another parent must not see its rows
    String base = layout.parent().map(p -> pattern.replace(":" + p.param(), p.table().isPresent() ? "{{parent.id}}" : SAMPLE_PARENT))
        .orElse(pattern);
    Optional<String> reader = roleFor(permissions.get("read"));
    Optional<String> creator = roleFor(permissions.get("create"));
    Optional<String> updater = roleFor(permissions.get("update"));
    Optional<String> deleter = roleFor(permissions.get("delete"));
    ObjectNode sample = Json.MAPPER.createObjectNode();
    fields.forEach(field -> sample.set(field.name(), sampleOf(field.type())));
    List<String> shape = layout.shape();
    Field first = fields.getFirst();
    String created = "{{create succeeds.id}}";
    String missing = base + "/00000000-0000-4000-8000-000000000000";
    var tests = new ArrayList<TestCase>();
    tests.add(test("create succeeds", "POST", base, Optional.of(sample), creator, 201, shape));
    tests.add(test("get finds the created row", "GET", base + "/" + created, Optional.empty(), reader, 200, shape));
    tests.add(test("list returns rows", "GET", base + "?limit=5", Optional.empty(), reader, 200, shape));
    if (!filters.isEmpty()) {
      var query = new StringBuilder();
      for (Filter filter : filters) {
        JsonNode value = sampleOf(filter.field().type());
        String operand = switch (filter.operator()) {
          case "in" -> value.asText() + "," + value.asText();
          case "like" -> value.asText() + "%";
          default -> value.asText();
        };
        query.append('&').append(filter.parameter()).append('=').append(URLEncoder.encode(operand, StandardCharsets.UTF_8));
      }
      // the page may be empty (lt and gt exclude the sample row): the case checks the statement runs
      tests.add(test("list takes every filter at once", "GET", base + "?limit=5" + query, Optional.empty(), reader, 200, List.of()));
    }
    for (Sort sort : sorts.isEmpty() ? List.<Sort>of() : List.of(sorts.getFirst(), sorts.getLast())) {
      tests.add(test("list sorts by " + sort.parameter() + " from a cursor", "GET", base + "?limit=5&sort=" + sort.parameter()
          + "&cursor=" + created, Optional.empty(), reader, 200, List.of()));
    }
    ObjectNode change = Json.MAPPER.createObjectNode().set(first.name(), sampleOf(first.type()));
    tests.add(test("update changes a field", "PATCH", base + "/" + created, Optional.of(change), updater, 200, shape));
    tests.add(test("create refuses a body without its fields", "POST", base, Optional.of(Json.MAPPER.createObjectNode()),
        creator, requiredCount(fields) > 0 ? 400 : 201, List.of()));
    ObjectNode wrong = sample.deepCopy();
    wrong.set(first.name(), wrongOf(first.type()));
    tests.add(test("create refuses a wrongly typed field", "POST", base, Optional.of(wrong), creator, 400, List.of()));
    ObjectNode unknown = sample.deepCopy().put("unexpected_field", 1);
    tests.add(test("create refuses unknown fields", "POST", base, Optional.of(unknown), creator, 400, List.of()));
    tests.add(test("get of a missing id is 404", "GET", missing, Optional.empty(), reader, 404, List.of()));
    scoping.filter(scope -> scope.claim().equals("sub")).ifPresent(scope -> tests.add(test("another caller does not see the row", "GET",
        base + "/" + created, Optional.empty(), reader.map(r -> r + "#other"), 404, List.of())));
    scoping.filter(scope -> !scope.claim().equals("sub")).ifPresent(scope -> tests.add(new TestCase(
        "another tenant does not see the row", "GET", base + "/" + created, Optional.empty(), reader, Map.of(scope.claim(), "tenant-b"),
        404, List.of())));
    layout.parent().ifPresent(p -> tests.add(test("another parent does not see the row", "GET",
        pattern.replace(":" + p.param(), OTHER_PARENT) + "/" + created, Optional.empty(), reader, 404, List.of())));
    tests.add(test("update of a missing id is 404", "PATCH", missing, Optional.of(change), updater, 404, List.of()));
    if (!isPublic(permissions.get("create"))) {
      tests.add(test("create needs credentials", "POST", base, Optional.of(sample), Optional.empty(), 401, List.of()));
    }
    if (permissions.has("create") && !isPublic(permissions.get("create"))) {
      tests.add(test("create refuses a role it does not name", "POST", base, Optional.of(sample),
          Optional.of("not-a-role-of-this-org"), 403, List.of()));
    }
    tests.add(test("delete removes the row", "DELETE", base + "/" + created, Optional.empty(), deleter, 204, List.of()));
    tests.add(test("get after delete is 404", "GET", base + "/" + created, Optional.empty(), reader, 404, List.of()));
    // scoped by tenant: every caller but the other tenant's belongs to one
    scoping.filter(scope -> !scope.claim().equals("sub")).ifPresent(scope -> tests.replaceAll(c -> c.role().isEmpty() || !c.claims().isEmpty() ? c
        : new TestCase(c.name(), c.method(), c.path(), c.body(), c.role(), Map.of(scope.claim(), "tenant-a"), c.status(), c.fields())));
    return tests;
  }

  private static final String SAMPLE_PARENT = "123e4567-e89b-42d3-a456-426614174001";
  private static final String OTHER_PARENT = "123e4567-e89b-42d3-a456-426614174002";

  private static TestCase test(String name, String method, String path, Optional<? extends JsonNode> body,
      Optional<String> role, int status, List<String> fields) {
    return new TestCase(name, method, path, body.map(JsonNode.class::cast), role, Map.of(), status, fields);
  }

  /** A role the operation admits, for the tests' caller; empty when it is public. */
  private static Optional<String> roleFor(JsonNode roles) {
    if (isPublic(roles)) return Optional.empty();
    return Optional.of(roles == null ? "tester" : roles.get(0).asText());
  }

  private static boolean isPublic(JsonNode roles) {
    if (roles == null) return false;
    for (JsonNode role : roles) if (role.asText().equals("public")) return true;
    return false;
  }

  private static long requiredCount(List<Field> fields) {
    return fields.stream().filter(f -> !f.optional()).count();
  }

  /** A value the field accepts. */
  private static JsonNode sampleOf(FieldType type) {
    var nodes = Json.MAPPER.getNodeFactory();
    return switch (type) {
      case OneOf(List<String> values) -> nodes.textNode(values.getFirst());
      case Scalar(Kind kind, var min, var max) -> switch (kind) {
        case STRING -> nodes.textNode("s".repeat(Math.max(min.map(BigDecimal::intValue).orElse(0),
            Math.min(6, max.map(BigDecimal::intValue).orElse(6)))));
        case NUMBER, INTEGER -> nodes.numberNode(min.orElse(max.map(m -> m.min(BigDecimal.ONE)).orElse(BigDecimal.ONE)));
        case BOOLEAN -> nodes.booleanNode(true);
        case UUID -> nodes.textNode("123e4567-e89b-42d3-a456-426614174000");
        case EMAIL -> nodes.textNode("a".repeat(Math.max(1, min.map(BigDecimal::intValue).orElse(0) - 12)) + "@example.com");
        case URL -> nodes.textNode("https://example.com/" + "a".repeat(Math.max(0, min.map(BigDecimal::intValue).orElse(0) - 20)));
        case DATE -> nodes.textNode("2025-01-31");
        case DATETIME -> nodes.textNode("2025-01-31T12:00:00Z");
      };
      case ListOf(FieldType items, var min, var max) -> {
        ArrayNode list = Json.MAPPER.createArrayNode();
        for (int i = 0; i < Math.max(min.orElse(0), Math.min(1, max.orElse(1))); i++) list.add(sampleOf(items));
        yield list;
      }
      case ObjectOf(List<Field> fields) -> {
        ObjectNode object = Json.MAPPER.createObjectNode();
        fields.forEach(field -> object.set(field.name(), sampleOf(field.type())));
        yield object;
      }
    };
  }

  /** A value of the wrong JSON type for the field. */
  private static JsonNode wrongOf(FieldType type) {
    var nodes = Json.MAPPER.getNodeFactory();
    return type instanceof Scalar s && (s.kind() == Kind.NUMBER || s.kind() == Kind.INTEGER || s.kind() == Kind.BOOLEAN)
        ? nodes.textNode("not a " + s.kind().word()) : nodes.numberNode(12345);
  }

  /**
   * The orders ?sort= offers: the config's fields, or every field and the timestamps; each
   * ascending and descending. Names are spelled as the rows spell them ({@link Layout#json}):
   * {@code created_at}, or {@code createdAt} with camelCase field names.
   */
  private static List<Sort> sorts(JsonNode config, List<Field> fields, Layout layout, List<Violation> violations) {
    var names = new ArrayList<String>();
    if (config.isMissingNode()) {
      fields.stream().filter(field -> plain(field.type())).forEach(field -> names.add(field.name()));
      List.of("created_at", "updated_at").stream().filter(layout::has).forEach(column -> names.add(layout.json(column)));
    } else {
      config.forEach(name -> names.add(name.asText()));
    }
    var byName = fields.stream().collect(Collectors.toMap(Field::name, f -> f));
    var sorts = new ArrayList<Sort>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      Field field = byName.get(name);
      String column = field != null ? layout.column(name)
          : List.of("id", "created_at", "updated_at").stream().filter(c -> layout.json(c).equals(name) && layout.has(c)).findFirst().orElse(null);
      if (column == null) {
        violations.add(new Violation("/config/sort/" + i, "'" + name + "' is not a field of the resource (nor id, "
            + layout.json("created_at") + " or " + layout.json("updated_at") + ")"));
        continue;
      }
      if (field != null && !plain(field.type())) {
        violations.add(new Violation("/config/sort/" + i, "lists sort by scalar and enum fields only; '" + name + "' is a list or an object"));
        continue;
      }
      boolean nullable = field != null && field.optional();
      sorts.add(new Sort(column, name, false, nullable));
      sorts.add(new Sort(column, name, true, nullable));
    }
    return sorts;
  }

  /** One operator of the list on one field, and the query parameter that carries its operand. */
  private record Filter(Field field, String operator) {
    String parameter() {
      return operator.equals("eq") ? field.name() : field.name() + "_" + operator;
    }
  }

  /** The config's filters, or eq on every field; each operator must suit its field's type. */
  private static List<Filter> filters(JsonNode config, List<Field> fields, List<Violation> violations) {
    var filters = new ArrayList<Filter>();
    if (config.isMissingNode()) {
      fields.stream().filter(field -> plain(field.type())).forEach(field -> filters.add(new Filter(field, "eq")));
      return filters;
    }
    var byName = fields.stream().collect(Collectors.toMap(Field::name, f -> f));
    var parameters = new java.util.HashSet<>(List.of("limit", "cursor", "sort"));
    fields.forEach(field -> parameters.add(field.name()));
    for (var entry : config.properties()) {
      Field field = byName.get(entry.getKey());
      String at = "/config/filters/" + entry.getKey();
      if (field == null) {
        violations.add(new Violation(at, "no validation field is named '" + entry.getKey() + "'"));
        continue;
      }
      for (int i = 0; i < entry.getValue().size(); i++) {
        var filter = new Filter(field, entry.getValue().get(i).asText());
        Optional<String> unfit = unfit(filter);
        if (unfit.isPresent()) {
          violations.add(new Violation(at + "/" + i, unfit.get()));
        } else if (!filter.operator().equals("eq") && !parameters.add(filter.parameter())) {
          violations.add(new Violation(at + "/" + i, "its query parameter '" + filter.parameter() + "' is taken by a field"));
        } else {
          filters.add(filter);
        }
      }
    }
    return filters;
  }

  private static Optional<String> unfit(Filter filter) {
    Kind kind = filter.field().type() instanceof Scalar s ? s.kind() : null;
    if (!plain(filter.field().type())) return Optional.of("lists are filtered on scalar and enum fields only");
    return switch (filter.operator()) {
      case "lt", "gt" -> kind == Kind.NUMBER || kind == Kind.INTEGER || kind == Kind.DATE || kind == Kind.DATETIME
          ? Optional.empty() : Optional.of(filter.operator() + " compares numbers, dates and datetimes only");
      case "like" -> kind == Kind.STRING || kind == Kind.EMAIL || kind == Kind.URL
          ? Optional.empty() : Optional.of("like matches strings only");
      default -> Optional.empty();
    };
  }

  private static ObjectNode list(String resource, String base, Layout layout, List<Filter> filters, List<Sort> sorts, JsonNode auth) {
    ObjectNode spec = spec(resource + "-list", "GET", base, auth, "Lists " + resource + " in " + layout.order()
        + (layout.descending() ? " descending" : "") + " order" + (layout.order().equals("id") ? "" : " (id breaking ties)")
        + (filters.isEmpty() ? "" : ", filtered by " + String.join(", ", filters.stream().map(Filter::parameter).toList()))
        + (sorts.isEmpty() ? "." : "; ?sort= orders by " + String.join(", ", sorts.stream().map(Sort::parameter).toList()) + "."));
    ObjectNode input = spec.putObject("input");
    ObjectNode query = input.putObject("query");
    ObjectNode params = Json.MAPPER.createObjectNode();
    // each filter is an optional part: a filter the caller leaves out is not in the statement
    var where = new StringBuilder(layout.parent().map(p -> quoted(p.column()) + " = cast(:" + p.param() + " as uuid)").orElse("true"));
    layout.parent().ifPresent(p -> {
      input.putObject("params").set(p.param(), UUID_SCHEMA);
      params.put(p.param(), "${input.params." + p.param() + "}");
    });
    for (Filter filter : filters) {
      Field field = filter.field();
      String name = filter.parameter();
      String column = "r." + quoted(layout.column(field.name()));
      String cast = cast(name, field.type());
      query.set(name, switch (filter.operator()) {
        case "eq" -> FieldTypes.jsonSchema(field.type());
        case "lt", "gt" -> FieldTypes.jsonSchema(new Scalar(((Scalar) field.type()).kind(), Optional.empty(), Optional.empty()));
        default -> Json.parse("{\"type\": \"string\", \"minLength\": 1}");
      });
      where.append("\n  [[and ").append(switch (filter.operator()) {
        case "eq" -> column + " = " + cast;
        case "lt" -> column + " < " + cast;
        case "gt" -> column + " > " + cast;
        case "in" -> column + " = any(cast(string_to_array(cast(:" + name + " as text), ',') as " + sqlType(field.type()) + "[]))";
        default -> column + " like cast(:" + name + " as text)";
      }).append("]]");
      params.put(name, "${input.query." + name + "}");
    }
    query.set("limit", Json.parse("{\"type\": \"integer\", \"minimum\": 1, \"maximum\": 100, \"default\": 20}"));
    query.set("cursor", Json.parse("{\"type\": \"string\", \"format\": \"uuid\"}"));
    params.put("cursor", "${input.query.cursor}");
    params.put("limit", "${input.query.limit}");
    if (!sorts.isEmpty()) {
      ArrayNode options = query.putObject("sort").put("type", "string")
          .put("description", "the field to order by, - first for descending; id breaks ties").putArray("enum");
      sorts.forEach(sort -> options.add(sort.parameter()));
    }
    // one statement per order, so each reads in its own index order: the config's when ?sort= is absent
    var orders = new ArrayList<Sort>();
    orders.add(new Sort(layout.order(), layout.json(layout.order()), layout.descending(), layout.nullable(layout.order())));
    orders.addAll(sorts);
    for (int i = 0; i < orders.size(); i++) {
      Sort sort = orders.get(i);
      ObjectNode step = sqlStep(spec, "rows", "select " + layout.select() + " from " + layout.table() + " r\nwhere " + where
          + "\n  [[and " + after(sort, layout.table()) + "]]\norder by " + sort.orderBy() + "\nlimit :limit", params, "many");
      if (!sorts.isEmpty()) step.put("when", i == 0 ? "${!has(input.query.sort)}" : "${input.query.sort == '" + sort.parameter() + "'}");
    }
    spec.putObject("response").put("status", 200).put("body", "${steps.rows.rows}");
    return spec;
  }

  /**
   * One order of the list: by a column, id breaking ties.
   *
   * @param nullable whether the column may hold nulls, which sort after every value ascending (PostgreSQL's default)
   */
  private record Sort(String column, String field, boolean descending, boolean nullable) {
    String parameter() {
      return (descending ? "-" : "") + field;
    }

    String orderBy() {
      String direction = descending ? " desc" : " asc";
      return column.equals("id") ? "r.id" + direction : "r." + quoted(column) + direction + ", r.id" + direction;
    }
  }

  /** Keyset pagination: the rows after the cursor's row in the sort's order (a null sorts after every value). */
  private static String after(Sort sort, String table) {
    String before = sort.descending() ? "<" : ">";
    String cursor = "cast(:cursor as uuid)";
    if (sort.column().equals("id")) return "r.id " + before + " " + cursor;
    String mine = "r." + quoted(sort.column());
    String theirs = "c." + quoted(sort.column());
    if (!sort.nullable()) {
      return "(" + mine + ", r.id) " + before + " (select " + theirs + ", c.id from " + table + " c where c.id = " + cursor + ")";
    }
    String valued = "(" + mine + ", r.id) " + before + " (" + theirs + ", c.id)";
    String condition = sort.descending()
        ? "(" + theirs + " is null and (" + mine + " is not null or r.id < c.id)) or (" + mine + " is not null and " + valued + ")"
        : "(" + theirs + " is null and " + mine + " is null and r.id > c.id) or (" + theirs + " is not null and (" + mine
            + " is null or " + valued + "))";
    return "exists (select from " + table + " c where c.id = " + cursor + " and (" + condition + "))";
  }

  private static ObjectNode get(String resource, String base, Layout layout, JsonNode auth) {
    ObjectNode spec = spec(resource + "-get", "GET", base + "/:id", auth, "Gets one of " + resource + " by id; 404 when there is none.");
    idParam(spec, layout);
    sqlStep(spec, "row", "select " + layout.select() + " from " + layout.table() + " where id = cast(:id as uuid)" + layout.scope(),
        idParams(layout), "one");
    spec.putObject("response").put("status", 200).put("body", "${steps.row.row}");
    return spec;
  }

  private static ObjectNode create(String resource, String base, Layout layout, ObjectOf fields, JsonNode auth) {
    ObjectNode spec = spec(resource + "-create", "POST", base, auth, "Creates one of " + resource + "; 201 with its Location.");
    ObjectNode input = spec.putObject("input");
    input.set("body", FieldTypes.jsonSchema(fields));
    ObjectNode params = Json.MAPPER.createObjectNode();
    var names = new ArrayList<String>();
    var values = new ArrayList<String>();
    layout.parent().ifPresent(p -> {
      input.putObject("params").set(p.param(), UUID_SCHEMA);
      names.add(quoted(p.column()));
      values.add("cast(:" + p.param() + " as uuid)");
      params.put(p.param(), "${input.params." + p.param() + "}");
    });
    for (Field field : fields.fields()) {
      names.add(quoted(layout.column(field.name())));
      values.add(cast(field.name(), field.type()));
      params.put(field.name(), "${input.body." + field.name() + "}");
    }
    sqlStep(spec, "created", "insert into " + layout.table() + " (" + String.join(", ", names) + ") values (" + String.join(", ", values)
        + ") returning " + layout.select(), params, "one");
    ObjectNode response = spec.putObject("response").put("status", 201);
    String location = layout.parent().map(p -> base.replace(":" + p.param(), "${input.params." + p.param() + "}")).orElse(base);
    response.putObject("headers").put("Location", location + "/${steps.created.row.id}");
    response.put("body", "${steps.created.row}");
    return spec;
  }

  private static ObjectNode update(String resource, String base, Layout layout, List<Field> fields, JsonNode auth) {
    ObjectNode spec = spec(resource + "-update", "PATCH", base + "/:id", auth,
        "Changes the given fields of one of " + resource + "; fields left out keep their value.");
    ObjectNode input = idParam(spec, layout);
    var optional = fields.stream().map(f -> new Field(f.name(), f.type(), true)).toList();
    ObjectNode body = FieldTypes.jsonSchema(new ObjectOf(optional));
    body.put("minProperties", 1);
    input.set("body", body);
    ObjectNode params = idParams(layout);
    var sets = new ArrayList<String>();
    for (Field field : fields) {
      String column = quoted(layout.column(field.name()));
      sets.add(column + " = coalesce(" + cast(field.name(), field.type()) + ", " + column + ")");
      params.put(field.name(), "${input.body." + field.name() + "}");
    }
    if (layout.has("updated_at")) sets.add("updated_at = now()");
    sqlStep(spec, "updated", "update " + layout.table() + " set " + String.join(", ", sets)
        + " where id = cast(:id as uuid)" + layout.scope() + " returning " + layout.select(), params, "one");
    spec.putObject("response").put("status", 200).put("body", "${steps.updated.row}");
    return spec;
  }

  private static ObjectNode delete(String resource, String base, Layout layout, JsonNode auth) {
    ObjectNode spec = spec(resource + "-delete", "DELETE", base + "/:id", auth, "Deletes one of " + resource + "; 204, or 404 when there is none.");
    idParam(spec, layout);
    sqlStep(spec, "deleted", "delete from " + layout.table() + " where id = cast(:id as uuid)" + layout.scope() + " returning id",
        idParams(layout), "one");
    spec.putObject("response").put("status", 204);
    return spec;
  }

  private static ObjectNode spec(String name, String method, String path, JsonNode auth, String description) {
    ObjectNode spec = Json.MAPPER.createObjectNode();
    spec.put("name", name).put("method", method).put("path", path).put("description", description);
    spec.set("auth", auth);
    return spec;
  }

  private static final JsonNode UUID_SCHEMA = Json.parse("{\"type\": \"string\", \"format\": \"uuid\"}");

  /** The id path parameter, and the parent's when nested. */
  private static ObjectNode idParam(ObjectNode spec, Layout layout) {
    ObjectNode input = spec.putObject("input");
    ObjectNode params = input.putObject("params");
    layout.parent().ifPresent(p -> params.set(p.param(), UUID_SCHEMA));
    params.set("id", UUID_SCHEMA);
    return input;
  }

  private static ObjectNode idParams(Layout layout) {
    ObjectNode params = Json.MAPPER.createObjectNode().put("id", "${input.params.id}");
    layout.parent().ifPresent(p -> params.put(p.param(), "${input.params." + p.param() + "}"));
    return params;
  }

  private static ObjectNode sqlStep(ObjectNode spec, String id, String sql, ObjectNode params, String expect) {
    ArrayNode steps = spec.has("steps") ? (ArrayNode) spec.get("steps") : spec.putArray("steps");
    ObjectNode step = steps.addObject().put("id", id).put("sql", sql).put("expect", expect);
    step.set("params", params);
    return step;
  }

  private static JsonNode authOf(String mode, JsonNode roles) {
    if (roles == null) return Json.MAPPER.getNodeFactory().textNode(mode);
    var names = new ArrayList<String>();
    roles.forEach(role -> names.add(role.asText()));
    if (names.contains("public")) return Json.MAPPER.getNodeFactory().textNode("public");
    ObjectNode auth = Json.MAPPER.createObjectNode().put("mode", mode);
    names.forEach(auth.putArray("roles")::add);
    return auth;
  }

  private static String migration(String qualified, List<Field> fields, Layout layout, Optional<Scoping> scoping, String login) {
    String table = quoted(qualified);
    String schema = quoted(qualified.substring(0, qualified.indexOf('.')));
    var sql = new StringBuilder();
    sql.append("create schema if not exists ").append(schema).append(";\n");
    sql.append("create table ").append(table).append(" (\n  id uuid primary key default gen_random_uuid(),\n");
    layout.parent().ifPresent(p -> sql.append("  ").append(quoted(p.column())).append(" uuid not null")
        .append(p.table().map(parent -> " references " + quoted(parent) + " (id) on delete cascade").orElse("")).append(",\n"));
    scoping.ifPresent(scope -> sql.append("  ").append(quoted(scope.column())).append(" text not null default (").append(scope.value())
        .append("),\n"));
    for (Field field : fields) {
      sql.append("  ").append(quoted(layout.column(field.name()))).append(' ').append(sqlType(field.type()));
      if (!field.optional()) sql.append(" not null");
      check(layout.column(field.name()), field).ifPresent(check -> sql.append(" check (").append(check).append(')'));
      sql.append(",\n");
    }
    sql.append("  created_at timestamptz not null default now(),\n  updated_at timestamptz not null default now()\n);\n");
    for (Field field : fields) {
      if (field.type() instanceof OneOf || (field.type() instanceof Scalar s && s.kind() != Kind.STRING)) {
        String column = layout.column(field.name());
        String index = qualified.substring(qualified.indexOf('.') + 1) + "_" + column;
        sql.append("create index ").append(quoted(index)).append(" on ").append(table).append(" (").append(quoted(column)).append(");\n");
      }
    }
    layout.parent().ifPresent(p -> {
      String index = qualified.substring(qualified.indexOf('.') + 1) + "_" + p.column();
      sql.append("create index ").append(quoted(index)).append(" on ").append(table).append(" (").append(quoted(p.column()))
          .append(", id);\n");
    });
    scoping.ifPresent(scope -> {
      // every statement is checked against the caller's claim: one index finds a caller's rows
      String index = qualified.substring(qualified.indexOf('.') + 1) + "_" + scope.column();
      sql.append("create index ").append(quoted(index)).append(" on ").append(table).append(" (").append(quoted(scope.column()))
          .append(");\n");
    });
    if (!layout.order().equals("id")) {
      // lists read in this order, id breaking ties: one index serves the order and the cursor
      String index = qualified.substring(qualified.indexOf('.') + 1) + "_by_" + layout.order();
      sql.append("create index ").append(quoted(index)).append(" on ").append(table).append(" (").append(quoted(layout.order()))
          .append(", id);\n");
    }
    // the org's login alone may use the table: other orgs' SQL cannot reach it
    sql.append("grant usage on schema ").append(schema).append(" to ").append(quoted(login)).append(";\n")
        .append("grant select, insert, update, delete on ").append(table).append(" to ").append(quoted(login)).append(";\n");
    return sql.toString();
  }

  private static Optional<String> check(String name, Field field) {
    String column = quoted(name);
    return switch (field.type()) {
      case OneOf(List<String> values) -> Optional.of(column + " in (" + values.stream().map(CrudTemplate::literal)
          .collect(Collectors.joining(", ")) + ")");
      case Scalar(Kind kind, var min, var max) when min.isPresent() || max.isPresent() -> {
        String measured = kind.lengthBounds ? "char_length(" + column + ")" : column;
        var parts = new ArrayList<String>();
        min.ifPresent(m -> parts.add(measured + " >= " + m.toPlainString()));
        max.ifPresent(m -> parts.add(measured + " <= " + m.toPlainString()));
        yield Optional.of(String.join(" and ", parts));
      }
      case ListOf(FieldType items, var min, var max) when plain(items) && (min.isPresent() || max.isPresent()) -> {
        var parts = new ArrayList<String>();
        min.ifPresent(m -> parts.add("cardinality(" + column + ") >= " + m));
        max.ifPresent(m -> parts.add("cardinality(" + column + ") <= " + m));
        yield Optional.of(String.join(" and ", parts));
      }
      default -> Optional.empty();
    };
  }

  /** Whether a field is one value (a scalar or an enum), which lists can filter and sort by. */
  private static boolean plain(FieldType type) {
    return type instanceof Scalar || type instanceof OneOf;
  }

  /** The column type a field is stored as: a list of plain values as an array of theirs, other lists and objects as jsonb. */
  private static String sqlType(FieldType type) {
    return switch (type) {
      case ListOf(FieldType items, var min, var max) when plain(items) -> sqlType(items) + "[]";
      case ListOf l -> "jsonb";
      case ObjectOf o -> "jsonb";
      case OneOf o -> "text";
      case Scalar(Kind kind, var min, var max) -> switch (kind) {
        case STRING, EMAIL, URL -> "text";
        case NUMBER -> "double precision";
        case INTEGER -> "bigint";
        case BOOLEAN -> "boolean";
        case UUID -> "uuid";
        case DATE -> "date";
        case DATETIME -> "timestamptz";
      };
    };
  }

  private static String cast(String name, FieldType type) {
    return "cast(:" + name + " as " + sqlType(type) + ")";
  }

  private static String describe(FieldType type) {
    return switch (type) {
      case Scalar s -> s.kind().word() + " values";
      case OneOf o -> "enum values";
      case ListOf l when plain(l.items()) -> "lists of " + describe(l.items());
      default -> "JSON";
    };
  }

  private static String quoted(String identifier) {
    return java.util.Arrays.stream(identifier.split("\\.")).map(part -> '"' + part.replace("\"", "\"\"") + '"')
        .collect(Collectors.joining("."));
  }

  private static String literal(String text) {
    return "'" + text.replace("'", "''") + "'";
  }

  private static String explanation(String base, JsonNode config, List<Filter> filters, List<Sort> sorts, boolean newTable) {
    return "Five endpoints over " + config.get("table").asText() + ": GET " + base + " lists rows in " + config.path("orderBy").asText("id")
        + " order (" + (filters.isEmpty() ? "no filters" : "filters " + filters.stream().map(Filter::parameter).collect(Collectors.joining(", ")))
        + (sorts.isEmpty() ? "" : "; ?sort= one of " + sorts.stream().map(Sort::parameter).collect(Collectors.joining(", ")))
        + "; limit 1-100, default 20; cursor = the last id seen; a filter left out is not in the SQL at all), "
        + "GET " + base + "/:id gets one (404 when missing), POST " + base + " creates one (201 with Location), PATCH "
        + base + "/:id changes the fields sent, DELETE " + base + "/:id deletes one (204). Bodies are checked against the "
        + "validation fields (unknown fields refused); each operation admits the roles its permission names, "
        + "through " + config.path("auth").asText("apiKey") + " callers. "
        + (newTable ? "The table does not exist: the migration creates it with a uuid id, the fields' columns and checks, "
            + "created_at and updated_at, and grants it to this org's database login alone; it is applied before the drafts are saved, "
            + "because they are checked against it."
            : "The table exists and its columns fit the fields; no migration is needed.")
        + " The specs are saved as drafts; deploy them to serve them.";
  }
}
