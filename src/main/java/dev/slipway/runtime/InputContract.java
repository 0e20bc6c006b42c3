package dev.slipway.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.sandbox.StepInput;
import dev.slipway.spec.CompiledSchema;
import dev.slipway.spec.EndpointSpec;
import dev.slipway.spec.SpecBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * An endpoint's input contract, compiled: turns a request into the {@code input} value that
 * expressions read ({@code params}, {@code query}, {@code headers}, {@code body}), coercing strings
 * to the declared types, filling defaults, and rejecting the request with every violation when it
 * breaks the contract.
 */
final class InputContract {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final List<String> paramNames;
  private final Part params;
  private final Part query;
  private final Part headers;
  private final Optional<SchemaCheck> body;

  /**
   * The body is read to a tree only for the general validator; otherwise straight to plain values.
   */
  private final boolean bodyAsTree;

  /** One declared field: its name, its JSON Schema type (for coercion) and its default. */
  private record Field(String name, String type, Object defaultValue) {}

  /**
   * A schema checked directly when it is simple enough ({@link SimpleSchema}), by the general
   * validator otherwise; either way the same violations at the same paths.
   */
  private record SchemaCheck(Optional<SimpleSchema> direct, Optional<CompiledSchema> general) {
    static SchemaCheck of(JsonNode schema) {
      Optional<SimpleSchema> direct = SimpleSchema.compile(schema);
      return new SchemaCheck(
          direct, direct.isPresent() ? Optional.empty() : Optional.of(CompiledSchema.of(schema)));
    }

    /** {@code node} is {@code value} as a JSON tree when the caller has one, else null. */
    void check(Object value, JsonNode node, String at, List<Violation> violations) {
      if (direct.isPresent()) {
        direct.get().check(value, at, violations);
      } else {
        violations.addAll(
            general
                .orElseThrow()
                .violations(node != null ? node : Json.MAPPER.valueToTree(value), at));
      }
    }
  }

  /** The declared fields of params, query or headers, checked as one object. */
  private record Part(String name, List<Field> fields, Optional<SchemaCheck> schema) {
    static Part of(String name, Map<String, JsonNode> schemas, boolean allRequired) {
      var fields = new ArrayList<Field>();
      schemas.forEach(
          (field, schema) ->
              fields.add(
                  new Field(
                      field,
                      schema.path("type").isTextual() ? schema.path("type").asText() : null,
                      schema.has("default") ? Json.plain(schema.get("default")) : null)));
      return new Part(
          name, List.copyOf(fields), objectSchema(schemas, allRequired).map(SchemaCheck::of));
    }

    void check(Map<String, Object> values, List<Violation> violations) {
      schema.ifPresent(check -> check.check(values, null, "/" + name, violations));
    }
  }

  InputContract(EndpointSpec spec) {
    this.acceptsForms = spec.verify().isPresent();
    this.keepsRawBody =
        spec.verify().isPresent() || SpecBuilder.json(spec).toString().contains("rawBody");
    var input = spec.input();
    this.paramNames = spec.pathParameters();
    var paramSchemas = new LinkedHashMap<String, JsonNode>();
    for (String name : paramNames) {
      paramSchemas.put(
          name, input.params().getOrDefault(name, NODES.objectNode().put("type", "string")));
    }
    this.params = Part.of("params", paramSchemas, true);
    this.query = Part.of("query", input.query(), false);
    var headerSchemas = new LinkedHashMap<String, JsonNode>();
    input.headers().forEach((name, schema) -> headerSchemas.put(name.toLowerCase(), schema));
    this.headers = Part.of("headers", headerSchemas, false);
    this.body = input.body().map(SchemaCheck::of);
    this.bodyAsTree = body.isPresent() && body.get().direct().isEmpty();
  }

  /**
   * Whether a form-encoded body is read (as an object of its fields, the first value of each): a
   * webhook receiver's, since some senders post forms (Slack's slash commands).
   */
  private final boolean acceptsForms;

  /**
   * Whether {@code input.rawBody} holds the body as received (text): for a webhook receiver, and
   * for an endpoint whose spec reads it.
   */
  private final boolean keepsRawBody;

