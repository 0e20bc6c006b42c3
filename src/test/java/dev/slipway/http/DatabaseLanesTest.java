package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests that use the database run in lanes, as many at once as the pool has connections. A
 * client that sends its body slowly must not hold a lane while it does, or a few such clients would
 * shut every database endpoint.
 */
@ServerTest(settings = "SLIPWAY_DB_POOL_SIZE=" + DatabaseLanesTest.POOL)
class DatabaseLanesTest {
  static final int POOL = 2;

  private static TestDatabase database;
  private static TestSlipway slipway;

  @BeforeAll
  static void start() throws Exception {
    slipway.save(
        """
        name: greet
        method: POST
        path: /api/greet
        input:
          body:
            type: object
            properties: { name: { type: string } }
        steps:
          - id: greeting
            sql: select 'hello ' || :name as greeting
            params: { name: "${input.body.name}" }
            expect: one
        response:
          body: "${steps.greeting.row}"
        """);
    slipway.save(
        """
        name: one
        method: GET
        path: /api/one
        steps:
          - id: one
            sql: select 1 as one
            expect: one
        response:
          body: "${steps.one.row}"
        """);
    slipway.deploy("{}");
  }

  @Test
  void clients_sending_their_bodies_slowly_do_not_hold_up_other_database_calls() throws Exception {
    byte[] body = "{\"name\": \"slow client\"}".getBytes(StandardCharsets.UTF_8);
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < POOL * 2; i++) {
        var socket = new Socket("127.0.0.1", slipway.dataPort());
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /api/greet HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, 5);
        out.flush();
        slow.add(socket);
      }
      Thread.sleep(300);

      var other = CompletableFuture.supplyAsync(() -> slipway.data("GET", "/api/one"));
      TestSlipway.Reply reply = other.get(10, TimeUnit.SECONDS);
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.json().get("one").asInt()).isEqualTo(1);

      for (Socket socket : slow) {
        socket.getOutputStream().write(body, 5, body.length - 5);
        socket.getOutputStream().flush();
      }
      for (Socket socket : slow) {
        var in =
            new BufferedReader(
                new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        assertThat(in.readLine()).startsWith("HTTP/1.1 200");
      }
    } finally {
      for (Socket socket : slow) socket.close();
    }
  }
}
