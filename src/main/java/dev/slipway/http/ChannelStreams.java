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
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * How a channel's subscriber is sent its messages: over Server-Sent Events on the GET's response
 * ({@link Sse}), or over a WebSocket ({@link WebSocket}). Either way writes are asynchronous, one
 * batch at a time, and hold no thread while a client is slow.
 */
final class ChannelStreams {
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
   * A WebSocket, on Jetty's core WebSocket API (its session keeps no copy of the upgrade request or
   * its HTTP exchange: about half the memory a subscriber holds with Jetty's endpoint API): each
   * message a text frame {@code {"id", "topic", "event", "data"}}, the same bytes for every
   * subscriber, a ping as the heartbeat; a dropped subscriber is closed with 1008 (policy
   * violation) and the reason. A client's pings are answered; anything else it sends is read and
   * ignored, frame by frame, never gathered into a message.
   */
  static final class WebSocket extends Subscriber implements FrameHandler {
    private volatile CoreSession session;
    private final Runnable opened;

    /** {@code opened} runs once the upgrade is done: the subscriber may then be sent to. */
    WebSocket(Subscription subscription, Runnable opened) {
      super(subscription);
      this.opened = opened;
    }

    @Override
    public void onOpen(CoreSession session, Callback callback) {
      this.session = session;
      callback.succeeded();
      session.demand();
      opened.run();
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
      switch (frame.getOpCode()) {
        // the frame's payload is the client's until the callback: answered before it completes; a
        // pong that cannot be sent is no reason to close (the next write finds a dead connection)
        case OpCode.PING -> {
          Runnable next =
              () -> {
                callback.succeeded();
                session.demand();
              };
          session.sendFrame(
              new Frame(OpCode.PONG, true, frame.getPayload()),
              Callback.from(next, failure -> next.run()),
              false);
        }
        // Jetty answers a close and ends the session: onClosed follows
        case OpCode.CLOSE -> callback.succeeded();
        default -> {
          callback.succeeded();
          session.demand();
        }
      }
    }

    /** The client went away mid-frame, or broke the protocol: onClosed follows. */
    @Override
    public void onError(Throwable cause, Callback callback) {
      callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus status, Callback callback) {
      close();
      callback.succeeded();
    }

    @Override
    protected void send(List<Message> batch, boolean heartbeat, Callback done) {
      CoreSession open = session;
      if (heartbeat && batch.isEmpty()) {
        open.sendFrame(new Frame(OpCode.PING), done, false);
        return;
      }
      for (int i = 0; i < batch.size(); i++) {
        boolean last = i == batch.size() - 1;
        // frames go out in order, the small ones gathered into one write; the last one's
        // completion is the batch's
        open.sendFrame(
            new Frame(OpCode.TEXT, ByteBuffer.wrap(batch.get(i).webSocketText())),
            last ? done : Callback.NOOP,
            !last);
      }
    }

    @Override
    protected void drop(String reason, Callback done) {
      // Jetty cuts a reason to the 123 bytes a close frame holds
      session.close(CloseStatus.POLICY_VIOLATION, reason, done);
    }

    @Override
    protected void end(Throwable failure) {
      CoreSession open = session;
      if (open != null && open.isOutputOpen()) open.close(CloseStatus.NORMAL, null, Callback.NOOP);
    }
  }
}
