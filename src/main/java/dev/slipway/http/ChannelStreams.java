package dev.slipway.http;

import dev.slipway.common.Json;
import dev.slipway.realtime.Message;
import dev.slipway.realtime.Subscriber;
import dev.slipway.realtime.Subscription;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * How a channel's subscriber is sent its messages: over Server-Sent Events on the GET's response
 * ({@link Sse}), or over a WebSocket ({@link WebSocket}). Either way writes are asynchronous, one
 * batch at a time, and hold no thread while a client is slow. Public only because Jetty calls the
 * WebSocket's listener methods through method handles.
 */
public final class ChannelStreams {
  private ChannelStreams() {}

  /** The SSE frame sent first: the client's reconnect delay, and a comment that shows it works. */
  private static final byte[] OPENING =
      "retry: 2000\n: subscribed\n\n".getBytes(StandardCharsets.UTF_8);

  private static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.UTF_8);

  /** The reason a subscriber was dropped, as JSON. */
  private static String reason(String reason) {
    return Json.write(Map.of("reason", reason));
  }

  /**
   * Server-Sent Events: {@code id:} the message's id (a reconnecting {@code EventSource} sends it
   * back as {@code Last-Event-ID}), {@code event:} its event name when it has one, {@code data:}
   * its data. A dropped subscriber is sent {@code event: dropped} with the reason, and the stream
   * ends.
   */
  static final class Sse extends Subscriber {
    private final Response response;
    private final Callback exchange;
    private boolean opened;

    Sse(Subscription subscription, Response response, Callback exchange) {
      super(subscription);
      this.response = response;
      this.exchange = exchange;
    }

    @Override
    protected void send(List<Message> batch, boolean heartbeat, Callback done) {
      if (opened && !heartbeat && batch.size() == 1) {
        // the frame every subscriber is sent, not copied for each
        response.write(false, ByteBuffer.wrap(batch.getFirst().sseFrame()), done);
        return;
      }
      var bytes = new ByteArrayOutputStream();
      if (!opened) {
        bytes.writeBytes(OPENING);
        opened = true;
      } else if (heartbeat) {
        bytes.writeBytes(HEARTBEAT);
      }
      for (Message message : batch) bytes.writeBytes(message.sseFrame());
      response.write(false, ByteBuffer.wrap(bytes.toByteArray()), done);
    }

    @Override
    protected void drop(String reason, Callback done) {
      byte[] frame =
          ("event: dropped\ndata: " + reason(reason) + "\n\n").getBytes(StandardCharsets.UTF_8);
      response.write(true, ByteBuffer.wrap(frame), done);
    }

    @Override
    protected void end(Throwable failure) {
      if (failure == null) exchange.succeeded();
      else exchange.failed(failure);
    }
  }

  /**
   * A WebSocket: each message a text frame {@code {"id", "topic", "event", "data"}}, a ping as the
   * heartbeat; a dropped subscriber is closed with 1008 (policy violation) and the reason. What the
   * client sends is ignored.
   */
  public static final class WebSocket extends Subscriber implements Session.Listener.AutoDemanding {
    private volatile Session session;
    private final Runnable opened;

    /** {@code opened} runs once the upgrade is done: the subscriber may then be sent to. */
    WebSocket(Subscription subscription, Runnable opened) {
      super(subscription);
      this.opened = opened;
    }

    @Override
    public void onWebSocketOpen(Session session) {
      this.session = session;
      opened.run();
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
      close();
    }

    /** The client went away mid-frame, or broke the protocol: the socket closes. */
    @Override
    public void onWebSocketError(Throwable cause) {
      close();
    }

    @Override
    protected void send(List<Message> batch, boolean heartbeat, Callback done) {
      Session open = session;
      if (heartbeat && batch.isEmpty()) {
        open.sendPing(ByteBuffer.allocate(0), callback(done));
        return;
      }
      for (int i = 0; i < batch.size(); i++) {
        boolean last = i == batch.size() - 1;
        // frames go out in order: the last one's completion is the batch's
        open.sendText(
            batch.get(i).webSocketText(),
            last ? callback(done) : org.eclipse.jetty.websocket.api.Callback.NOOP);
      }
    }

    @Override
    protected void drop(String reason, Callback done) {
      session.close(StatusCode.POLICY_VIOLATION, closeReason(reason), callback(done));
    }

    @Override
    protected void end(Throwable failure) {
      Session open = session;
      if (open != null && open.isOpen()) open.close();
    }

    private static org.eclipse.jetty.websocket.api.Callback callback(Callback done) {
      return org.eclipse.jetty.websocket.api.Callback.from(done::succeeded, done::failed);
    }

    /** A close frame's reason has at most 123 bytes (the reasons given are ASCII). */
    private static String closeReason(String reason) {
      return reason.length() <= 123 ? reason : reason.substring(0, 120) + "...";
    }
  }
}
