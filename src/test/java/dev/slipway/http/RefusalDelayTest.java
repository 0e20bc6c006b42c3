package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.ServerTest;
import dev.slipway.testing.TestSlipway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A refusal (429 or 503 with Retry-After) is held for SLIPWAY_REFUSAL_DELAY_MS (250 ms by default)
 * before it is sent, holding no thread, so a caller that asks again at once in a loop cannot take
 * the server's CPU from the other endpoints; other calls are answered at once meanwhile.
 */
@ServerTest
class RefusalDelayTest {
  private static TestSlipway slipway;

  @BeforeAll
  static void endpoints() {
    slipway.save(
        """
        {"name": "scarce", "method": "GET", "path": "/api/scarce",
         "rateLimit": [{"per": "endpoint", "limit": 1, "window": "1h", "burst": 1}],
         "steps": [{"id": "one", "sql": "select 1 as one", "expect": "one"}]}
        """);
    slipway.save(
        """
        {"name": "plenty", "method": "GET", "path": "/api/plenty",
         "steps": [{"id": "one", "sql": "select 1 as one", "expect": "one"}]}
        """);
    slipway.deploy("{}");
  }

  @Test
  void refusals_wait_holding_no_thread_while_other_calls_are_answered_at_once() throws Exception {
    assertThat(slipway.data("GET", "/api/scarce").status()).isEqualTo(200);
    var client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    URI scarce = URI.create("http://127.0.0.1:" + slipway.dataPort() + "/api/scarce");
    // more refusals at once than the data plane has threads (256): held on threads, they would
    // queue
    int many = 400;
    var refused = new ArrayList<CompletableFuture<Long>>();
    long start = System.nanoTime();
    for (int i = 0; i < many; i++) {
      long sent = System.nanoTime();
      refused.add(
          client
              .sendAsync(
                  HttpRequest.newBuilder(scarce).build(), HttpResponse.BodyHandlers.ofString())
              .thenApply(
                  reply -> {
                    assertThat(reply.statusCode()).isEqualTo(429);
                    assertThat(reply.headers().firstValue("Retry-After")).isPresent();
                    return (System.nanoTime() - sent) / 1_000_000;
                  }));
    }
    long quick = System.nanoTime();
    assertThat(slipway.data("GET", "/api/plenty").status()).isEqualTo(200);
    long plentyMillis = (System.nanoTime() - quick) / 1_000_000;
    long slowest = 0;
    long fastest = Long.MAX_VALUE;
    for (var reply : refused) {
      long millis = reply.get();
      slowest = Math.max(slowest, millis);
      fastest = Math.min(fastest, millis);
    }
    long all = (System.nanoTime() - start) / 1_000_000;
    assertThat(fastest).as("each refusal waited").isGreaterThanOrEqualTo(240);
    assertThat(plentyMillis).as("another endpoint is answered meanwhile").isLessThan(240);
    assertThat(all).as("%d refusals held at once, not in turns on threads", many).isLessThan(5_000);
  }
}
