package dev.slipway.templates;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.spec.Json;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
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
  void every_valid_config_makes_endpoints_that_pass_their_own_tests(@ForAll("validations") Map<String, String> validation,
      @ForAll("permissions") Map<String, List<String>> permissions, @ForAll boolean camelCase,
      @ForAll("orders") String orderBy, @ForAll boolean nested, @ForAll boolean owned) {
    int n = RESOURCES.incrementAndGet();
    ObjectNode request = Json.MAPPER.createObjectNode().put("template", "crud-endpoint").put("deploy", true);
    ObjectNode config = request.putObject("config").put("resource", "things" + n).put("table", "prop_" + n + ".items");
    config.set("validation", Json.MAPPER.valueToTree(validation));
    if (camelCase) config.put("fieldNames", "camelCase");
    if (nested) config.putObject("parent").put("resource", "groups").put("param", "groupId").put("column", "group_id");
    config.put("orderBy", orderBy);
    if (owned) {
      // rows that belong to their callers cannot be public
      config.put("scope", "owner");
      permissions.replaceAll((operation, roles) -> roles.contains("public") ? List.of("member") : roles);
    }
    if (!permissions.isEmpty()) config.set("permissions", Json.MAPPER.valueToTree(permissions));

    Reply reply = slipway.control("POST", "/api/create-endpoint", request.toString(), "application/json");
    assertThat(reply.status()).as(request + " -> " + reply).isEqualTo(201);
    assertThat(reply.json().path("testResults").findValuesAsText("detail")).as(request + " -> " + reply.json().path("testResults"))
        .containsOnly("ok");
    assertThat(reply.json().path("release").path("live").asBoolean()).isTrue();
  }

  @Property(tries = 40)
  void a_broken_config_is_always_a_422(@ForAll("brokenConfigs") JsonNode config) {
    ObjectNode request = Json.MAPPER.createObjectNode().put("template", "crud-endpoint");
    request.set("config", config);
    Reply reply = slipway.control("POST", "/api/create-endpoint", request.toString(), "application/json");
    assertThat(reply.status()).as(request + " -> " + reply).isEqualTo(422);
    assertThat(reply.errorPaths()).as(reply.toString()).isNotEmpty().allMatch(path -> path.startsWith("/config"));
  }

  @Provide
  Arbitrary<String> orders() {
    return Arbitraries.of("id", "-id", "created_at", "-created_at", "-updated_at");
  }

  @Provide
  Arbitrary<Map<String, String>> validations() {
    Arbitrary<String> words = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(6);
    Arbitrary<String> names = Combinators.combine(words, words, Arbitraries.of(true, false))
        .as((first, second, two) -> two ? first + Character.toUpperCase(second.charAt(0)) + second.substring(1) : first)
        .filter(name -> !List.of("id", "limit", "cursor", "groupId", "group", "owner").contains(name));
    return Arbitraries.maps(names, types()).ofMinSize(1).ofMaxSize(6).map(LinkedHashMap::new);
  }

  private static Arbitrary<String> types() {
    Arbitrary<String> base = Arbitraries.oneOf(
        Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 40), Arbitraries.of(true, false))
            .as((min, extra, bounded) -> bounded ? "string(" + min + ".." + (min + extra) + ")" : "string"),
        Combinators.combine(Arbitraries.integers().between(-100, 100), Arbitraries.integers().between(0, 1000), Arbitraries.of(true, false))
            .as((min, extra, bounded) -> bounded ? "integer(" + min + ".." + (min + extra) + ")" : "integer"),
        Arbitraries.of("number", "number(0.5..)", "number(..-2.25)", "boolean", "uuid", "email", "email(..254)", "url", "date", "datetime"),
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(6).set().ofMinSize(1).ofMaxSize(4)
            .map(values -> "enum(" + String.join(",", values.stream().map(v -> "'" + v + "'").toList()) + ")"));
    return Combinators.combine(base, Arbitraries.of("", "?")).as((type, optional) -> type + optional);
  }

  @Provide
  Arbitrary<Map<String, List<String>>> permissions() {
    Arbitrary<List<String>> roles = Arbitraries.oneOf(Arbitraries.just(List.of("public")),
        Arbitraries.of("member", "admin", "owner", "editor").set().ofMinSize(1).ofMaxSize(2).map(ArrayList::new));
    return Arbitraries.maps(Arbitraries.of("read", "create", "update", "delete"), roles).ofMaxSize(4);
  }

  @Provide
  Arbitrary<JsonNode> brokenConfigs() {
    return Arbitraries.of(
        "{}", "[]", "{\"resource\": \"ok\", \"table\": \"a.b\"}",
        "{\"resource\": \"Bad\", \"table\": \"a.b\", \"validation\": {\"x\": \"string\"}}",
        "{\"resource\": \"ok\", \"table\": \"nodot\", \"validation\": {\"x\": \"string\"}}",
        "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {}}",
        "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": \"strin\"}}",
        "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": \"string(9..1)\"}}",
        "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": \"string[]\"}}",
        "{\"resource\": \"ok\", \"table\": \"a.b\", \"validation\": {\"x\": {\"y\": \"string\"}}}",
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
