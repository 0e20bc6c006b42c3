package dev.slipway.realtime;

import dev.slipway.testing.ServerProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Realtime fan-out on this machine, with {@code bin/slipway serve} as a user runs it (embedded
 * PostgreSQL): {@code subscribers} SSE (or, with {@code ws}, WebSocket) subscribers on one
 * instance, spread over {@code topics} topics, while messages are published at {@code rate} a
 * second (each request publishes {@code batch} of them in one transaction, round robin over the
 * topics) for {@code seconds}. Each message carries the time its request was sent; each subscriber
 * notes when it read it, so the latency is end to end: the publishing request, its commit, NOTIFY,
 * the fan-out and the socket. Reports deliveries a second, lost deliveries and latency percentiles.
 * Run by {@code bench/realtime/run.sh}; not a test.
 */
public final class RealtimeBench {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();

  /** Latencies counted in buckets of 100 µs, up to 60 s. */
  private static final int BUCKET_MICROS = 100;

  private static final String CHANNEL =
      """
      name: bench-channel
      method: GET
      path: /live/:k
      input: { params: { k: { type: string } } }
      trigger: { channel: { topic: "bench.${input.params.k}", buffer: 1000 } }
      """;

  private static final String PUBLISH =
      """
      name: bench-publish
      method: POST
      path: /publish
      input: { body: { type: object } }
      steps:
        - id: sent
          sql: >-
            select count(slipway_runtime.emit('bench.' || ((cast(:first as int) + g) % cast(:topics as int)),
              jsonb_build_object('t', cast(:t as bigint)))) as n
            from generate_series(0, cast(:count as int) - 1) g
          params: { first: "${input.body.first}", topics: "${input.body.topics}", t: "${input.body.t}", count: "${input.body.count}" }
          expect: one
      response: { body: { sent: "${steps.sent.row.n}" } }
      """;

  public static void main(String[] args) throws Exception {
    int subscribers = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int topics = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int rate = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    int batch = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    int seconds = args.length > 4 ? Integer.parseInt(args[4]) : 20;
    boolean webSocket = args.length > 5 && args[5].equals("ws");
    Path dir = Files.createTempDirectory("slipway-realtime-bench");
    var settings = new HashMap<String, String>();
    settings.put("SLIPWAY_CALL_LOG_LEVEL", "WARN");
    System.getenv()
        .forEach(
            (name, value) -> {
              if (name.startsWith("SLIPWAY_")) settings.put(name, value);
            });
    try (var server = ServerProcess.launchScript(dir.resolve("data"), settings)) {
      server.awaitHealthy(Duration.ofMinutes(3));
      for (String spec : List.of(CHANNEL, PUBLISH)) {
        var saved = server.control("POST", "/api/endpoints", spec, "application/yaml");
        if (saved.status() != 201) throw new IllegalStateException("spec refused: " + saved);
      }
      var deployed = server.control("POST", "/api/deploy", "{}", "application/json");
      if (deployed.status() != 201) throw new IllegalStateException("deploy: " + deployed);
      URI data = URI.create(server.dataUrl());

      long before = residentKb(server.pid());
      var clients = new Subscribers(data.getPort(), webSocket);
      long connecting = System.nanoTime();
      for (int i = 0; i < subscribers; i++) {
        clients.open("/live/" + (i % topics));
        if (i % 500 == 499) Thread.sleep(50); // within the server's accept queue
      }
      Thread clientThread = Thread.ofPlatform().name("subscribers").start(clients::run);
      clients.awaitOpened(subscribers, Duration.ofMinutes(2));
      System.out.printf(
          "machine: %d cores; embedded PostgreSQL; %,d %s subscribers on %,d topic(s) opened in"
              + " %.1f s%n",
          Runtime.getRuntime().availableProcessors(),
          subscribers,
          webSocket ? "WebSocket" : "SSE",
          topics,
          (System.nanoTime() - connecting) / 1e9);

      System.out.printf(
          "server resident memory: %,d MB before the subscribers, %,d MB with them%n",
          before / 1024, residentKb(server.pid()) / 1024);
      // warm up for a few seconds, then measure
      publish(data, topics, rate, batch, Duration.ofSeconds(5), new AtomicLong());
      Thread.sleep(2_000);
      clients.reset();
      var published = new AtomicLong();
      long began = System.nanoTime();
      publish(data, topics, rate, batch, Duration.ofSeconds(seconds), published);
      double publishing = (System.nanoTime() - began) / 1e9;
      Thread.sleep(3_000); // the last deliveries arrive
      long expected = published.get() * subscribers / topics;
      long delivered = clients.delivered.get();
      System.out.printf(
          "published %,d messages in %.1f s (%,.0f/s, %d per request); each to %,d subscriber(s):"
              + " %,d deliveries expected, %,d received (%,.0f/s)%n",
          published.get(),
          publishing,
          published.get() / publishing,
          batch,
          subscribers / topics,
          expected,
          delivered,
          delivered / publishing);
      System.out.printf(
          "latency, request sent to subscriber read: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, p99.9"
              + " %.1f ms, max %.1f ms; subscribers still open: %,d%n",
          clients.percentile(0.50),
          clients.percentile(0.90),
          clients.percentile(0.99),
          clients.percentile(0.999),
          clients.percentile(1.0),
          clients.open());
      clients.stop();
      clientThread.join(5_000);
    }
  }