  private static boolean isForm(String type) {
    return type.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33);
  }

  private static JsonNode formFields(byte[] body) {
    try {
      return Json.MAPPER.valueToTree(WebhookCheck.formFields(body));
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest(
          "malformed_form", "The form-encoded body is not valid: " + e.getMessage(), List.of());
    }
  }

  /** The request's input, or a 400/415 problem listing every way it breaks the contract. */
  Map<String, Object> bind(EndpointRequest request) {
    var violations = new ArrayList<Violation>();

    var paramValues = new LinkedHashMap<String, Object>(paramNames.size() * 2);
    for (int i = 0; i < paramNames.size(); i++) {
      Field field = params.fields().get(i);
      paramValues.put(field.name(), coerce(request.pathValues().get(i), field.type()));
    }
    params.check(paramValues, violations);

    var queryValues = new LinkedHashMap<String, Object>();
    request.query().forEach((name, values) -> queryValues.put(name, values.getFirst()));
    for (Field field : query.fields()) {
      List<String> values = request.query().get(field.name());
      if (values != null) {
        queryValues.put(
            field.name(),
            "array".equals(field.type())
                ? List.copyOf(values)
                : coerce(values.getFirst(), field.type()));
      } else if (field.defaultValue() != null) {
        queryValues.put(field.name(), field.defaultValue());
      }
    }
    query.check(queryValues, violations);

    Map<String, ?> headerValues = request.headers();
    if (!headers.fields().isEmpty()) {
      var declared = new LinkedHashMap<String, Object>(request.headers());
      for (Field field : headers.fields()) {
        String value = request.headers().get(field.name());
        if (value != null) declared.put(field.name(), coerce(value, field.type()));
        else if (field.defaultValue() != null) declared.put(field.name(), field.defaultValue());
      }
      headers.check(declared, violations);
      headerValues = declared;
    }

    JsonNode bodyNode =
        bodyAsTree
            ? Objects.requireNonNullElse(
                body(request, Json.MAPPER::readTree, tree -> tree), NullNode.instance)
            : null;
    Object bodyValue =
        bodyAsTree
            ? Json.plain(bodyNode)
            : body(request, bytes -> Json.MAPPER.readValue(bytes, Object.class), Json::plain);
    int before = violations.size();
    outOfRange(bodyValue, "/body", violations);
    // a number that overflowed would only be misreported by the schema (Infinity is a "number")
    if (violations.size() == before)
      body.ifPresent(check -> check.check(bodyValue, bodyNode, "/body", violations));

    if (!violations.isEmpty()) {
      throw ProblemException.badRequest(
          "invalid_input", "The request does not match the endpoint's input contract.", violations);
    }
    return StepInput.of(
        paramValues,
        queryValues,
        headerValues,
        bodyValue,
        keepsRawBody ? new String(request.body(), StandardCharsets.UTF_8) : null);
  }

  /** How a body is read: to a tree, or to plain values. */
  @FunctionalInterface
  private interface BodyReader<T> {
    T read(byte[] json) throws IOException;
  }

  /**
   * Adds a violation at each number of {@code value} too large for a double ({@code 1e999999} reads
   * as Infinity, which no column stores as a number): a caller's mistake, named by its JSON
   * pointer, rather than the text "Infinity" in the database.
   */
  private static void outOfRange(Object value, String at, List<Violation> violations) {
    switch (value) {
      case Double d when d.isInfinite() ->
          violations.add(
              new Violation(at, "is out of range: a number must lie within ±" + Double.MAX_VALUE));
      case Map<?, ?> map ->
          map.forEach(
              (key, item) ->
                  outOfRange(
                      item,
                      at + "/" + key.toString().replace("~", "~0").replace("/", "~1"),
                      violations));
      case List<?> list -> {
        for (int i = 0; i < list.size(); i++) outOfRange(list.get(i), at + "/" + i, violations);
      }
      case null, default -> {}
    }
  }

  /**
   * The body read by {@code reader}; null when there is none (or only white space), as Jackson
   * reads it. An integer beyond 64 bits, which the reader refuses, is read again exactly (a
   * BigInteger, for a {@code numeric} column) and the tree turned into what the reader reads by
   * {@code fromTree}: a rare case, so the common one keeps the fast reader.
   */
  private <T> T body(
      EndpointRequest request, BodyReader<T> reader, Function<JsonNode, T> fromTree) {
    byte[] bytes = request.body();
    if (bytes.length == 0) return null;
    String type = request.contentType();
    if (acceptsForms && type != null && isForm(type)) return fromTree.apply(formFields(bytes));
    if (type == null || !isJson(type)) {
      throw new ProblemException(
          415,
          "unsupported_media_type",
          "Unsupported Media Type",
          "The body must be JSON (Content-Type: application/json), not "
              + (type == null ? "untyped" : type)
              + ".");
    }
    if (isBlank(bytes)) return null;
    try {
      try {
        return reader.read(bytes);
      } catch (InputCoercionException e) {
        return fromTree.apply(Json.readWideIntegers(bytes));
      }
    } catch (StreamConstraintsException e) {
      throw ProblemException.badRequest(
          "malformed_json",
          "The body is too deeply nested or too large: " + e.getOriginalMessage(),
          List.of());
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw ProblemException.badRequest(
          "malformed_json", "The body is not valid JSON" + where + ".", List.of());
    } catch (IOException e) {
      throw ProblemException.badRequest("malformed_json", "The body could not be read.", List.of());
    }
  }

  private static boolean isBlank(byte[] bytes) {
    for (byte b : bytes) {
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return false;
    }
    return true;
  }

  static boolean isJson(String contentType) {
    String type = contentType.toLowerCase();
    int semicolon = type.indexOf(';');
    if (semicolon >= 0) type = type.substring(0, semicolon);
    type = type.strip();
    return type.equals("application/json") || type.endsWith("+json");
  }

  /** A string from a path, query or header, as the declared type when it reads as one. */
  private static Object coerce(String raw, String type) {
    if (type == null) return raw;
    try {
      return switch (type) {
        case "integer" -> Long.parseLong(raw);
        case "number" ->
            raw.contains(".") || raw.contains("e") || raw.contains("E")
                ? (Object) Double.parseDouble(raw)
                : Long.parseLong(raw);
        case "boolean" ->
            switch (raw) {
              case "true" -> Boolean.TRUE;
              case "false" -> Boolean.FALSE;
              default -> raw;
            };
        default -> raw;
      };
    } catch (NumberFormatException e) {
      return raw; // the check reports the wrong type, with the path
    }
  }

  /**
   * An object schema over the declared fields. The {@code required: true} shorthand becomes the
   * object's {@code required} list.
   */
  private static Optional<JsonNode> objectSchema(
      Map<String, JsonNode> fields, boolean allRequired) {
    if (fields.isEmpty()) return Optional.empty();
    ObjectNode schema = NODES.objectNode().put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    ArrayNode required = NODES.arrayNode();
    fields.forEach(
        (name, field) -> {
          properties.set(name, EndpointSpec.Input.fieldSchema(field));
          if (allRequired || EndpointSpec.Input.isRequired(field)) required.add(name);
        });
    if (!required.isEmpty()) schema.set("required", required);
    return Optional.of(schema);
  }
}
