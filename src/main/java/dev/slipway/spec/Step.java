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
