package dev.slipway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.common.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A model provider on loopback for tests: a real HTTP server that speaks Anthropic's Messages API
 * ({@code POST /v1/messages}) and OpenAI's chat completions ({@code POST /v1/chat/completions})
 * wire formats, answering from a script of answers given in order: a tool call with an input, a
 * text answer without one, or an HTTP status with a body. It keeps every request it got.
 */
public final class FakeModelServer implements AutoCloseable {
  /** One scripted answer. */
  public sealed interface Answer {}

  /** The model calls the tool with this input. */
  public record ToolCall(JsonNode input) implements Answer {}

  /** The model answers in words only. */
  public record Text(String text) implements Answer {}

  /** The provider answers this status and body (a rate limit, an outage). */
  public record Status(int status, String body) implements Answer {}

  /**
   * A proposal of one endpoint over the demo schema, projects filtered by status, with its tests:
   * what a good model answers to "projects filtered by status".
   */
  public static final String PROJECTS_BY_STATUS =
      """
      {"specs": [{"name": "projects-by-status", "method": "GET", "path": "/api/projects-by-status",
        "auth": {"mode": "apiKey"},
        "input": {"query": {"status": {"type": "string", "enum": ["active", "archived"]},
          "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}},
        "steps": [{"id": "rows", "sql": "select id, name, status from app.projects where true [[and status = :status]] order by created_at desc limit :limit",
          "params": {"status": "${input.query.status}", "limit": "${input.query.limit}"}, "expect": "many"}],
        "response": {"body": "${steps.rows.rows}"}}],
       "tests": [{"name": "lists active projects", "method": "GET", "path": "/api/projects-by-status?status=active", "role": "member", "status": 200, "fields": ["id", "name", "status"]},
         {"name": "needs a key", "method": "GET", "path": "/api/projects-by-status", "status": 401}],
       "explanation": "Lists projects, filtered by status."}
      """;

  private final HttpServer server;
  private final Deque<Answer> script = new ArrayDeque<>();
  private final List<JsonNode> requests = new ArrayList<>();
  private final List<String> keys = new ArrayList<>();
  private Answer otherwise = new Status(500, "{\"error\": \"the script has ended\"}");

  public FakeModelServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/messages", exchange -> answer(exchange, false));
    server.createContext("/v1/chat/completions", exchange -> answer(exchange, true));
    server.start();
  }

  /** The base URL the Anthropic SDK takes (it adds {@code /v1/messages}). */
  public String anthropicUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The base URL an OpenAI-compatible client takes (it adds {@code /chat/completions}). */
  public String openAiUrl() {
    return anthropicUrl() + "/v1";
  }

  /** Replaces the script with these answers. */
  public synchronized void script(Answer... answers) {
    script.clear();
    script.addAll(List.of(answers));
    requests.clear();
    keys.clear();
  }

  /** What to answer once the script has ended (by default a 500). */
  public synchronized void otherwise(Answer answer) {
    otherwise = answer;
  }

  /** The API key each request carried ({@code x-api-key}, or the bearer token), in order. */
  public synchronized List<String> keys() {
    return List.copyOf(keys);
  }

  /** The requests so far, their JSON bodies in order. */
  public synchronized List<JsonNode> requests() {
    return List.copyOf(requests);
  }

  private void answer(HttpExchange exchange, boolean openAi) throws IOException {
    Answer next;
    synchronized (this) {
      requests.add(Json.MAPPER.readTree(exchange.getRequestBody()));
      String key = exchange.getRequestHeaders().getFirst("x-api-key");
      String bearer = exchange.getRequestHeaders().getFirst("authorization");
      keys.add(key != null ? key : bearer == null ? "" : bearer.replaceFirst("^Bearer ", ""));
      next = script.isEmpty() ? otherwise : script.poll();
    }
    int status = 200;
    String body;
    switch (next) {
      case Status s -> {
        status = s.status();
        body = s.body();
        exchange.getResponseHeaders().add("retry-after", "0");
      }
      case ToolCall call ->
          body = openAi ? openAi(call.input(), null) : anthropic(call.input(), null);
      case Text text -> body = openAi ? openAi(null, text.text()) : anthropic(null, text.text());
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("content-type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private static String anthropic(JsonNode input, String text) {
    ObjectNode message =
        Json.MAPPER
            .createObjectNode()
            .put("id", "msg_fake")
            .put("type", "message")
            .put("role", "assistant")
            .put("model", "claude-fake");
    var content = message.putArray("content");
    if (text != null) content.addObject().put("type", "text").put("text", text);
    if (input != null)
      content
          .addObject()
          .put("type", "tool_use")
          .put("id", "toolu_fake")
          .put("name", "propose_endpoints")
          .set("input", input);
    message.put("stop_reason", input != null ? "tool_use" : "end_turn");
    message.putNull("stop_sequence");
    message.putObject("usage").put("input_tokens", 1200).put("output_tokens", 300);
    return message.toString();
  }

  private static String openAi(JsonNode input, String text) {
    ObjectNode completion =
        Json.MAPPER
            .createObjectNode()
            .put("id", "chatcmpl-fake")
            .put("object", "chat.completion")
            .put("created", 1_700_000_000)
            .put("model", "gpt-fake");
    ObjectNode choice = completion.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message").put("role", "assistant");
    if (text != null) message.put("content", text);
    else message.putNull("content");
    if (input != null) {
      ObjectNode call = message.putArray("tool_calls").addObject();
      call.put("id", "call_fake").put("type", "function");
      call.putObject("function")
          .put("name", "propose_endpoints")
          .put("arguments", input.toString());
    }
    choice.put("finish_reason", input != null ? "tool_calls" : "stop");
    choice.putNull("logprobs");
    completion
        .putObject("usage")
        .put("prompt_tokens", 900)
        .put("completion_tokens", 200)
        .put("total_tokens", 1100);
    return completion.toString();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
