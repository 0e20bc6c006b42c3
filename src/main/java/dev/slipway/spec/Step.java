package dev.slipway.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;

/**
 * One unit of work in an endpoint's pipeline. The set of kinds is closed: each kind has its own
 * record and its stable name in specs ({@link #kind()}), and the runtime switches over them
 * exhaustively.
 */
public sealed interface Step {

  /** Step name; later steps and the response read its output as {@code steps.<id>}. */
  String id();

  /** A {@code ${...}} condition; the step is skipped when it is false. */
  Optional<String> when();

  /** The step's kind as written in specs: the key that holds its main value. */
  default String kind() {
    return switch (this) {
      case ValidateStep ignored -> "validate";
      case SqlStep ignored -> "sql";
      case ScriptStep ignored -> "script";
      case RespondStep ignored -> "respond";
      case EnqueueStep ignored -> "enqueue";
      case WebhookStep ignored -> "webhook";
      case EmitStep ignored -> "emit";
    };
  }

  /** Checks {@code value} against a JSON Schema; 400 with every violation when it does not hold. */
  record ValidateStep(String id, Optional<String> when, JsonNode value, JsonNode schema)
      implements Step {}

  /** One parameterized SQL statement; {@code :name} placeholders are bound from {@code params}. */
  record SqlStep(
      String id, Optional<String> when, String sql, Map<String, JsonNode> params, Expect expect)
      implements Step {}

  /** TypeScript or JavaScript run in the sandbox; the body of an async function of {@code ctx}. */
  record ScriptStep(String id, Optional<String> when, String code, ScriptLanguage language)
      implements Step {}

  /** Ends the pipeline with this response. */
  record RespondStep(String id, Optional<String> when, EndpointSpec.Response response)
      implements Step {}

  /**
   * Adds a job for the org's handler {@code handler} in the request's transaction (a request that
   * fails or a preview enqueues nothing); its output is {@code {id}}, the job's id.
   *
   * @param payload the job's input body, a value or {@code ${...}} expression
   * @param delay how long after the commit the job is due; zero when not given
   * @param idempotencyKey an expression: a second job with the key for the handler is not added,
   *     the first one's id is the output
   * @param attempts how many times the job is tried, when not as many as the handler says
   */
  record EnqueueStep(
      String id,
      Optional<String> when,
      String handler,
      JsonNode payload,
      java.time.Duration delay,
      Optional<JsonNode> idempotencyKey,
      Optional<Integer> attempts)
      implements Step {}

  /**
   * Sends a webhook through the outbox: stored in the request's transaction (a request that fails
   * sends nothing), delivered after the commit through the org's egress policy, signed as Standard
   * Webhooks sign ({@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}) with
   * the org secret named, and retried with back-off for {@code retryFor}.
   *
   * @param url where it is posted: a value or {@code ${...}}
   * @param event the event's type, sent as the message's {@code type}
   * @param payload the message's {@code data}
   */
  record WebhookStep(
      String id,
      Optional<String> when,
      JsonNode url,
      JsonNode event,
      JsonNode payload,
      String secretName,
      java.time.Duration retryFor)
      implements Step {
    public static final java.time.Duration DEFAULT_RETRY_FOR = java.time.Duration.ofHours(24);
    public static final java.time.Duration MAX_RETRY_FOR = java.time.Duration.ofDays(7);
  }

  /**
   * Publishes a message on a realtime topic of the org after the request's transaction commits (a
   * request that fails publishes nothing): every subscriber of a channel on that topic, on every
   * instance, is sent it.
   *
   * @param topic the topic: a value or {@code ${...}}
   * @param event the message's event name (SSE {@code event:}), or null
   * @param payload the message's data
   */
  record EmitStep(
      String id, Optional<String> when, JsonNode topic, JsonNode event, JsonNode payload)
      implements Step {}

  /** How many rows a SQL step expects. */
  enum Expect {
    /** Exactly one row; none answers 404. */
    ONE,
    /** Any number of rows. */
    MANY,
    /** No rows, only the count of affected rows. */
    NONE
  }
}
