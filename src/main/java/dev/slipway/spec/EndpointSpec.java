package dev.slipway.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One endpoint's definition, as saved in a version. Values that may hold {@code ${...}} expressions
 * are kept as {@link JsonNode} templates; the runtime compiles them.
 *
 * @param statementTimeout how long each of its SQL statements may run ({@link
 *     #DEFAULT_STATEMENT_TIMEOUT} unless the spec says {@code statementTimeout})
 * @param logging what the call log keeps of its calls beyond the usual (the spec's {@code log})
 * @param verify how a webhook delivery's signature is checked before anything runs
 * @param trigger what starts it: {@link Trigger#HTTP}, or a job ({@code method} is then {@code JOB}
 *     and {@code path} empty)
 */
public record EndpointSpec(
    String name,
    String method,
    String path,
    Auth auth,
    Optional<Cors> cors,
    Optional<Verify> verify,
    List<RateLimit> rateLimits,
    Duration statementTimeout,
    Optional<CallLogging> logging,
    Optional<String> description,
    Input input,
    List<Step> steps,
    Response response,
    Trigger trigger) {

  /** Whether HTTP requests reach it at its method and path (an endpoint or a channel). */
  public boolean servesHttp() {
    return trigger instanceof Trigger.Http || trigger instanceof Trigger.Channel;
  }

  /**
   * The spec's {@code log}: keep each call's request and response bodies, each cut to {@code
   * maxBytes}, so that calls can be read whole and replayed.
   */
  public record CallLogging(boolean bodies, int maxBytes) {
    public static final int DEFAULT_MAX_BYTES = 16_384;
  }

  /** How long an endpoint's SQL statement may run when its spec does not say. */
  public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(5);

  /** Input contract: JSON Schemas for path parameters, query, headers and body. */
  public record Input(
      Map<String, JsonNode> params,
      Map<String, JsonNode> query,
      Map<String, JsonNode> headers,
      Optional<JsonNode> body) {
    public static final Input NONE = new Input(Map.of(), Map.of(), Map.of(), Optional.empty());

    /**
     * True when a query or header field's schema carries Slipway's shorthand {@code required:
     * true}.
     */
    public static boolean isRequired(JsonNode field) {
      return field.path("required").isBoolean() && field.path("required").asBoolean();
    }

    /** The field's JSON Schema without the {@code required: true} shorthand. */
    public static JsonNode fieldSchema(JsonNode field) {
      if (!field.isObject() || !field.path("required").isBoolean()) return field;
      var copy = ((com.fasterxml.jackson.databind.node.ObjectNode) field).deepCopy();
      copy.remove("required");
      return copy;
    }
  }

  /** The response the endpoint answers with when no {@code respond} step answered first. */
  public record Response(JsonNode status, Map<String, JsonNode> headers, Optional<JsonNode> body) {}

  /** The names of the path parameters, in order ({@code /teams/:teamId} → {@code teamId}). */
  public List<String> pathParameters() {
    return PathPattern.parameters(path);
  }
}
