package dev.slipway.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.http.ProblemException;
import dev.slipway.spec.CompiledSchema;
import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.Json;
import dev.slipway.spec.Violation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An endpoint's input contract, compiled: turns a request into the {@code input} value that
 * expressions read ({@code params}, {@code query}, {@code headers}, {@code body}), coercing
 * strings to the declared types, filling defaults, and rejecting the request with every violation
 * when it breaks the contract.
 */
final class InputContract {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final List<String> paramNames;
  private final List<Field> params;
  private final List<Field> query;
  private final List<Field> headers;
  private final Optional<CompiledSchema> paramsSchema;
  private final Optional<CompiledSchema> querySchema;
  private final Optional<CompiledSchema> headersSchema;
  private final Optional<CompiledSchema> bodySchema;

  /** One declared field: its name, its JSON Schema type and its default. */
  private record Field(String name, String type, JsonNode defaultValue) {}

  InputContract(EndpointSpec spec) {
    var input = spec.input();
    this.paramNames = spec.pathParameters();
    var paramSchemas = new LinkedHashMap<String, JsonNode>(input.params());
    for (String name : paramNames) paramSchemas.putIfAbsent(name, NODES.objectNode().put("type", "string"));
    this.params = fields(paramSchemas);
    this.query = fields(input.query());
    this.headers = fields(lowerCased(input.headers()));
    this.paramsSchema = objectSchema(paramSchemas, true);
    this.querySchema = objectSchema(input.query(), false);
    this.headersSchema = objectSchema(lowerCased(input.headers()), false);
    this.bodySchema = input.body().map(CompiledSchema::of);
  }

  /** The request's input, or a 400/415 problem listing every way it breaks the contract. */
  Map<String, Object> bind(EndpointRequest request) {
    var violations = new ArrayList<Violation>();

    ObjectNode paramsNode = NODES.objectNode();
    for (int i = 0; i < paramNames.size(); i++) {
      Field field = params.get(i);
      paramsNode.set(field.name(), coerce(request.pathValues().get(i), field.type()));
    }
    paramsSchema.ifPresent(schema -> violations.addAll(schema.violations(paramsNode, "/params")));

    ObjectNode queryNode = NODES.objectNode();
    request.query().forEach((name, values) -> queryNode.put(name, values.getFirst()));
    for (Field field : query) {
      List<String> values = request.query().get(field.name());
      if (values != null) {
        queryNode.set(field.name(), "array".equals(field.type()) ? list(values) : coerce(values.getFirst(), field.type()));
      } else if (field.defaultValue() != null) {
        queryNode.set(field.name(), field.defaultValue());
      }
    }
    querySchema.ifPresent(schema -> violations.addAll(schema.violations(queryNode, "/query")));

    ObjectNode headersNode = NODES.objectNode();
    request.headers().forEach(headersNode::put);
    for (Field field : headers) {
      String value = request.headers().get(field.name());
      if (value != null) headersNode.set(field.name(), coerce(value, field.type()));
      else if (field.defaultValue() != null) headersNode.set(field.name(), field.defaultValue());
    }
    headersSchema.ifPresent(schema -> violations.addAll(schema.violations(headersNode, "/headers")));

    JsonNode body = body(request);
    bodySchema.ifPresent(schema -> violations.addAll(schema.violations(body, "/body")));

    if (!violations.isEmpty()) {
      throw ProblemException.badRequest("invalid_input", "The request does not match the endpoint's input contract.", violations);
    }
    var input = new LinkedHashMap<String, Object>(8);
    input.put("params", Templates.plain(paramsNode));
    input.put("query", Templates.plain(queryNode));
    input.put("headers", Templates.plain(headersNode));
    input.put("body", Templates.plain(body));
    return input;
  }

  private static JsonNode body(EndpointRequest request) {
    if (request.body().length == 0) return NullNode.instance;
    String type = request.contentType();
    if (type == null || !isJson(type)) {
      throw new ProblemException(415, "unsupported_media_type", "Unsupported Media Type",
          "The body must be JSON (Content-Type: application/json), not " + (type == null ? "untyped" : type) + ".");
    }
    try {
      JsonNode node = Json.MAPPER.readTree(request.body());
      return node == null ? NullNode.instance : node;
    } catch (StreamConstraintsException e) {
      throw ProblemException.badRequest("malformed_json", "The body is too deeply nested or too large: " + e.getOriginalMessage(), List.of());
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw ProblemException.badRequest("malformed_json", "The body is not valid JSON" + where + ".", List.of());
    } catch (IOException e) {
      throw ProblemException.badRequest("malformed_json", "The body could not be read.", List.of());
    }
  }

  static boolean isJson(String contentType) {
    String type = contentType.toLowerCase();
    int semicolon = type.indexOf(';');
    if (semicolon >= 0) type = type.substring(0, semicolon);
    type = type.strip();
    return type.equals("application/json") || type.endsWith("+json");
  }

  /** A string from a path, query or header, as the declared type when it reads as one. */
  private static JsonNode coerce(String raw, String type) {
    if (type == null) return NODES.textNode(raw);
    try {
      return switch (type) {
        case "integer" -> NODES.numberNode(Long.parseLong(raw));
        case "number" -> raw.contains(".") || raw.contains("e") || raw.contains("E")
            ? NODES.numberNode(Double.parseDouble(raw)) : NODES.numberNode(Long.parseLong(raw));
        case "boolean" -> switch (raw) {
          case "true" -> NODES.booleanNode(true);
          case "false" -> NODES.booleanNode(false);
          default -> NODES.textNode(raw);
        };
        default -> NODES.textNode(raw);
      };
    } catch (NumberFormatException e) {
      return NODES.textNode(raw); // the schema reports the wrong type, with the path
    }
  }

  private static ArrayNode list(List<String> values) {
    ArrayNode array = NODES.arrayNode();
    values.forEach(array::add);
    return array;
  }

  private static List<Field> fields(Map<String, JsonNode> schemas) {
    var fields = new ArrayList<Field>();
    schemas.forEach((name, schema) -> fields.add(new Field(name,
        schema.path("type").isTextual() ? schema.path("type").asText() : null, schema.get("default"))));
    return fields;
  }

  private static Map<String, JsonNode> lowerCased(Map<String, JsonNode> fields) {
    var lower = new LinkedHashMap<String, JsonNode>();
    fields.forEach((name, schema) -> lower.put(name.toLowerCase(), schema));
    return lower;
  }

  /**
   * An object schema over the declared fields. A field whose schema says {@code required: true}
   * (or every field, for path parameters) is required; that boolean is Slipway's shorthand and is
   * removed before the field's schema is compiled.
   */
  private static Optional<CompiledSchema> objectSchema(Map<String, JsonNode> fields, boolean allRequired) {
    if (fields.isEmpty()) return Optional.empty();
    ObjectNode schema = NODES.objectNode().put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    ArrayNode required = NODES.arrayNode();
    fields.forEach((name, field) -> {
      properties.set(name, EndpointSpec.Input.fieldSchema(field));
      if (allRequired || EndpointSpec.Input.isRequired(field)) required.add(name);
    });
    if (!required.isEmpty()) schema.set("required", required);
    return Optional.of(CompiledSchema.of(schema));
  }
}
