package dev.slipway.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 document of a set of endpoint specs: one operation per spec, with its path, query
 * and header parameters, request body and response schemas as the specs declare them, the
 * problem+json errors it can answer (only those: 401 only with auth, 404 only with an {@code
 * expect: one} step, 409 only with SQL that writes, 429 only with a rate limit), and its security
 * (consumer key or bearer JWT). Built when a release goes live or a template generates, never per
 * request.
 */
public final class OpenApi {

  private static final JsonNode PROBLEM =
      Json.parse(
          """
      {"type": "object", "required": ["type", "title", "status", "code"],
       "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                      "code": {"type": "string"}, "detail": {"type": "string"}, "instance": {"type": "string"},
                      "requestId": {"type": "string"},
                      "errors": {"type": "array", "items": {"type": "object",
                                 "properties": {"path": {"type": "string"}, "message": {"type": "string"}}}}}}""");

  private OpenApi() {}

  public static ObjectNode document(String title, String version, List<EndpointSpec> specs) {
    ObjectNode document = Json.MAPPER.createObjectNode().put("openapi", "3.1.0");
    document.putObject("info").put("title", title).put("version", version);
    ObjectNode paths = document.putObject("paths");
    specs.stream()
        .filter(EndpointSpec::servesHttp)
        .sorted(Comparator.comparing(EndpointSpec::path).thenComparing(EndpointSpec::method))
        .forEach(
            spec -> {
              ObjectNode item =
                  paths.has(openApiPath(spec.path()))
                      ? (ObjectNode) paths.get(openApiPath(spec.path()))
                      : paths.putObject(openApiPath(spec.path()));
              item.set(spec.method().toLowerCase(), operation(spec));
            });
    ObjectNode components = document.putObject("components");
    components.putObject("schemas").set("Problem", PROBLEM);
    ObjectNode schemes = components.putObject("securitySchemes");
    schemes
        .putObject("apiKey")
        .put("type", "apiKey")
        .put("in", "header")
        .put("name", "X-API-Key")
        .put(
            "description",
            "a consumer key of the org (POST /api/consumer-keys); also accepted as a bearer token");
    schemes
        .putObject("bearer")
        .put("type", "http")
        .put("scheme", "bearer")
        .put("bearerFormat", "JWT");
    return document;
  }

  /** {@code /teams/:teamId} as OpenAPI writes it: {@code /teams/{teamId}}. */
  static String openApiPath(String path) {
    return path.replaceAll(":([A-Za-z_][A-Za-z0-9_]*)", "{$1}");
  }

  private static ObjectNode operation(EndpointSpec spec) {
    ObjectNode operation = Json.MAPPER.createObjectNode().put("operationId", spec.name());
    spec.description().ifPresent(d -> operation.put("description", d));
    ArrayNode parameters = Json.MAPPER.createArrayNode();
    for (String name : spec.pathParameters()) {
      JsonNode schema =
          spec.input()
              .params()
              .getOrDefault(name, Json.MAPPER.createObjectNode().put("type", "string"));
      parameters
          .addObject()
          .put("name", name)
          .put("in", "path")
          .put("required", true)
          .set("schema", schema);
    }
    addParameters(parameters, "query", spec.input().query());
    addParameters(parameters, "header", spec.input().headers());
    if (!parameters.isEmpty()) operation.set("parameters", parameters);
    spec.input()
        .body()
        .ifPresent(
            body ->
                operation
                    .putObject("requestBody")
                    .put("required", true)
                    .putObject("content")
                    .putObject("application/json")
                    .set("schema", body));

    ObjectNode responses = operation.putObject("responses");
    String success = status(spec.response().status()).orElse("200");
    ObjectNode ok =
        responses
            .putObject(success)
            .put(
                "description",
                switch (success) {
                  case "201" -> "Created";
                  case "204" -> "No Content";
                  default -> "Success";
                });
    if (spec.trigger() instanceof Trigger.Channel) {
      // a channel streams: each message an event (AsyncAPI describes its messages)
      ok.put(
          "description",
          "Server-Sent Events, one per message published on the channel's topic (id, event, data);"
              + " or a WebSocket when asked to upgrade (each message a text frame {id, topic,"
              + " event, data}). Last-Event-ID resumes after a reconnect.");
      ok.putObject("content")
          .putObject("text/event-stream")
          .putObject("schema")
          .put("type", "string");
    } else if (!success.equals("204"))
      ok.putObject("content").putObject("application/json").putObject("schema");
    if (spec.response().headers().containsKey("Location")) {
      ok.putObject("headers").putObject("Location").putObject("schema").put("type", "string");
    }
    problems(spec).forEach((status, description) -> problem(responses, status, description));
    // a respond step answers what its author wrote, in the body its author wrote
    for (Step step : spec.steps()) {
      if (step instanceof Step.RespondStep respond) {
        status(respond.response().status())
            .filter(s -> !responses.has(s))
            .ifPresent(
                s ->
                    responses
                        .putObject(s)
                        .put("description", "Answered by step '" + respond.id() + "'")
                        .putObject("content")
                        .putObject("application/json")
                        .putObject("schema"));
      }
    }
    switch (spec.auth().mode()) {
      case API_KEY -> operation.putArray("security").addObject().putArray("apiKey");
      case JWT -> operation.putArray("security").addObject().putArray("bearer");
      case PUBLIC -> operation.putArray("security");
    }
    return operation;
  }

