package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One sandbox worker, and more keep-alive clients than its pipeline holds. Its reader thread
 * answers each script's call and reads that connection's next request itself; a run started there
 * must never wait for room in the pipeline that only this thread can empty.
 */
// one worker; a run that waited for room would fail after the timeout with 503 sandbox_busy
@ServerTest(settings = {"SLIPWAY_SANDBOX_WORKERS=1", "SLIPWAY_SCRIPT_TIMEOUT_MS=3000"})
class OneWorkerTest {
  private static final int CLIENTS = 96;
  private static final int CALLS_EACH = 40;

  private static TestDatabase database;
  private static TestSlipway slipway;

  @BeforeAll
  static void start() throws Exception {
    slipway.save(
        """
        name: sum
        method: POST
        path: /api/sum
        input:
          body:
            type: object
            properties: { items: { type: array, items: { type: number } } }
        steps:
          - id: sum
            script: |
              return { sum: ctx.input.body.items.reduce((a, b) => a + b, 0) };
        response:
          body: "${steps.sum}"
        """);
    slipway.deploy("{}");
  }

  @Test
  void more_clients_than_the_pipeline_holds_are_all_answered() throws Exception {
    List<Callable<Map<Integer, Integer>>> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      clients.add(OneWorkerTest::client);
    }
    var statuses = new TreeMap<Integer, Integer>();
    try (var threads = Executors.newFixedThreadPool(CLIENTS)) {
      for (Future<Map<Integer, Integer>> done : threads.invokeAll(clients)) {
        done.get().forEach((status, count) -> statuses.merge(status, count, Integer::sum));
      }
    }
    assertThat(statuses).isEqualTo(Map.of(200, CLIENTS * CALLS_EACH));
  }

  /** One keep-alive connection making its calls one after another: how many got each status. */
  private static Map<Integer, Integer> client() throws IOException {
    byte[] body = "{\"items\": [1, 2, 3.5]}".getBytes(StandardCharsets.UTF_8);
    byte[] request =
        ("POST /api/sum HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length
                + "\r\n\r\n"
                + new String(body, StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8);
    var statuses = new TreeMap<Integer, Integer>();
    try (var socket = new Socket("127.0.0.1", slipway.dataPort())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      var in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      for (int call = 0; call < CALLS_EACH; call++) {
        out.write(request);
        out.flush();
        int status = Integer.parseInt(in.readLine().split(" ")[1]);
        int length = 0;
        for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
          if (line.regionMatches(true, 0, "Content-Length:", 0, 15))
            length = Integer.parseInt(line.substring(15).trim());
        }
        if (in.skip(length) != length) throw new IOException("the answer ended early");
        statuses.merge(status, 1, Integer::sum);
      }
    }
    return statuses;
  }
}
