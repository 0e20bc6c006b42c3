package dev.slipway.templates;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random crud-endpoint configs against a real server: every valid one generates, migrates a fresh
 * table, saves its drafts, passes all of its own tests and deploys; every broken one is a 422,
 * never a 5xx.
 */
class CrudPropertiesTest {

  private static TestDatabase database;
  private static TestSlipway slipway;
  private static final AtomicInteger RESOURCES = new AtomicInteger();

  @BeforeContainer
  static void start() throws Exception {
    database = new TestDatabase();
    slipway = TestSlipway.start(database);
  }

  @AfterContainer
  static void stop() {
    if (slipway != null) slipway.close();
    if (database != null) database.close();
  }

  @Property(tries = 25)
  void every_valid_config_makes_endpoints_that_pass_their_own_tests(
      @ForAll("validations") Map<String, Object> validation,
      @ForAll("permissions") Map<String, List<String>> permissions,
      @ForAll boolean camelCase,
      @ForAll("orders") String orderBy,
      @ForAll boolean nested,
      @ForAll boolean owned,
      @ForAll long choices) {
    int n = RESOURCES.incrementAndGet();
    ObjectNode request =
        Json.MAPPER.createObjectNode().put("template", "crud-endpoint").put("deploy", true);
    ObjectNode config =
        request
            .putObject("config")
            .put("resource", "things" + n)
            .put("table", "prop_" + n + ".items");
    config.set("validation", Json.MAPPER.valueToTree(validation));
    if (camelCase) config.put("fieldNames", "camelCase");
    if (nested) {
      ObjectNode parent =
          config
              .putObject("parent")
              .put("resource", "groups")
              .put("param", "groupId")
              .put("column", "group_id");
      if ((choices & 2) == 0)
        parent.put(
            "table",
            "app.teams"); // a real parent table: a foreign key, the tests under one of its rows
    }
    config.put("orderBy", orderBy);
    if (owned) {
      // rows that belong to their callers cannot be public
      config.put("scope", "owner");
      permissions.replaceAll(
          (operation, roles) -> roles.contains("public") ? List.of("member") : roles);
    }
    if (!permissions.isEmpty()) config.set("permissions", Json.MAPPER.valueToTree(permissions));
    // half the time, the list's filters and sort orders are chosen: some operators and sorts per
    // plain field
    var random = new Random(choices);
    if (random.nextBoolean()) {
      ObjectNode filters = config.putObject("filters");
      ArrayNode sorts = config.putArray("sort");
      validation.forEach(
          (field, type) -> {
            if (!(type instanceof String text) || text.contains("[]")) return;
            List<String> fitting = new ArrayList<>(List.of("eq", "in"));
            if (text.matches("(integer|number|date|datetime)\\b.*"))
              fitting.addAll(List.of("lt", "gt"));
            if (text.matches("(string|email|url)\\b.*")) fitting.add("like");
            Collections.shuffle(fitting, random);
            fitting
                .subList(0, random.nextInt(fitting.size() + 1))
                .forEach(filters.putArray(field)::add);
            if (filters.get(field).isEmpty()) filters.remove(field);
            if (random.nextBoolean()) sorts.add(field);
          });
    }

    Reply reply =
        slipway.control("POST", "/api/create-endpoint", request.toString(), "application/json");
    assertThat(reply.status()).as(request + " -> " + reply).isEqualTo(201);
    assertThat(reply.json().path("testResults").findValuesAsText("detail"))
        .as(request + " -> " + reply.json().path("testResults"))
        .containsOnly("ok");
    assertThat(reply.json().path("release").path("live").asBoolean()).isTrue();
  }

  @Property(tries = 40)
  void a_broken_config_is_always_a_422(@ForAll("brokenConfigs") JsonNode config) {
    ObjectNode request = Json.MAPPER.createObjectNode().put("template", "crud-endpoint");
    request.set("config", config);
    Reply reply =
        slipway.control("POST", "/api/create-endpoint", request.toString(), "application/json");
    assertThat(reply.status()).as(request + " -> " + reply).isEqualTo(422);
    assertThat(reply.errorPaths())
        .as(reply.toString())
        .isNotEmpty()
        .allMatch(path -> path.startsWith("/config"));
  }

  @Provide
  Arbitrary<String> orders() {
    return Arbitraries.of("id", "-id", "created_at", "-created_at", "-updated_at");
  }

