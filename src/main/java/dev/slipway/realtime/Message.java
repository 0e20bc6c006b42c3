package dev.slipway.realtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.common.Json;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * One published message: its id (the order of publishing, and the SSE event id), the org and topic
 * it was published on, its event name (or null) and its data as JSON text. What subscribers are
 * sent of it is worked out once, however many they are.
 */
public final class Message {
  private final long orgId;
  private final long id;
  private final String topic;
  private final String event;
  private final String data;

  private volatile byte[] sseFrame;
  private volatile byte[] webSocketText;
  private volatile Object parsed;
  private volatile Object converted;

  /**
   * @param data the message's data as JSON text on one line (as PostgreSQL writes jsonb)
   */
  public Message(long orgId, long id, String topic, String event, String data) {
    this.orgId = orgId;
    this.id = id;
    this.topic = topic;
    this.event = event;
    this.data = data;
  }

  public long orgId() {
    return orgId;
  }

  public long id() {
    return id;
  }

  public String topic() {
    return topic;
  }

  /** The event name, or null. */
  public String event() {
    return event;
  }

  /** The data as JSON text. */
  public String data() {
    return data;
  }

  /** The data as plain Java values (maps, lists, strings, numbers, booleans, null). */
  public Object value() {
    Object value = parsed;
    if (value == null) {
      try {
        value = Json.plain(Json.MAPPER.readTree(data));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("message " + id + " holds no JSON", e);
      }
      parsed = value;
    }
    return value;
  }

  /**
   * The data converted by {@code convert} (always the same one: a filter's expression language's
   * value model), converted once for every subscriber that reads it.
   */
  public Object converted(UnaryOperator<Object> convert) {
    Object value = converted;
    if (value == null) {
      value = convert.apply(value());
      converted = value;
    }
    return value;
  }

  /**
   * The message as a Server-Sent Events frame: {@code id}, {@code event} when it has one, {@code
   * data}.
   */
  public byte[] sseFrame() {
    byte[] frame = sseFrame;
    if (frame == null) {
      frame =
          ("id: "
                  + id
                  + "\n"
                  + (event == null ? "" : "event: " + event + "\n")
                  + "data: "
                  + data
                  + "\n\n")
              .getBytes(StandardCharsets.UTF_8);
      sseFrame = frame;
    }
    return frame;
  }

  /** The message as a WebSocket text frame's payload: {@code {"id", "topic", "event", "data"}}. */
  public byte[] webSocketText() {
    byte[] text = webSocketText;
    if (text == null) {
      text =
          ("{\"id\":"
                  + id
                  + ",\"topic\":"
                  + Json.write(topic)
                  + ",\"event\":"
                  + Json.write(event)
                  + ",\"data\":"
                  + data
                  + "}")
              .getBytes(StandardCharsets.UTF_8);
      webSocketText = text;
    }
    return text;
  }
}
