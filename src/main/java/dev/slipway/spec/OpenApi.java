package dev.slipway.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The OpenAPI 3.1 document of a set of endpoint specs: one operation per spec, with its path,
 * query and header parameters, request body and response schemas as the specs declare them, the
 * problem+json errors it can answer, and its security (consumer key or bearer JWT). Built when a
 * release goes live or a template generates, never per request.
 */
public final class OpenApi {

  private static final JsonNode PROBLEM = Json.parse("""
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
    specs.stream().sorted(Comparator.comparing(EndpointSpec::path).thenComparing(EndpointSpec::method)).forEach(spec -> {
      ObjectNode item = paths.has(openApiPath(spec.path())) ? (ObjectNode) paths.get(openApiPath(spec.path()))
          : paths.putObject(openApiPath(spec.path()));
      item.set(spec.method().toLowerCase(), operation(spec));
    });
    ObjectNode components = document.putObject("components");
    components.putObject("schemas").set("Problem", PROBLEM);
    ObjectNode schemes = components.putObject("securitySchemes");
    schemes.putObject("apiKey").put("type", "apiKey").put("in", "header").put("name", "X-API-Key")
        .put("description", "a consumer key of the org (POST /api/consumer-keys); also accepted as a bearer token");
    schemes.putObject("bearer").put("type", "http").put("scheme", "bearer").put("bearerFormat", "JWT");
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
      JsonNode schema = spec.input().params().getOrDefault(name, Json.MAPPER.createObjectNode().put("type", "string"));
      parameters.addObject().put("name", name).put("in", "path").put("required", true).set("schema", schema);
    }
    addParameters(parameters, "query", spec.input().query());
    addParameters(parameters, "header", spec.input().headers());
    if (!parameters.isEmpty()) operation.set("parameters", parameters);
    spec.input().body().ifPresent(body -> operation.putObject("requestBody").put("required", true)
        .putObject("content").putObject("application/json").set("schema", body));

    ObjectNode responses = operation.putObject("responses");
    JsonNode status = spec.response().status();
    String success = status != null && status.isInt() ? status.asText() : "200";
    ObjectNode ok = responses.putObject(success).put("description", success.equals("201") ? "Created" : "Success");
    if (!success.equals("204")) ok.putObject("content").putObject("application/json").putObject("schema");
    if (spec.response().headers().containsKey("Location")) {
      ok.putObject("headers").putObject("Location").putObject("schema").put("type", "string");
    }
    boolean anyInput = !spec.pathParameters().isEmpty() || !spec.input().query().isEmpty()
        || !spec.input().headers().isEmpty() || spec.input().body().isPresent();
    if (anyInput) problem(responses, "400", "The request does not fit the input contract");
    if (spec.auth().mode() != Auth.Mode.PUBLIC) {
      problem(responses, "401", "No valid credentials");
      if (!spec.auth().roles().isEmpty()) problem(responses, "403", "The caller holds none of the roles " + spec.auth().roles());
    }
    if (!spec.pathParameters().isEmpty()) problem(responses, "404", "Not found");
    problem(responses, "500", "The endpoint failed");
    switch (spec.auth().mode()) {
      case API_KEY -> operation.putArray("security").addObject().putArray("apiKey");
      case JWT -> operation.putArray("security").addObject().putArray("bearer");
      case PUBLIC -> operation.putArray("security");
    }
    return operation;
  }

  private static void addParameters(ArrayNode parameters, String in, Map<String, JsonNode> fields) {
    fields.forEach((name, field) -> parameters.addObject().put("name", name).put("in", in)
        .put("required", EndpointSpec.Input.isRequired(field)).set("schema", EndpointSpec.Input.fieldSchema(field)));
  }

  private static void problem(ObjectNode responses, String status, String description) {
    responses.putObject(status).put("description", description).putObject("content").putObject("application/problem+json")
        .putObject("schema").put("$ref", "#/components/schemas/Problem");
  }
}
