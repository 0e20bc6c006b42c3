package dev.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A Server-Sent Events client for tests: each event parsed as it comes. */
public final class Sse implements AutoCloseable {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One event: its id, its event name (null for none) and its data. */
  public record Event(String id, String event, String data) {}

  private final int status;
  private final String contentType;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Stream<String> lines;

  private Sse(HttpResponse<Stream<String>> response) {
    status = response.statusCode();
    contentType = response.headers().firstValue("Content-Type").orElse("");
    lines = response.body();
    Thread.ofVirtual().start(this::read);
  }

  /**
   * GETs {@code path} on the data plane at {@code port} asking for an event stream; once it is
   * open, the caller is subscribed.
   */
  public static Sse open(int port, String path, Map<String, String> headers) throws Exception {
    var request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Accept", "text/event-stream");
    headers.forEach(request::header);
    var client = new Sse(CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofLines()));
    if (client.status == 200) Thread.sleep(100); // the hub has it once the stream has opened
    return client;
  }

  private void read() {
    String id = null;
    String event = null;
    var data = new StringBuilder();
    try {
      for (String line : (Iterable<String>) lines::iterator) {
        if (line.isEmpty()) {
          if (!data.isEmpty()) events.add(new Event(id, event, data.toString()));
          id = null;
          event = null;
          data.setLength(0);
        } else if (line.startsWith("id: ")) id = line.substring(4);
        else if (line.startsWith("event: ")) event = line.substring(7);
        else if (line.startsWith("data: ")) data.append(line.substring(6));
      }
    } catch (RuntimeException closed) {
      // the stream was closed
    }
  }

  public int status() {
    return status;
  }

  public String contentType() {
    return contentType;
  }

  /** The next event; fails the test when none comes within 15 s. */
  public Event next() throws InterruptedException {
    Event event = poll(Duration.ofSeconds(15));
    assertThat(event).as("an event within 15 s").isNotNull();
    return event;
  }

  /** The next event within {@code wait}, or null. */
  public Event poll(Duration wait) throws InterruptedException {
    return events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    lines.close();
  }
}
