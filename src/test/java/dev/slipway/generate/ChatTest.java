package dev.slipway.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/chat} through a real Slipway: a conversation that creates a draft and refines it,
 * streamed as server-sent events, kept so it can be resumed, and each user's own.
 */
@ServerTest
class ChatTest {
  private static TestSlipway slipway;

  record Event(String name, JsonNode data) {}

  private static List<Event> events(Reply reply) {
    var events = new ArrayList<Event>();
    for (String block : reply.body().split("\n\n")) {
      String name = null;
      String data = null;
      for (String line : block.split("\n")) {
        if (line.startsWith("event: ")) name = line.substring(7);
        if (line.startsWith("data: ")) data = line.substring(6);
      }
      if (name != null) events.add(new Event(name, Json.parse(data)));
    }
    return events;
  }

  private static JsonNode only(List<Event> events, String name) {
    return events.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow().data();
  }

  private static Reply say(String bearer, String body) {
    return slipway.controlAs(bearer, "POST", "/api/chat", body);
  }

  @Test
  void a_conversation_creates_a_draft_refines_it_and_can_be_resumed() {
    String owner = slipway.addMember("chatter@example.com", "member").accessToken();
    Reply first = say(owner, "{\"message\": \"list projects\"}");
    assertThat(first.status()).as(first.toString()).isEqualTo(200);
    assertThat(first.contentType()).startsWith("text/event-stream");
    List<Event> events = events(first);
    assertThat(events.getFirst().name()).isEqualTo("chat");
    assertThat(events.getLast().name()).isEqualTo("done");
    assertThat(
            events.stream()
                .filter(e -> e.name().equals("progress"))
                .map(e -> e.data().path("stage").asText()))
        .contains("schema", "planning", "round", "drafts", "tests", "checks");
    assertThat(only(events, "text").path("text").asText()).contains("app.projects");
    JsonNode result = only(events, "result");
    assertThat(result.path("sql").asText()).doesNotContain(":status");
    long chat = only(events, "chat").path("chatId").asLong();

    Reply refined =
        say(owner, "{\"chatId\": " + chat + ", \"message\": \"and filtered by status\"}");
    JsonNode second = only(events(refined), "result");
    assertThat(second.path("sql").asText()).contains("a.status = :status");
    assertThat(second.path("versions").get(0).path("version").asInt()).isEqualTo(2);

    Reply listed = slipway.controlAs(owner, "GET", "/api/chat", null);
    assertThat(listed.json().get(0).path("id").asLong()).isEqualTo(chat);
    Reply resumed = slipway.controlAs(owner, "GET", "/api/chat/" + chat, null);
    assertThat(resumed.status()).isEqualTo(200);
    JsonNode messages = resumed.json().path("messages");
    assertThat(messages.size()).isEqualTo(4);
    assertThat(messages.get(2).path("content").asText()).isEqualTo("and filtered by status");
    assertThat(messages.get(3).path("role").asText()).isEqualTo("assistant");
    assertThat(messages.get(3).path("generation").path("sql").asText()).contains(":status");

    String other = slipway.addMember("someone@example.com", "member").accessToken();
    assertThat(slipway.controlAs(other, "GET", "/api/chat/" + chat, null).status()).isEqualTo(404);
    assertThat(say(other, "{\"chatId\": " + chat + ", \"message\": \"more\"}").status())
        .isEqualTo(404);
    assertThat(slipway.controlAs(other, "GET", "/api/chat", null).json().size()).isZero();
  }

  @Test
  void an_api_keys_conversations_are_its_own() {
    String first =
        slipway
            .control(
                "POST",
                "/api/keys",
                "{\"name\": \"ci one\", \"role\": \"admin\"}",
                "application/json")
            .json()
            .path("token")
            .asText();
    String second =
        slipway
            .control(
                "POST",
                "/api/keys",
                "{\"name\": \"ci two\", \"role\": \"viewer\"}",
                "application/json")
            .json()
            .path("token")
            .asText();
    long chat =
        only(events(say(first, "{\"message\": \"list teams\"}")), "chat").path("chatId").asLong();
    assertThat(slipway.controlAs(first, "GET", "/api/chat/" + chat, null).status()).isEqualTo(200);
    assertThat(slipway.controlAs(second, "GET", "/api/chat/" + chat, null).status()).isEqualTo(404);
    assertThat(slipway.controlAs(second, "GET", "/api/chat", null).json().size()).isZero();
    // nor are they the signed-in user's
    assertThat(slipway.control("GET", "/api/chat/" + chat).status()).isEqualTo(404);
  }

  @Test
  void what_cannot_be_generated_streams_an_error_and_a_bad_message_is_a_422() {
    String member = slipway.addMember("asker@example.com", "member").accessToken();
    List<Event> events = events(say(member, "{\"message\": \"delete every project\"}"));
    assertThat(only(events, "error").path("code").asText()).isEqualTo("model_required");
    assertThat(events.getLast().name()).isEqualTo("done");
    Reply bad = say(member, "{\"message\": \"\", \"deploy\": 1}");
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.errorPaths()).containsExactlyInAnyOrder("/message", "/deploy");
  }
}
