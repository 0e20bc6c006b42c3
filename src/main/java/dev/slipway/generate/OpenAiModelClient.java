package dev.slipway.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import dev.slipway.common.Json;
import java.util.List;
import java.util.Optional;

/**
 * An OpenAI-compatible chat completions API (OpenAI, Ollama, vLLM, llama.cpp's server), through
 * OpenAI's official SDK: the tool offered as a function, and named as the tool to call.
 */
final class OpenAiModelClient implements ModelClient {
  private static final long MAX_TOKENS = 8192;

  private final OpenAIClient client;
  private final String model;

  OpenAiModelClient(ModelSettings settings) {
    var builder =
        OpenAIOkHttpClient.builder()
            .apiKey(settings.apiKey().orElse("none"))
            .timeout(settings.timeout())
            .maxRetries(settings.maxRetries());
    settings.baseUrl().ifPresent(builder::baseUrl);
    this.client = builder.build();
    this.model = settings.model();
  }

  @Override
  public String provider() {
    return "openai";
  }

  @Override
  public Reply send(Request request) {
    var parameters = FunctionParameters.builder();
    request
        .schema()
        .properties()
        .forEach(
            field ->
                parameters.putAdditionalProperty(
                    field.getKey(), JsonValue.fromJsonNode(field.getValue())));
    var params =
        ChatCompletionCreateParams.builder()
            .model(model)
            .maxCompletionTokens(MAX_TOKENS)
            .addSystemMessage(request.system())
            .addFunctionTool(
                FunctionDefinition.builder()
                    .name(request.tool())
                    .description(request.toolDescription())
                    .parameters(parameters.build())
                    .build())
            .toolChoice(
                ChatCompletionNamedToolChoice.builder()
                    .function(
                        ChatCompletionNamedToolChoice.Function.builder()
                            .name(request.tool())
                            .build())
                    .build());
    for (Message message : request.messages()) {
      if (message.role().equals("assistant")) params.addAssistantMessage(message.text());
      else params.addUserMessage(message.text());
    }
    ChatCompletion completion = client.chat().completions().create(params.build());
    Optional<JsonNode> input = Optional.empty();
    String text = "";
    if (!completion.choices().isEmpty()) {
      var message = completion.choices().getFirst().message();
      text = message.content().orElse("");
      List<ChatCompletionMessageToolCall> calls = message.toolCalls().orElse(List.of());
      for (ChatCompletionMessageToolCall call : calls) {
        if (call.function().isEmpty()) continue;
        try {
          JsonNode node = Json.MAPPER.readTree(call.function().get().function().arguments());
          if (node != null && node.isObject()) input = Optional.of(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          text = text + "\n(the tool's arguments were not JSON: " + e.getOriginalMessage() + ")";
        }
        break;
      }
    }
    long in = completion.usage().map(u -> u.promptTokens()).orElse(0L);
    long out = completion.usage().map(u -> u.completionTokens()).orElse(0L);
    return new Reply(input, text, in, out, completion.model());
  }

  @Override
  public void close() {
    client.close();
  }
}
