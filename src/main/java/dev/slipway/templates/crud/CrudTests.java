package dev.slipway.templates.crud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.spec.TestCase;
import dev.slipway.templates.FieldType.Field;
import dev.slipway.templates.SampleValues;
import dev.slipway.templates.crud.ListOptions.Filter;
import dev.slipway.templates.crud.ListOptions.Sort;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The bundle's own tests: the happy path (create, get it back, list, change it, delete it, miss
 * it), validation failures, missing credentials, a role the operation does not admit, and another
 * caller, tenant or parent that must not see the row.
 */
final class CrudTests {
  private CrudTests() {}

  static final String SAMPLE_PARENT = "123e4567-e89b-42d3-a456-426614174001";
  static final String OTHER_PARENT = "123e4567-e89b-42d3-a456-426614174002";
  private static final String CREATED = "{{create succeeds.id}}";

  static List<TestCase> of(CrudSpecs.Resource resource, List<Filter> filters, List<Sort> sorts) {
    CrudConfig config = resource.config();
    RowLayout layout = resource.layout();
    List<Field> fields = resource.fields();
    // nested: the cases work under one parent (a row of its table, when named); another parent must
    // not see its rows
    String base =
        layout
            .parent()
            .map(
                p ->
                    config
                        .path()
                        .replace(
                            ":" + p.param(),
                            p.table().isPresent() ? "{{parent.id}}" : SAMPLE_PARENT))
            .orElse(config.path());
    Optional<String> reader = roleFor(config, "read");
    Optional<String> creator = roleFor(config, "create");
    Optional<String> updater = roleFor(config, "update");
    Optional<String> deleter = roleFor(config, "delete");
    ObjectNode sample = SampleValues.object(fields);
    List<String> shape = layout.shape();
    Field first = fields.getFirst();
    String missing = base + "/00000000-0000-4000-8000-000000000000";
    var tests = new ArrayList<TestCase>();
    tests.add(test("create succeeds", "POST", base, Optional.of(sample), creator, 201, shape));
    tests.add(
        test(
            "get finds the created row",
            "GET",
            base + "/" + CREATED,
            Optional.empty(),
            reader,
            200,
            shape));
    tests.add(
        test("list returns rows", "GET", base + "?limit=5", Optional.empty(), reader, 200, shape));
    if (!filters.isEmpty()) {
      // the page may be empty (lt and gt exclude the sample row): the case checks the statement
      // runs
      tests.add(
          test(
              "list takes every filter at once",
              "GET",
              base + "?limit=5" + filterQuery(filters),
              Optional.empty(),
              reader,
              200,
              List.of()));
    }
    for (Sort sort :
        sorts.isEmpty() ? List.<Sort>of() : List.of(sorts.getFirst(), sorts.getLast())) {
      tests.add(
          test(
              "list sorts by " + sort.parameter() + " from a cursor",
              "GET",
              base + "?limit=5&sort=" + sort.parameter() + "&cursor=" + CREATED,
              Optional.empty(),
              reader,
              200,
              List.of()));
    }
    ObjectNode change =
        Json.MAPPER.createObjectNode().set(first.name(), SampleValues.valid(first.type()));
    tests.add(
        test(
            "update changes a field",
            "PATCH",
            base + "/" + CREATED,
            Optional.of(change),
            updater,
            200,
            shape));
    boolean anyRequired = fields.stream().anyMatch(f -> !f.optional());
    tests.add(
        test(
            "create refuses a body without its fields",
            "POST",
            base,
            Optional.of(Json.MAPPER.createObjectNode()),
            creator,
            anyRequired ? 400 : 201,
            List.of()));
    ObjectNode wrong = sample.deepCopy();
    wrong.set(first.name(), SampleValues.wrong(first.type()));
    tests.add(
        test(
            "create refuses a wrongly typed field",
            "POST",
            base,
            Optional.of(wrong),
            creator,
            400,
            List.of()));
    ObjectNode unknown = sample.deepCopy().put("unexpected_field", 1);
    tests.add(
        test(
            "create refuses unknown fields",
            "POST",
            base,
            Optional.of(unknown),
            creator,
            400,
            List.of()));
    tests.add(
        test(
            "get of a missing id is 404",
            "GET",
            missing,
            Optional.empty(),
            reader,
            404,
            List.of()));
    config
        .scoping()
        .ifPresent(
            scope ->
                tests.add(
                    scope.byCaller()
                        ? test(
                            "another caller does not see the row",
                            "GET",
                            base + "/" + CREATED,
                            Optional.empty(),
                            reader.map(r -> r + "#other"),
                            404,
                            List.of())
                        : new TestCase(
                            "another tenant does not see the row",
                            "GET",
                            base + "/" + CREATED,
                            Optional.empty(),
                            reader,
                            Map.of(scope.claim(), "tenant-b"),
                            404,
                            List.of())));
    layout
        .parent()
        .ifPresent(
            p ->
                tests.add(
                    test(
                        "another parent does not see the row",
                        "GET",
                        config.path().replace(":" + p.param(), OTHER_PARENT) + "/" + CREATED,
                        Optional.empty(),
                        reader,
                        404,
                        List.of())));
    tests.add(
        test(
            "update of a missing id is 404",
            "PATCH",
            missing,
            Optional.of(change),
            updater,
            404,
            List.of()));
    if (!config.isPublic("create")) {
      tests.add(
          test(
              "create needs credentials",
              "POST",
              base,
              Optional.of(sample),
              Optional.empty(),
              401,
              List.of()));
      if (config.roles("create").isPresent()) {
        tests.add(
            test(
                "create refuses a role it does not name",
                "POST",
                base,
                Optional.of(sample),
                Optional.of("not-a-role-of-this-org"),
                403,
                List.of()));
      }
    }
    tests.add(
        test(
            "delete removes the row",
            "DELETE",
            base + "/" + CREATED,
            Optional.empty(),
            deleter,
            204,
            List.of()));
    tests.add(
        test(
            "get after delete is 404",
            "GET",
            base + "/" + CREATED,
            Optional.empty(),
            reader,
            404,
            List.of()));
    // scoped by tenant: every caller but the other tenant's belongs to one
    config
        .scoping()
        .filter(scope -> !scope.byCaller())
        .ifPresent(
            scope ->
                tests.replaceAll(
                    c ->
                        c.role().isEmpty() || !c.claims().isEmpty()
                            ? c
                            : new TestCase(
                                c.name(),
                                c.method(),
                                c.path(),
                                c.body(),
                                c.role(),
                                Map.of(scope.claim(), "tenant-a"),
                                c.status(),
                                c.fields())));
    return tests;
  }

  /** Every filter at once, each with an operand its field accepts. */
  private static String filterQuery(List<Filter> filters) {
    var query = new StringBuilder();
    for (Filter filter : filters) {
      JsonNode value = SampleValues.valid(filter.field().type());
      String operand =
          switch (filter.operator()) {
            case "in" -> value.asText() + "," + value.asText();
            case "like" -> value.asText() + "%";
            default -> value.asText();
          };
      query
          .append('&')
          .append(filter.parameter())
          .append('=')
          .append(URLEncoder.encode(operand, StandardCharsets.UTF_8));
    }
    return query.toString();
  }

  private static TestCase test(
      String name,
      String method,
      String path,
      Optional<? extends JsonNode> body,
      Optional<String> role,
      int status,
      List<String> fields) {
    return new TestCase(
        name, method, path, body.map(JsonNode.class::cast), role, Map.of(), status, fields);
  }

  /** A role the operation admits, for the tests' caller; empty when it is public. */
  private static Optional<String> roleFor(CrudConfig config, String operation) {
    if (config.isPublic(operation)) return Optional.empty();
    return Optional.of(config.roles(operation).map(List::getFirst).orElse("tester"));
  }
}