  @Provide
  Arbitrary<Map<String, Object>> validations() {
    Arbitrary<String> words =
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(6);
    Arbitrary<String> names =
        Combinators.combine(words, words, Arbitraries.of(true, false))
            .as(
                (first, second, two) ->
                    two
                        ? first + Character.toUpperCase(second.charAt(0)) + second.substring(1)
                        : first)
            .filter(
                name ->
                    !List.of("id", "limit", "cursor", "sort", "groupId", "group", "owner")
                        .contains(name));
    // a field is a type, a list of one, or (rarely) a nested object of a few
    Arbitrary<Object> lists =
        Combinators.combine(types(), Arbitraries.of("[]", "[](1..3)", "[](..2)"))
            .as(
                (type, list) ->
                    type.endsWith("?")
                        ? type.substring(0, type.length() - 1) + list + "?"
                        : type + list);
    Arbitrary<Object> objects =
        Arbitraries.maps(words.filter(w -> !w.equals("id")), types())
            .ofMinSize(1)
            .ofMaxSize(3)
            .map(LinkedHashMap<String, Object>::new);
    Arbitrary<Object> fields =
        Arbitraries.frequencyOf(
            Tuple.of(8, types().map(t -> (Object) t)), Tuple.of(2, lists), Tuple.of(1, objects));
    return Arbitraries.maps(names, fields).ofMinSize(1).ofMaxSize(6).map(LinkedHashMap::new);
  }

  private static Arbitrary<String> types() {
    Arbitrary<String> base =
        Arbitraries.oneOf(
            Combinators.combine(
                    Arbitraries.integers().between(0, 5),
                    Arbitraries.integers().between(0, 40),
                    Arbitraries.of(true, false))
                .as(
                    (min, extra, bounded) ->
                        bounded ? "string(" + min + ".." + (min + extra) + ")" : "string"),
            Combinators.combine(
                    Arbitraries.integers().between(-100, 100),
                    Arbitraries.integers().between(0, 1000),
                    Arbitraries.of(true, false))
                .as(
                    (min, extra, bounded) ->
                        bounded ? "integer(" + min + ".." + (min + extra) + ")" : "integer"),
            Arbitraries.of(
                "number",
                "number(0.5..)",
                "number(..-2.25)",
                "boolean",
                "uuid",
                "email",
                "email(..254)",
                "url",
                "date",
                "datetime"),
            Arbitraries.strings()
                .withCharRange('a', 'z')
                .ofMinLength(1)
                .ofMaxLength(6)
                .set()
                .ofMinSize(1)
                .ofMaxSize(4)
                .map(
                    values ->
                        "enum("
                            + String.join(",", values.stream().map(v -> "'" + v + "'").toList())
                            + ")"));
    return Combinators.combine(base, Arbitraries.of("", "?"))
        .as((type, optional) -> type + optional);
  }

  @Provide
  Arbitrary<Map<String, List<String>>> permissions() {
    Arbitrary<List<String>> roles =
        Arbitraries.oneOf(
            Arbitraries.just(List.of("public")),
            Arbitraries.of("member", "admin", "owner", "editor")
                .set()
                .ofMinSize(1)
                .ofMaxSize(2)
                .map(ArrayList::new));
    return Arbitraries.maps(Arbitraries.of("read", "create", "update", "delete"), roles)
        .ofMaxSize(4);
  }

  @Provide
  Arbitrary<JsonNode> brokenConfigs() {
    return Arbitraries.of(
            "{}",
            "[]",
            "{\"resource\": \"ok\", \"table\": \"a.b\"}",
            "{\"resource\": \"Bad\", \"table\": \"a.b\", \"validation\": {\"x\": \"string\"}}",
            "{\"resource\": \"ok\", \"table\": \"nodot\", \"validation\": {\"x\": \"string\"}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": \"strin\"}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": \"string(9..1)\"}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": \"string[]\"}, \"filters\": {\"x\": [\"eq\"]}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": {\"y\": \"string\"}}, \"sort\": [\"x\"]}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": \"string\"}, \"sort\": [\"y\"]}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": \"string\"}, \"filters\": {\"x\": [\"lt\"]}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": \"string\"}, \"filters\": {\"y\": [\"eq\"]}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"sort\": \"string\"}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"id\": \"uuid\"}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"limit\": \"integer\"}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": 7}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": \"enum('a'\"}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": \"string\"}, \"permissions\": {\"read\": []}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": \"string\"}, \"permissions\": {\"list\": [\"a\"]}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": \"string\"}, \"auth\": \"basic\"}",
            "{\"resource\": \"ok\", \"table\": \"app.projects\", \"validation\": {\"nope\": \"string\"}}",
            "{\"resource\": \"ok\", \"table\": \"app.projects\", \"validation\": {\"name\": \"integer\"}}",
            "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": \"string\"}, \"extra\": 1}")
        .map(Json::parse);
  }
}
