package dev.slipway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.security.Actor;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;

/** What every control-plane handler needs: the caller, JSON in and out, request fields. */
final class Api {
  static final String ACTOR = "slipway.actor";
  static final String REQUEST_ID = "slipway.requestId";

  private Api() {}

  /** The signed-in caller, set by the control plane's authorization before the handler runs. */
  static Actor actor(Context ctx) {
    Actor actor = ctx.attribute(ACTOR);
    if (actor == null)
      throw new IllegalStateException("no actor on a route that needs sign-in: " + ctx.path());
    return actor;
  }

  static String requestId(Context ctx) {
    return ctx.attribute(REQUEST_ID);
  }

  static JsonNode jsonBody(Context ctx) {
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase().contains("json")) {
      throw new ProblemException(
          415,
          "unsupported_media_type",
          "Unsupported Media Type",
          "Send the body as application/json.");
    }
    try {
      JsonNode node = Json.MAPPER.readTree(ctx.bodyAsBytes());
      // JSON, but not the object every route takes: a mistake in what was sent, not in how
      if (node == null || !node.isObject()) {
        throw ProblemException.unprocessable(
            "invalid_request",
            "The body must be a JSON object.",
            List.of(new Violation("", "must be an object")));
      }
      return node;
    } catch (java.io.IOException e) {
      throw ProblemException.badRequest("malformed_json", "The body is not valid JSON.", List.of());
    }
  }

  /** A required, non-blank string field; a 422 naming it otherwise. */
  static String text(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw ProblemException.unprocessable(
          "invalid_request",
          "The body needs '" + field + "', a non-empty string.",
          List.of(new Violation("/" + field, "required string")));
    }
    return value.asText();
  }

  static Optional<String> optionalText(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) return Optional.empty();
    if (!value.isTextual()) {
      throw ProblemException.unprocessable(
          "invalid_request",
          "'" + field + "' must be a string.",
          List.of(new Violation("/" + field, "must be a string")));
    }
    return Optional.of(value.asText());
  }

  /** A path parameter that must be a number; anything else names nothing, so it is a 404. */
  static long id(Context ctx, String param, String code, String what) {
    try {
      return Long.parseLong(ctx.pathParam(param));
    } catch (NumberFormatException e) {
      throw ProblemException.notFound(code, "No " + what + " '" + ctx.pathParam(param) + "'.");
    }
  }

  static void json(Context ctx, int status, Object body) {
    try {
      ctx.status(status)
          .contentType("application/json")
          .result(Json.MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a response", e);
    }
  }

  /**
   * A query parameter read by {@code read}; one it cannot read is a violation at {@code
   * /query/<name>}.
   */
  static <T> java.util.Optional<T> query(
      Context ctx,
      String name,
      java.util.function.Function<String, T> read,
      String expected,
      java.util.List<dev.slipway.problem.Violation> violations) {
    return java.util.Optional.ofNullable(ctx.queryParam(name))
        .flatMap(
            text -> {
              try {
                return java.util.Optional.of(read.apply(text));
              } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
                violations.add(new dev.slipway.problem.Violation("/query/" + name, expected));
                return java.util.Optional.empty();
              }
            });
  }

  /** A query parameter's text; null when it is missing or blank. */
  static String queryText(Context ctx, String name) {
    String value = ctx.queryParam(name);
    return value == null || value.isBlank() ? null : value;
  }
}
