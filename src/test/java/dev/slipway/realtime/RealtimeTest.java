package dev.slipway.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.slipway.common.Json;
import dev.slipway.testing.Sse;
import dev.slipway.testing.Sse.Event;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestOrg;
import dev.slipway.testing.TestSlipway;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Realtime channels against a real server and PostgreSQL, with real SSE and WebSocket clients:
 * messages published by an emit step reach subscribers after the commit (and never from a request
 * that rolled back), on another instance too; a JWT channel refuses callers without a token and
 * sends each caller only its tenant's topic and what its filter admits; a reconnect with
 * Last-Event-ID gets what it missed; a table's trigger publishes its changes, never for another
 * org; a subscriber that stops reading is dropped with the reason while the others go on.
 */
class RealtimeTest {
  private static final String JWT_SECRET = "a-realtime-hs256-secret-long-enough-0123456789";
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final TestDatabase database = new TestDatabase();
  private TestSlipway slipway;
  private final List<AutoCloseable> clients = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    slipway = TestSlipway.start(database.url(), null, Map.of());
    database.execute("create table app.notes (id bigserial primary key, body text not null)");
    database.execute("grant select, insert on app.notes to " + slipway.orgLogin());
    database.execute("grant usage on all sequences in schema app to " + slipway.orgLogin());
    slipway.control(
        "PUT", "/api/secrets/JWT_SECRET", "{\"value\":\"" + JWT_SECRET + "\"}", "application/json");
    slipway.save(
        """
        name: feed
        method: GET
        path: /live/feed
        trigger: { channel: { topic: feed, history: 5, buffer: 4 } }
        """);
    slipway.save(
        """
        name: tenant-feed
        method: GET
        path: /live/tenant
        auth: { mode: jwt, jwt: { secret: "${secrets.JWT_SECRET}" } }
        trigger:
          channel:
            topic: "tenant.${auth.claims.tenant}"
            filter: "!has(message.owner) || message.owner == auth.sub"
        """);
    slipway.save(
        """
        name: publish
        method: POST
        path: /publish/:topic
        input:
          params: { topic: { type: string } }
          body: { type: object }
        steps:
          - id: note
            sql: insert into app.notes (body) values (:body) returning id
            params: { body: "${input.body.text}" }
            expect: one
          - id: sent
            emit: "${input.params.topic}"
            event: note
            payload: "${input.body}"
          - id: allowed
            validate: "${input.body.text}"
            schema: { not: { const: refused } }
        response: { status: 201, body: { message: "${steps.sent.id}" } }
        """);
    slipway.deploy("{}");
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable client : clients) client.close();
    if (slipway != null) slipway.close();
    database.close();
  }

  private long publish(TestSlipway on, String topic, String json) {
    TestSlipway.Reply reply = on.data("POST", "/publish/" + topic, json, "application/json");
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    return reply.json().path("message").asLong();
  }

  @Test
  void sse_subscribers_get_what_is_published_after_the_commit_and_nothing_of_a_rollback()
      throws Exception {
    Sse first = sse(slipway, "/live/feed", Map.of());
    Sse second = sse(slipway, "/live/feed", Map.of());
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.contentType()).startsWith("text/event-stream");

    long id = publish(slipway, "feed", "{\"text\":\"hello\"}");
    TestSlipway.Reply refused =
        slipway.data("POST", "/publish/feed", "{\"text\":\"refused\"}", "application/json");
    assertThat(refused.status()).isEqualTo(400);
    publish(slipway, "other", "{\"text\":\"elsewhere\"}");
    long last = publish(slipway, "feed", "{\"text\":\"again\"}");

    for (Sse client : List.of(first, second)) {
      Event hello = client.next();
      assertThat(hello.id()).isEqualTo(Long.toString(id));
      assertThat(hello.event()).isEqualTo("note");
      assertThat(Json.MAPPER.readTree(hello.data()).path("text").asText()).isEqualTo("hello");
      // the refused request's message was rolled back with it; "other" is another topic
      assertThat(client.next().id()).isEqualTo(Long.toString(last));
    }
    assertThat(first.poll(Duration.ofMillis(500))).isNull();
    // a HEAD gets the stream's headers and ends: it is no subscriber
    TestSlipway.Reply head = slipway.data("HEAD", "/live/feed");
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Type")).startsWith("text/event-stream");
  }

  @Test
  void a_websocket_subscriber_gets_messages_and_one_that_comes_back_gets_what_it_missed()
      throws Exception {
    var socket = webSocket(slipway, "/live/feed");
    long first = publish(slipway, "feed", "{\"text\":\"one\"}");
    JsonNode frame = Json.MAPPER.readTree(socket.next());
    assertThat(frame.path("id").asLong()).isEqualTo(first);
    assertThat(frame.path("topic").asText()).isEqualTo("feed");
    assertThat(frame.path("event").asText()).isEqualTo("note");
    assertThat(frame.path("data").path("text").asText()).isEqualTo("one");
    // a ping is answered; what a client sends is ignored, however large, and it stays subscribed
    socket.socket.sendPing(ByteBuffer.wrap("are you there".getBytes(StandardCharsets.UTF_8)));
    assertThat(socket.pong()).isEqualTo("are you there");
    socket.socket.sendText("x".repeat(200_000), true).get(10, TimeUnit.SECONDS);
    long second = publish(slipway, "feed", "{\"text\":\"two\"}");
    assertThat(Json.MAPPER.readTree(socket.next()).path("id").asLong()).isEqualTo(second);

    // missed while away: more than the channel's history of 5 keeps for it
    var missed = new ArrayList<Long>();
    for (int i = 0; i < 7; i++) missed.add(publish(slipway, "feed", "{\"text\":\"m" + i + "\"}"));
    Sse back = sse(slipway, "/live/feed", Map.of("Last-Event-ID", Long.toString(first)));
    for (long id : missed.subList(2, 7)) assertThat(back.next().id()).isEqualTo(Long.toString(id));
    long live = publish(slipway, "feed", "{\"text\":\"live\"}");
    assertThat(back.next().id()).isEqualTo(Long.toString(live));

    var resumed = webSocket(slipway, "/live/feed?lastEventId=" + missed.get(5));
    assertThat(Json.MAPPER.readTree(resumed.next()).path("id").asLong()).isEqualTo(missed.get(6));
    assertThat(Json.MAPPER.readTree(resumed.next()).path("id").asLong()).isEqualTo(live);
  }

  @Test
  void a_jwt_channel_refuses_callers_without_a_token_and_sends_each_only_its_own()
      throws Exception {
    Sse anonymous = sse(slipway, "/live/tenant", Map.of());
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.contentType()).startsWith("application/problem+json");
    Sse forged =
        sse(
            slipway,
            "/live/tenant",
            Map.of(
                "Authorization",
                "Bearer " + token("ann", "a", "not-the-secret-but-as-long-0123456789abcdef")));
    assertThat(forged.status()).isEqualTo(401);

    Sse ann = sse(slipway, "/live/tenant", Map.of("Authorization", "Bearer " + token("ann", "a")));
    Sse bob = sse(slipway, "/live/tenant", Map.of("Authorization", "Bearer " + token("bob", "a")));
    // a browser's EventSource cannot send headers: the token may come in the query
    Sse cleo = sse(slipway, "/live/tenant?access_token=" + token("cleo", "b"), Map.of());
    assertThat(cleo.status()).isEqualTo(200);

    long shared = publish(slipway, "tenant.a", "{\"text\":\"for a\"}");
    long annOnly = publish(slipway, "tenant.a", "{\"text\":\"ann's\",\"owner\":\"ann\"}");
    long forB = publish(slipway, "tenant.b", "{\"text\":\"for b\"}");

    assertThat(ann.next().id()).isEqualTo(Long.toString(shared));
    assertThat(ann.next().id()).isEqualTo(Long.toString(annOnly));
    assertThat(bob.next().id()).isEqualTo(Long.toString(shared));
    assertThat(cleo.next().id()).isEqualTo(Long.toString(forB));
    assertThat(bob.poll(Duration.ofMillis(500))).isNull();
    assertThat(cleo.poll(Duration.ofMillis(100))).isNull();
  }

  @Test
  void a_jwt_subscriber_is_dropped_when_its_token_expires() throws Exception {
    slipway.save(
        """
        name: strict-feed
        method: GET
        path: /live/strict
        auth: { mode: jwt, jwt: { secret: "${secrets.JWT_SECRET}", clockSkewSeconds: 0 } }
        trigger: { channel: { topic: feed } }
        """);
    slipway.deploy("{}");
    var jwt =
        new SignedJWT(
            new JWSHeader(JWSAlgorithm.HS256),
            new JWTClaimsSet.Builder()
                .subject("short")
                .expirationTime(Date.from(Instant.now().plusSeconds(3)))
                .build());
    jwt.sign(new MACSigner(JWT_SECRET.getBytes(StandardCharsets.UTF_8)));
    Sse brief = sse(slipway, "/live/strict", Map.of("Authorization", "Bearer " + jwt.serialize()));
    assertThat(brief.status()).isEqualTo(200);
    var socket = webSocket(slipway, "/live/strict?access_token=" + jwt.serialize());
    long before = publish(slipway, "feed", "{\"text\":\"in time\"}");
    assertThat(brief.next().id()).isEqualTo(Long.toString(before));
    assertThat(Json.MAPPER.readTree(socket.next()).path("id").asLong()).isEqualTo(before);
    Event dropped = brief.next();
    assertThat(dropped.event()).isEqualTo("dropped");
    assertThat(dropped.data()).contains("expired");
    // a WebSocket is closed with 1008 (policy violation) and the reason
    assertThat(socket.closed()).startsWith("1008 ").contains("expired");
  }

  @Test
  void messages_reach_subscribers_on_another_instance() throws Exception {
    try (TestSlipway other = TestSlipway.start(database.url(), null, Map.of())) {
      Sse there = sse(other, "/live/feed", Map.of());
      long id = publish(slipway, "feed", "{\"text\":\"across\"}");
      assertThat(there.next().id()).isEqualTo(Long.toString(id));
    }
  }

  @Test
  void a_tables_trigger_publishes_its_changes_and_never_for_another_org() throws Exception {
    long org =
        ((Number) database.scalar("select org_id from slipway.org_logins limit 1")).longValue();
    database.execute(
        "create trigger notes_live after insert on app.notes for each row execute function"
            + " slipway_runtime.publish_change('"
            + org
            + "', 'notes')");
    slipway.save(
        """
        name: notes-live
        method: GET
        path: /live/notes
        trigger: { channel: { topic: notes } }
        """);
    slipway.deploy("{}");
    Sse notes = sse(slipway, "/live/notes", Map.of());
    publish(slipway, "feed", "{\"text\":\"a note\"}");
    Event change = notes.next();
    assertThat(change.event()).isEqualTo("insert");
    JsonNode data = Json.MAPPER.readTree(change.data());
    assertThat(data.path("table").asText()).isEqualTo("app.notes");
    assertThat(data.path("row").path("body").asText()).isEqualTo("a note");

    // an org's write never publishes on another org's topics through a trigger naming that org
    TestOrg other = TestOrg.create(slipway, database, "realtime-trigger-other");
    long otherOrg = other.id();
    database.execute("drop trigger notes_live on app.notes");
    database.execute(
        "create trigger notes_forged after insert on app.notes for each row execute function"
            + " slipway_runtime.publish_change('"
            + otherOrg
            + "', 'notes')");
    other.save(
        """
        name: other-notes
        method: GET
        path: /other/live/notes
        trigger: { channel: { topic: notes } }
        """);
    other.deploy("{}");
    Sse theirs = sse(slipway, "/other/live/notes", Map.of());
    publish(slipway, "feed", "{\"text\":\"not theirs\"}");
    assertThat(theirs.poll(Duration.ofMillis(700))).isNull();
    assertThat(notes.poll(Duration.ofMillis(100))).isNull();
  }

  @Test
  void an_org_publishes_on_its_own_topics_only() throws Exception {
    TestOrg other = TestOrg.create(slipway, database, "realtime-other");
    other.save(
        """
        name: other-feed
        method: GET
        path: /other/live/feed
        trigger: { channel: { topic: feed } }
        """);
    other.save(
        """
        name: other-publish
        method: POST
        path: /other/publish
        steps:
          - id: sent
            emit: feed
            payload: { text: "from the other org" }
        response: { status: 201, body: { message: "${steps.sent.id}" } }
        """);
    other.save(
        """
        name: other-history
        method: GET
        path: /other/history
        steps:
          - id: seen
            sql: select count(*) as n, min(data->>'text') as text from slipway_runtime.channel_history('feed', 0, 1000)
            expect: one
        response: { body: "${steps.seen.row}" }
        """);
    other.deploy("{}");
    Sse mine = sse(slipway, "/live/feed", Map.of());
    Sse theirs = sse(slipway, "/other/live/feed", Map.of());

    TestSlipway.Reply sent = slipway.data("POST", "/other/publish", "{}", "application/json");
    assertThat(sent.status()).as(sent.body()).isEqualTo(201);
    assertThat(theirs.next().id()).isEqualTo(sent.json().path("message").asText());
    long own = publish(slipway, "feed", "{\"text\":\"mine\"}");
    assertThat(mine.next().id()).isEqualTo(Long.toString(own));
    assertThat(theirs.poll(Duration.ofMillis(500))).isNull();
    // what an org's SQL reads of a topic's history is its own org's
    JsonNode seen = slipway.data("GET", "/other/history").json();
    assertThat(seen.path("n").asLong()).isEqualTo(1);
    assertThat(seen.path("text").asText()).isEqualTo("from the other org");

    // an org's SQL cannot reach the publishing function that takes an org's id
    assertThatThrownBy(
            () ->
                other.save(
                    """
            name: other-forged
            method: POST
            path: /other/forged
            steps:
              - id: sent
                sql: select slipway.publish(1, 'feed', null, '{}'::jsonb) as id
                expect: one
            """))
        .hasMessageContaining("permission denied");
  }

  @Test
  void a_subscriber_that_stops_reading_is_dropped_with_the_reason_and_the_others_go_on()
      throws Exception {
    Sse reader = sse(slipway, "/live/feed", Map.of());
    long org =
        ((Number) database.scalar("select org_id from slipway.org_logins limit 1")).longValue();
    try (Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new java.net.InetSocketAddress("127.0.0.1", slipway.dataPort()));
      stalled
          .getOutputStream()
          .write(
              "GET /live/feed HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      Thread.sleep(300); // subscribed; from here on it reads nothing
      // 60 KB messages fill the socket's buffers; the channel lets 4 more wait, then drops it
      String big = "x".repeat(60_000);
      for (int i = 0; i < 400; i++) {
        database.execute(
            "select slipway.publish("
                + org
                + ", 'feed', null, jsonb_build_object('text', '"
                + big
                + "', 'n', "
                + i
                + "))");
        if (i % 50 == 49) {
          // the reader keeps up all along
          for (int j = 0; j < 50; j++) assertThat(reader.next().data()).contains("\"n\"");
        }
      }
      stalled.setSoTimeout(10_000);
      String tail = readToEnd(stalled.getInputStream());
      assertThat(tail).contains("event: dropped");
      assertThat(tail).contains("slow consumer");
    }
    long id = publish(slipway, "feed", "{\"text\":\"after\"}");
    assertThat(reader.next().id()).isEqualTo(Long.toString(id));
  }

  // --- clients --------------------------------------------------------------------------------

  private static String token(String subject, String tenant) throws Exception {
    return token(subject, tenant, JWT_SECRET);
  }

  private static String token(String subject, String tenant, String secret) throws Exception {
    var jwt =
        new SignedJWT(
            new JWSHeader(JWSAlgorithm.HS256),
            new JWTClaimsSet.Builder()
                .subject(subject)
                .expirationTime(Date.from(Instant.now().plusSeconds(300)))
                .claim("tenant", tenant)
                .build());
    jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  /** Reads until the server ends the stream (or the timeout), keeping the last 64 KB. */
  private static String readToEnd(InputStream in) throws Exception {
    var tail = new StringBuilder();
    byte[] buffer = new byte[65536];
    try {
      for (int n; (n = in.read(buffer)) > 0; ) {
        tail.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
        if (tail.length() > 65536) tail.delete(0, tail.length() - 65536);
      }
    } catch (java.net.SocketTimeoutException e) {
      // what came is what there is
    }
    return tail.toString();
  }

  private Sse sse(TestSlipway on, String path, Map<String, String> headers) throws Exception {
    var client = Sse.open(on.dataPort(), path, headers);
    clients.add(client);
    return client;
  }

  /** A WebSocket client: each text message as it comes, the pongs, and how the server closed. */
  private static final class Socket2 implements WebSocket.Listener, AutoCloseable {
    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> pongs = new LinkedBlockingQueue<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    WebSocket socket;

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        messages.add(partial.toString());
        partial.setLength(0);
      }
      webSocket.request(1);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
      pongs.add(StandardCharsets.UTF_8.decode(message).toString());
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(statusCode + " " + reason);
      return null;
    }

    /** The server's close frame: its status code and reason. */
    String closed() throws Exception {
      return closed.get(15, TimeUnit.SECONDS);
    }

    String pong() throws InterruptedException {
      String pong = pongs.poll(15, TimeUnit.SECONDS);
      assertThat(pong).as("a pong within 15 s").isNotNull();
      return pong;
    }

    String next() throws InterruptedException {
      String message = messages.poll(15, TimeUnit.SECONDS);
      assertThat(message).as("a message within 15 s").isNotNull();
      return message;
    }

    @Override
    public void close() {
      if (socket != null) socket.abort();
    }
  }

  private Socket2 webSocket(TestSlipway on, String path) throws Exception {
    var listener = new Socket2();
    listener.socket =
        CLIENT
            .newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + on.dataPort() + path), listener)
            .get(10, TimeUnit.SECONDS);
    clients.add(listener);
    Thread.sleep(200); // subscribed once the socket has opened
    return listener;
  }
}
