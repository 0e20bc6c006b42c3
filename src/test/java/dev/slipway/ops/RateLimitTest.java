package dev.slipway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestRedis;
import dev.slipway.testing.TestSlipway;
import dev.slipway.testing.TestSlipway.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Rate limits: per endpoint, per caller, on the platform API, in process and shared through a real
 * Redis.
 */
class RateLimitTest {
  private static final String LIMITED =
      """
      name: limited
      method: GET
      path: /limited
      rateLimit: [{ per: endpoint, limit: 3, window: 1m }]
      response: { body: { ok: true } }
      """;

  @Test
  void an_endpoint_limit_refuses_the_call_past_it_with_429_and_the_ratelimit_fields()
      throws Exception {
    try (var database = new TestDatabase();
        var slipway = TestSlipway.start(database)) {
      slipway.save(LIMITED);
      slipway.save(
          """
          name: per-caller
          method: GET
          path: /per-caller
          auth: apiKey
          rateLimit: [{ per: caller, limit: 2, window: 1h }]
          response: { body: { ok: true } }
          """);
      slipway.deploy("{}");
      for (int remaining = 2; remaining >= 0; remaining--) {
        Reply ok = slipway.data("GET", "/limited");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.header("RateLimit-Limit")).isEqualTo("3");
        assertThat(ok.header("RateLimit-Remaining")).isEqualTo(Integer.toString(remaining));
      }
      Reply refused = slipway.data("GET", "/limited");
      assertThat(refused.status()).isEqualTo(429);
      assertThat(refused.json().path("code").asText()).isEqualTo("rate_limited");
      assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 20L);
      assertThat(refused.header("RateLimit-Remaining")).isEqualTo("0");

      String first =
          slipway
              .control("POST", "/api/consumer-keys", "{\"name\":\"a\"}", "application/json")
              .json()
              .path("token")
              .asText();
      String second =
          slipway
              .control("POST", "/api/consumer-keys", "{\"name\":\"b\"}", "application/json")
              .json()
              .path("token")
              .asText();
      var statuses = new ArrayList<Integer>();
      for (String key : List.of(first, first, first, second, second, second)) {
        statuses.add(
            slipway
                .send(
                    "GET",
                    "http://127.0.0.1:" + slipway.dataPort() + "/per-caller",
                    (byte[]) null,
                    null,
                    Map.of("X-API-Key", key))
                .status());
      }
      assertThat(statuses).containsExactly(200, 200, 429, 200, 200, 429);
    }
  }

  @Test
  void the_platform_api_has_its_own_limit() throws Exception {
    try (var database = new TestDatabase();
        var slipway =
            TestSlipway.start(database.url(), null, Map.of("SLIPWAY_PLATFORM_RATE_LIMIT", "5"))) {
      var statuses = new ArrayList<Integer>();
      for (int i = 0; i < 6; i++) statuses.add(slipway.control("GET", "/api/endpoints").status());
      assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 429);
    }
  }

  @Test
  void two_instances_share_one_limit_through_redis_and_fall_back_when_it_goes_away()
      throws Exception {
    try (var redis = TestRedis.start();
        var database = new TestDatabase()) {
      var settings = Map.of("SLIPWAY_REDIS_URL", redis.url());
      try (var a = TestSlipway.start(database.url(), null, settings);
          var b = TestSlipway.start(database.url(), null, settings)) {
        a.save(LIMITED);
        a.deploy("{}");
        waitUntilServed(b, "/limited");
        // waitUntilServed spent one token; 2 more are left between both instances
        var statuses = new ArrayList<Integer>();
        for (TestSlipway instance : List.of(a, b, a, b))
          statuses.add(instance.data("GET", "/limited").status());
        assertThat(statuses).containsExactly(200, 200, 429, 429);

        redis.close();
        var after = new ArrayList<Integer>();
        for (TestSlipway instance : List.of(a, b, a, b, a, b))
          after.add(instance.data("GET", "/limited").status());
        assertThat(after).doesNotContain(500, 502, 503, 504).contains(200);
        // each instance now counts on its own: 3 each
        assertThat(after.stream().filter(s -> s == 200).count()).isEqualTo(6);
      }
    }
  }

  private static void waitUntilServed(TestSlipway instance, String path)
      throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      if (instance.data("GET", path).status() != 404) return;
      Thread.sleep(50);
    }
    throw new AssertionError(path + " was never served by the second instance");
  }
}
