package dev.slipway.spec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * An AsyncAPI 3.0 document of the realtime channels among some specs: each channel's address (its
 * path), the message its subscribers receive, and how they authenticate; empty when there are no
 * channels.
 */
public final class AsyncApi {
  private AsyncApi() {}

  public static Optional<ObjectNode> document(String title, List<EndpointSpec> specs) {
    var channels =
        specs.stream()
            .filter(spec -> spec.trigger() instanceof Trigger.Channel)
            .sorted(Comparator.comparing(EndpointSpec::name))
            .toList();
    if (channels.isEmpty()) return Optional.empty();
    ObjectNode document = Json.MAPPER.createObjectNode().put("asyncapi", "3.0.0");
    document
        .putObject("info")
        .put("title", title)
        .put("version", "draft")
        .put(
            "description",
            "Subscribe with a GET at a channel's address: Server-Sent Events (id, event, data), or"
                + " a WebSocket when the request asks to upgrade (each message a text frame). A"
                + " reconnect with Last-Event-ID (SSE) or ?lastEventId= (WebSocket) is sent what it"
                + " missed.");
    ObjectNode channelsNode = document.putObject("channels");
    ObjectNode operations = document.putObject("operations");
    for (EndpointSpec spec : channels) {
      ObjectNode channel = channelsNode.putObject(spec.name());
      channel.put("address", OpenApi.openApiPath(spec.path()));
      spec.description().ifPresent(text -> channel.put("description", text));
      channel
          .putObject("messages")
          .putObject("message")
          .put("$ref", "#/components/messages/ChannelMessage");
      if (!spec.pathParameters().isEmpty()) {
        ObjectNode parameters = channel.putObject("parameters");
        for (String name : spec.pathParameters()) parameters.putObject(name);
      }
      ObjectNode operation = operations.putObject("receive-" + spec.name());
      operation.put("action", "receive");
      operation.putObject("channel").put("$ref", "#/channels/" + spec.name());
      switch (spec.auth().mode()) {
        case API_KEY ->
            operation
                .putArray("security")
                .addObject()
                .put("$ref", "#/components/securitySchemes/apiKey");
        case JWT ->
            operation
                .putArray("security")
                .addObject()
                .put("$ref", "#/components/securitySchemes/bearer");
        case PUBLIC -> {}
      }
    }
    ObjectNode components = document.putObject("components");
    components
        .putObject("messages")
        .putObject("ChannelMessage")
        .put("contentType", "application/json")
        .set(
            "payload",
            Json.parse(
                """
                {"type": "object", "required": ["id", "topic", "data"],
                 "properties": {
                   "id": {"type": "integer", "description": "The message's id (the SSE id)."},
                   "topic": {"type": "string"},
                   "event": {"type": ["string", "null"], "description": "The SSE event name."},
                   "data": {"description": "What was published."}}}"""));
    ObjectNode schemes = components.putObject("securitySchemes");
    schemes
        .putObject("apiKey")
        .put("type", "httpApiKey")
        .put("name", "X-API-Key")
        .put("in", "header")
        .put(
            "description",
            "a consumer key; also ?access_token= for clients that cannot send headers");
    schemes
        .putObject("bearer")
        .put("type", "http")
        .put("scheme", "bearer")
        .put("bearerFormat", "JWT");
    return Optional.of(document);
  }
}
