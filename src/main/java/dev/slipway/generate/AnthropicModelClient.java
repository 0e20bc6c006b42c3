package dev.slipway.generate;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceTool;
import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import java.util.Optional;

/** Anthropic's Messages API, through its official SDK: the tool forced with {@code tool_choice}. */
final class AnthropicModelClient implements ModelClient {
  private static final long MAX_TOKENS = 8192;

  private final AnthropicClient client;
  private final String model;

  AnthropicModelClient(ModelSettings settings) {
    var builder =
        AnthropicOkHttpClient.builder()
            .apiKey(settings.apiKey().orElse("none"))
            .timeout(settings.timeout())
            .maxRetries(settings.maxRetries());
    settings.baseUrl().ifPresent(builder::baseUrl);
    this.client = builder.build();
    this.model = settings.model();
  }

  @Override
  public String provider() {
    return "anthropic";
  }

  @Override
  public Reply send(Request request) {
    var schema = Tool.InputSchema.builder();
    request
        .schema()
        .properties()
        .forEach(
            field ->
                schema.putAdditionalProperty(
                    field.getKey(), JsonValue.fromJsonNode(field.getValue())));
    var params =
        MessageCreateParams.builder()
            .model(model)
            .maxTokens(MAX_TOKENS)
            .system(request.system())
            .addTool(
                Tool.builder()
                    .name(request.tool())
                    .description(request.toolDescription())
                    .inputSchema(schema.build())
                    .build())
            .toolChoice(ToolChoiceTool.builder().name(request.tool()).build());
    for (Message message : request.messages()) {
      if (message.role().equals("assistant")) params.addAssistantMessage(message.text());
      else params.addUserMessage(message.text());
    }
    com.anthropic.models.messages.Message answer = client.messages().create(params.build());
    Optional<JsonNode> input = Optional.empty();
    var text = new StringBuilder();
    for (ContentBlock block : answer.content()) {
      block.text().ifPresent(t -> text.append(t.text()));
      if (input.isEmpty() && block.toolUse().isPresent()) {
        Object value = block.toolUse().get()._input().convert(Object.class);
        JsonNode node = Json.MAPPER.valueToTree(value);
        if (node != null && node.isObject()) input = Optional.of(node);
      }
    }
    return new Reply(
        input,
        text.toString(),
        answer.usage().inputTokens(),
        answer.usage().outputTokens(),
        answer.model().asString());
  }

  @Override
  public void close() {
    client.close();
  }
}