  /** A process's resident set in KB, from /proc (Linux). */
  private static long residentKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
    return -1;
  }

  /** Publishes {@code rate} messages a second in requests of {@code batch} for {@code length}. */
  private static void publish(
      URI data, int topics, int rate, int batch, Duration length, AtomicLong published)
      throws Exception {
    long interval = 1_000_000_000L * batch / rate;
    long start = System.nanoTime();
    long end = start + length.toNanos();
    var pending = new ArrayList<java.util.concurrent.CompletableFuture<?>>();
    int first = 0;
    for (long next = start; next < end; next += interval) {
      long wait = next - System.nanoTime();
      if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      Instant now = Instant.now();
      long micros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
      String body =
          "{\"first\":%d,\"topics\":%d,\"t\":%d,\"count\":%d}"
              .formatted(first, topics, micros, batch);
      first = (first + batch) % topics;
      pending.add(
          HTTP.sendAsync(
                  HttpRequest.newBuilder(data.resolve("/publish"))
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString(body))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .thenAccept(
                  reply -> {
                    if (reply.statusCode() != 200)
                      throw new IllegalStateException("publish: " + reply.body());
                    published.addAndGet(batch);
                  }));
    }
    for (var future : pending) future.join();
  }

  /**
   * Every subscriber's connection on one selector thread: each reads its SSE stream and notes, for
   * each message, how long after its request was sent it arrived.
   */
  private static final class Subscribers {
    private final int port;
    private final Selector selector;
    private final AtomicLongArray buckets = new AtomicLongArray(60_000_000 / BUCKET_MICROS + 1);
    final AtomicLong delivered = new AtomicLong();
    private final AtomicLong opened = new AtomicLong();
    private final Map<SocketChannel, Stream> streams = new HashMap<>();

    /** What one connection has read and not yet parsed, and whether its stream has opened. */
    private static final class Stream {
      byte[] tail = new byte[0];
      boolean open;
    }

    private final List<SocketChannel> channels = new ArrayList<>();
    private volatile boolean running = true;

    /** Whether the subscribers are WebSockets (else SSE streams). */
    private final boolean webSocket;

    private final byte[] openedMark;

    Subscribers(int port, boolean webSocket) throws IOException {
      this.port = port;
      this.webSocket = webSocket;
      this.openedMark =
          (webSocket ? "\r\n\r\n" : ": subscribed").getBytes(StandardCharsets.US_ASCII);
      this.selector = Selector.open();
    }

    void open(String path) throws IOException {
      SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
      channel.write(
          ByteBuffer.wrap(
              ("GET "
                      + path
                      + " HTTP/1.1\r\nHost: bench\r\n"
                      + (webSocket
                          ? "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                              + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              + "Sec-WebSocket-Version: 13\r\n"
                          : "Accept: text/event-stream\r\n")
                      + "\r\n")
                  .getBytes(StandardCharsets.US_ASCII)));
      channel.configureBlocking(false);
      channels.add(channel);
      streams.put(channel, new Stream());
      // registered from this thread before the selector thread starts
      channel.register(selector, SelectionKey.OP_READ);
    }

    void awaitOpened(int count, Duration limit) throws InterruptedException {
      long until = System.nanoTime() + limit.toNanos();
      while (opened.get() < count) {
        if (System.nanoTime() > until)
          throw new IllegalStateException(
              "only " + opened.get() + " of " + count + " subscriptions opened");
        Thread.sleep(100);
      }
    }

    void run() {
      ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
      try {
        while (running) {
          selector.select(200);
          for (SelectionKey key : selector.selectedKeys()) {
            SocketChannel channel = (SocketChannel) key.channel();
            buffer.clear();
            int n;
            try {
              n = channel.read(buffer);
            } catch (IOException e) {
              n = -1;
            }
            if (n < 0) {
              key.cancel();
              channel.close();
              continue;
            }
            Instant now = Instant.now();
            long micros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
            read(streams.get(channel), buffer.array(), n, micros);
          }
          selector.selectedKeys().clear();
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    private static final byte[] MARK = "{\"t\":".getBytes(StandardCharsets.US_ASCII);

    /**
     * Counts each message in {@code bytes[0..n)}: the digits after each {@code {"t":}, with what
     * the previous read left unfinished (at most a few bytes) in front.
     */
    private void read(Stream stream, byte[] bytes, int n, long now) {
      byte[] text = bytes;
      int length = n;
      if (stream.tail.length > 0) {
        text = new byte[stream.tail.length + n];
        System.arraycopy(stream.tail, 0, text, 0, stream.tail.length);
        System.arraycopy(bytes, 0, text, stream.tail.length, n);
        length = text.length;
      }
      if (!stream.open) {
        if (indexOf(text, length, openedMark, 0) < 0) {
          stream.tail = java.util.Arrays.copyOf(text, length);
          return;
        }
        if (text[9] != (webSocket ? '1' : '2'))
          throw new IllegalStateException(
              "subscription refused: " + new String(text, 0, length, StandardCharsets.ISO_8859_1));
        stream.open = true;
        opened.incrementAndGet();
      }
      int from = 0;
      int unfinished = -1;
      while (true) {
        int at = indexOf(text, length, MARK, from);
        if (at < 0) break;
        int digit = at + MARK.length;
        while (digit < length && text[digit] == ' ') digit++;
        long sent = 0;
        int end = digit;
        while (end < length && text[end] >= '0' && text[end] <= '9')
          sent = sent * 10 + (text[end++] - '0');
        if (end == length) {
          unfinished = at;
          break;
        }
        int bucket = (int) Math.min(buckets.length() - 1, Math.max(0, now - sent) / BUCKET_MICROS);
        buckets.incrementAndGet(bucket);
        delivered.incrementAndGet();
        from = end;
      }
      int keep = unfinished >= 0 ? unfinished : Math.max(from, length - MARK.length);
      stream.tail = java.util.Arrays.copyOfRange(text, keep, length);
    }

    private static int indexOf(byte[] text, int length, byte[] pattern, int from) {
      outer:
      for (int i = from; i <= length - pattern.length; i++) {
        for (int j = 0; j < pattern.length; j++) if (text[i + j] != pattern[j]) continue outer;
        return i;
      }
      return -1;
    }

    void reset() {
      for (int i = 0; i < buckets.length(); i++) buckets.set(i, 0);
      delivered.set(0);
    }

    /** The latency at {@code quantile} of what was delivered since the reset, in ms. */
    double percentile(double quantile) {
      long total = delivered.get();
      long target = (long) Math.ceil(quantile * total);
      long seen = 0;
      for (int i = 0; i < buckets.length(); i++) {
        seen += buckets.get(i);
        if (seen >= Math.max(1, target)) return (i + 1) * BUCKET_MICROS / 1000.0;
      }
      return Double.NaN;
    }

    long open() {
      return channels.stream().filter(SocketChannel::isOpen).count();
    }

    void stop() {
      running = false;
    }
  }
}
