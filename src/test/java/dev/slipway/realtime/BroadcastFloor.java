package dev.slipway.realtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The floor under a broadcast on this machine, with no Slipway in it: {@code sockets} loopback
 * connections, one write of a 120-byte frame to each from {@code writers} threads of this JVM (the
 * hub's fan-out threads), and one selector thread of another JVM reading them all (the bench's
 * subscribers); the time from the broadcast's start to each read, for {@code rounds} broadcasts a
 * second apart (both JVMs read the same monotonic clock). What {@code bench/realtime/run.sh}
 * measures for a message to all subscribers adds to this the publishing request, its commit,
 * NOTIFY, HTTP or WebSocket framing and the hub. Run by {@code bench/realtime/floor.sh}; not a
 * test.
 */
public final class BroadcastFloor {
  private BroadcastFloor() {}

  private static final int FRAME_BYTES = 120;

  public static void main(String[] args) throws Exception {
    int sockets = Integer.parseInt(args[0]);
    int writers = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    var server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 4096);
    int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process readers =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    Readers.class.getName(),
                    Integer.toString(port),
                    Integer.toString(sockets),
                    Integer.toString(rounds)))
            .inheritIO()
            .start();
    var senders = new SocketChannel[sockets];
    for (int i = 0; i < sockets; i++) {
      senders[i] = server.accept();
      senders[i].setOption(StandardSocketOptions.TCP_NODELAY, true);
      senders[i].configureBlocking(false);
    }
    ExecutorService fanOut = Executors.newFixedThreadPool(writers);
    for (int round = 1; round <= rounds; round++) {
      Thread.sleep(1000);
      byte[] frame = ByteBuffer.allocate(FRAME_BYTES).putLong(System.nanoTime()).array();
      var written = new CountDownLatch(writers);
      long[] writeMillis = new long[writers];
      for (int w = 0; w < writers; w++) {
        int writer = w;
        fanOut.execute(
            () -> {
              long began = System.nanoTime();
              try {
                for (int i = writer; i < sockets; i += writers)
                  senders[i].write(ByteBuffer.wrap(frame));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              writeMillis[writer] = (System.nanoTime() - began) / 1_000_000;
              written.countDown();
            });
      }
      written.await();
      System.out.printf(
          "round %d: the writes took %s ms (a thread each)%n", round, Arrays.toString(writeMillis));
    }
    System.exit(readers.waitFor());
  }

  /** The subscribers' side, in a JVM of its own (each end of a socket is an open file). */
  public static final class Readers {
    private Readers() {}

    public static void main(String[] args) throws IOException {
      int port = Integer.parseInt(args[0]);
      int sockets = Integer.parseInt(args[1]);
      int rounds = Integer.parseInt(args[2]);
      var selector = Selector.open();
      for (int i = 0; i < sockets; i++) {
        var channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.configureBlocking(false);
        channel.register(selector, SelectionKey.OP_READ);
      }
      var buffer = ByteBuffer.allocate(4096);
      long[] latencies = new long[sockets];
      for (int round = 1; round <= rounds; round++) {
        int read = 0;
        while (read < sockets) {
          selector.select();
          long now = System.nanoTime();
          for (SelectionKey key : selector.selectedKeys()) {
            buffer.clear();
            if (((SocketChannel) key.channel()).read(buffer) >= Long.BYTES)
              latencies[read++] = now - buffer.getLong(0);
          }
          selector.selectedKeys().clear();
        }
        Arrays.sort(latencies);
        System.out.printf(
            "round %d: %,d sockets read, after p50 %.1f ms, p99 %.1f ms, the last %.1f ms%n",
            round,
            sockets,
            latencies[sockets / 2] / 1e6,
            latencies[(int) (sockets * 0.99)] / 1e6,
            latencies[sockets - 1] / 1e6);
      }
    }
  }
}
