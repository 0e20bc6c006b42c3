package dev.slipway.http;

import dev.slipway.realtime.Hub;
import dev.slipway.realtime.Subscription;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.server.Handshaker;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;

/** Where the data plane hands a channel's subscriber: the hub, over SSE or a WebSocket. */
final class Channels {
  private final Hub hub;
  private final WebSocketComponents webSockets;
  private final Configuration.ConfigurationCustomizer webSocketConfiguration;
  private final Handshaker handshaker = Handshaker.newInstance();

  Channels(
      Hub hub,
      WebSocketComponents webSockets,
      Configuration.ConfigurationCustomizer webSocketConfiguration) {
    this.hub = hub;
    this.webSockets = webSockets;
    this.webSocketConfiguration = webSocketConfiguration;
  }

  /** Sends the subscription's messages as Server-Sent Events on {@code response}. */
  void stream(Subscription subscription, long lastEventId, Response response, Callback exchange) {
    var subscriber = new ChannelStreams.Sse(subscription, response, exchange);
    subscriber.heartbeat(); // the opening frame goes out at once, with the headers
    hub.subscribe(subscriber, lastEventId);
  }

  /** Upgrades to a WebSocket that is sent the subscription's messages; false when it cannot. */
  boolean upgrade(
      Subscription subscription,
      long lastEventId,
      Request request,
      Response response,
      Callback exchange) {
    WebSocketNegotiator negotiator =
        (upgradeRequest, upgradeResponse, callback) -> {
          // no permessage-deflate: each subscriber would compress the same frames with a
          // compressor (and its memory) of its own
          upgradeResponse.setExtensions(List.of());
          var holder = new ChannelStreams.WebSocket[1];
          holder[0] =
              new ChannelStreams.WebSocket(
                  subscription,
                  // reading the missed messages blocks: not on the thread that opened the socket
                  () -> Thread.ofVirtual().start(() -> hub.subscribe(holder[0], lastEventId)));
          return holder[0];
        };
    return handshaker.upgradeRequest(
        negotiator, request, response, exchange, webSockets, webSocketConfiguration);
  }

  /** Whether the request asks to upgrade to a WebSocket. */
  static boolean asksForWebSocket(Request request) {
    String upgrade = request.getHeaders().get(HttpHeader.UPGRADE);
    return upgrade != null && upgrade.equalsIgnoreCase("websocket");
  }

  /**
   * The id after which a reconnecting subscriber resumes: its {@code Last-Event-ID} header (which
   * an {@code EventSource} sends by itself), or the query's {@code lastEventId} (a WebSocket cannot
   * send headers); -1 when it sends neither, or no number.
   */
  static long lastEventId(Request request) {
    String value = request.getHeaders().get("Last-Event-ID");
    if (value == null && request.getHttpURI().getQuery() != null) {
      Fields.Field field = Request.extractQueryParameters(request).get("lastEventId");
      value = field == null ? null : field.getValue();
    }
    if (value == null) return -1;
    try {
      return Math.max(-1, Long.parseLong(value.strip()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
