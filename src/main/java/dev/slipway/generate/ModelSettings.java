package dev.slipway.generate;

import java.time.Duration;
import java.util.Optional;

/**
 * Which model generation asks, from the operator's settings ({@code SLIPWAY_AI_*}).
 *
 * @param provider {@code none} (the offline planner), {@code anthropic} (the Messages API) or
 *     {@code openai} (any OpenAI-compatible chat completions API: OpenAI, Ollama, vLLM, llama.cpp)
 * @param baseUrl where the API is; the provider's own when empty
 * @param model the model's name
 * @param timeout how long one request to the model may take
 * @param maxRetries how often a request that got 429, 5xx or no answer is retried, with back-off
 * @param maxRounds how many answers one generation asks for at most: the first and the repairs
 * @param inputPrice US dollars per million input tokens, for the cost kept with each request (0:
 *     not priced)
 * @param outputPrice US dollars per million output tokens
 */
public record ModelSettings(
    String provider,
    Optional<String> baseUrl,
    String model,
    Optional<String> apiKey,
    Duration timeout,
    int maxRetries,
    int maxRounds,
    java.math.BigDecimal inputPrice,
    java.math.BigDecimal outputPrice) {

  public static final ModelSettings NONE =
      new ModelSettings(
          "none",
          Optional.empty(),
          OfflinePlanner.MODEL,
          Optional.empty(),
          Duration.ofSeconds(60),
          2,
          3,
          java.math.BigDecimal.ZERO,
          java.math.BigDecimal.ZERO);

  /** What a request of so many tokens cost, in US dollars, at these prices. */
  public java.math.BigDecimal cost(long inputTokens, long outputTokens) {
    return inputPrice
        .multiply(java.math.BigDecimal.valueOf(inputTokens))
        .add(outputPrice.multiply(java.math.BigDecimal.valueOf(outputTokens)))
        .movePointLeft(6);
  }

  public boolean configured() {
    return !provider.equals("none");
  }

  /** The model a provider is asked for when the settings name none. */
  public static String defaultModel(String provider) {
    return switch (provider) {
      case "anthropic" -> "claude-sonnet-4-5";
      case "openai" -> "gpt-4.1";
      default -> OfflinePlanner.MODEL;
    };
  }

  /** The client that speaks the provider's protocol. */
  public ModelClient client() {
    return switch (provider) {
      case "anthropic" -> new AnthropicModelClient(this);
      case "openai" -> new OpenAiModelClient(this);
      default -> throw new IllegalStateException("no model is configured");
    };
  }
}