  /**
   * A status written as a number (a JSON int, or a long as YAML and stored specs read it); empty
   * for an expression.
   */
  private static Optional<String> status(JsonNode status) {
    return status != null && status.isIntegralNumber() && status.canConvertToInt()
        ? Optional.of(Integer.toString(status.intValue()))
        : Optional.empty();
  }

  /** Statements that write, and so may break a unique or foreign key constraint (409). */
  private static final Pattern WRITES =
      Pattern.compile("\\b(insert|update|delete|merge)\\b", Pattern.CASE_INSENSITIVE);

  /**
   * {@code insert ... values ... returning} with no {@code on conflict}: a row, or an error, never
   * none (no 404).
   */
  private static final Pattern ALWAYS_A_ROW =
      Pattern.compile(
          "^\\s*insert\\b(?!.*\\b(on\\s+conflict|select)\\b).*\\breturning\\b",
          Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

  /**
   * The problems {@code spec} can answer, by status, and when: what the runtime answers for its
   * input, auth, rate limits and steps (see {@code runtime/Failures}), and the status of each
   * {@code respond} step written as a number.
   */
  private static Map<String, String> problems(EndpointSpec spec) {
    var steps = spec.steps();
    boolean sql = steps.stream().anyMatch(Step.SqlStep.class::isInstance);
    boolean script = steps.stream().anyMatch(Step.ScriptStep.class::isInstance);
    boolean anyInput =
        !spec.pathParameters().isEmpty()
            || !spec.input().query().isEmpty()
            || !spec.input().headers().isEmpty()
            || spec.input().body().isPresent();
    var problems = new TreeMap<String, String>();
    if (anyInput || sql || steps.stream().anyMatch(Step.ValidateStep.class::isInstance)) {
      problems.put(
          "400",
          "The request does not fit the input contract"
              + (sql ? ", or a value does not fit the database" : ""));
    }
    spec.verify()
        .ifPresent(
            verify ->
                problems.put(
                    "401",
                    "The delivery's " + verify.provider().key() + " signature does not verify"));
    if (spec.auth().mode() != Auth.Mode.PUBLIC) {
      problems.putIfAbsent("401", "No valid credentials");
      if (!spec.auth().roles().isEmpty())
        problems.put("403", "The caller holds none of the roles " + spec.auth().roles());
    }
    if (steps.stream()
        .anyMatch(
            step ->
                step instanceof Step.SqlStep s
                    && s.expect() == Step.Expect.ONE
                    && !ALWAYS_A_ROW.matcher(s.sql()).find())) {
      problems.put("404", "Not found");
    }
    if (steps.stream()
        .anyMatch(step -> step instanceof Step.SqlStep s && WRITES.matcher(s.sql()).find())) {
      problems.put(
          "409", "The change conflicts with existing data (a unique or foreign key constraint)");
    }
    if (spec.input().body().isPresent()) {
      problems.put("413", "The body is larger than the server accepts");
      problems.put("415", "The body is not JSON");
    }
    if (!spec.rateLimits().isEmpty())
      problems.put("429", "Too many requests; Retry-After says when to try again");
    problems.put("500", "The endpoint failed");
    if (sql || script)
      problems.put("503", "The database or the script sandbox is busy; retry shortly");
    if (sql || script) problems.put("504", "A step ran past its time limit");
    return problems;
  }

  private static void addParameters(ArrayNode parameters, String in, Map<String, JsonNode> fields) {
    fields.forEach(
        (name, field) ->
            parameters
                .addObject()
                .put("name", name)
                .put("in", in)
                .put("required", EndpointSpec.Input.isRequired(field))
                .set("schema", EndpointSpec.Input.fieldSchema(field)));
  }

  private static void problem(ObjectNode responses, String status, String description) {
    responses
        .putObject(status)
        .put("description", description)
        .putObject("content")
        .putObject("application/problem+json")
        .putObject("schema")
        .put("$ref", "#/components/schemas/Problem");
  }
}
