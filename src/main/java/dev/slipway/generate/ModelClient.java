package dev.slipway.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.problem.ProblemException;
import java.util.List;
import java.util.Optional;

/**
 * A model behind its provider's API, asked to answer by calling one tool whose input is what it
 * proposes. Plain text turns only, so that any chat model takes them.
 */
public interface ModelClient extends AutoCloseable {

  /** A turn of the conversation: {@code user} or {@code assistant}. */
  record Message(String role, String text) {}

  /**
   * What the model is asked: the system prompt, the conversation, and the tool it must call with
   * the JSON Schema of the tool's input.
   */
  record Request(
      String system,
      List<Message> messages,
      String tool,
      String toolDescription,
      JsonNode schema) {}

  /**
   * What it answered: the tool's input when it called the tool (empty when it did not, or sent no
   * JSON), its text, and the tokens the request took.
   */
  record Reply(
      Optional<JsonNode> toolInput,
      String text,
      long inputTokens,
      long outputTokens,
      String model) {}

  /** {@code anthropic} or {@code openai}. */
  String provider();

  /** Asks the model; what the provider's SDK throws is the caller's to map. */
  Reply send(Request request);

  /**
   * Asks the model; a provider that cannot be reached, keeps failing or answers what its SDK cannot
   * read is 502 {@code model_unavailable}.
   */
  default Reply ask(Request request) {
    try {
      return send(request);
    } catch (ProblemException e) {
      throw e;
    } catch (RuntimeException e) {
      throw unavailable(provider(), e);
    }
  }

  @Override
  default void close() {}

  /** The model could not be reached or kept failing: 502, the provider's words in the detail. */
  static ProblemException unavailable(String provider, Throwable cause) {
    return new ProblemException(
        502,
        "model_unavailable",
        "Bad Gateway",
        "The model (" + provider + ") did not answer: " + cause.getMessage());
  }
}
