package dev.slipway.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Server-sent events on a response's stream, each flushed as it is sent. */
final class EventStream {
  private final OutputStream out;
  private volatile boolean open = true;

  private EventStream(OutputStream out) {
    this.out = out;
  }

  /** Answers 200 with {@code text/event-stream} and returns the stream to send events on. */
  static EventStream open(Context ctx) throws IOException {
    ctx.status(200);
    ctx.contentType("text/event-stream; charset=utf-8");
    ctx.header("Cache-Control", "no-store");
    ctx.header("X-Accel-Buffering", "no");
    return new EventStream(ctx.res().getOutputStream());
  }

  /** Sends one event; false once the client has gone away. */
  synchronized boolean send(String event, JsonNode data) {
    return write("event: " + event + "\ndata: " + data.toString() + "\n\n");
  }

  /** Sends a comment, which keeps the connection in use; false once the client has gone away. */
  synchronized boolean comment(String text) {
    return write(": " + text + "\n\n");
  }

  boolean isOpen() {
    return open;
  }

  private boolean write(String text) {
    if (!open) return false;
    try {
      out.write(text.getBytes(StandardCharsets.UTF_8));
      out.flush();
      return true;
    } catch (IOException e) {
      open = false;
      return false;
    }
  }
}
