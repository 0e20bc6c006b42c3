package dev.slipway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestOrg;
import dev.slipway.testing.TestSlipway;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Analytics and usage answer from the rollups the call log keeps: counts, error rates by class and
 * code, percentiles, steps, callers, and per day what calls used and AI generation cost; each org
 * sees its own.
 */
class AnalyticsTest {
  private static final TestDatabase database = new TestDatabase();
  private static TestSlipway slipway;
  private static TestOrg other;
  private static Instant started;

  @BeforeAll
  static void start() throws Exception {
    slipway = TestSlipway.start(database);
    slipway.save(
        """
        name: work
        method: GET
        path: /work/:n
        auth: apiKey
        input:
          params: { n: { type: integer } }
        steps:
          - id: compute
            script: |
              let x = 0;
              for (let i = 0; i < 20000; i++) x += i % 7;
              return { x, n: ctx.input.params.n };
          - id: look
            sql: select cast(:n as int) as n where cast(:n as int) < 8
            params: { n: "${input.params.n}" }
            expect: one
        response: { body: "${steps.look}" }
        """);
    slipway.deploy("{}");
    other = TestOrg.create(slipway, database, "analytics-other");
    String key =
        slipway
            .control("POST", "/api/consumer-keys", "{\"name\":\"reporter\"}", "application/json")
            .json()
            .path("token")
            .asText();
    // a run beside a worker still starting may be refused (503 sandbox_busy) on two busy cores
    slipway.awaitSandboxWorkers();
    started = Instant.now();
    for (int n = 0; n < 10; n++) {
      int status =
          TestSlipway.send(
                  "GET",
                  "http://127.0.0.1:" + slipway.dataPort() + "/work/" + n,
                  (String) null,
                  null,
                  Map.of("X-API-Key", key))
              .status();
      assertThat(status).isEqualTo(n < 8 ? 200 : 404);
    }
    assertThat(slipway.data("GET", "/work/1").status()).isEqualTo(401);
    database.execute(
        """
        insert into slipway.model_usage (org_id, request_id, provider, model, input_tokens, output_tokens, cost_usd)
        values (1, 'gen-1', 'anthropic', 'claude', 1200, 300, 0.0081)""");
    awaitRollups(11);
  }

  @AfterAll
  static void stop() {
    slipway.close();
    database.close();
  }

  /** The rollups are added every 5 s. */
  private static void awaitRollups(long calls) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (((Number)
                database.scalar(
                    "select coalesce(sum(calls), 0) from slipway.call_rollups where grain = 'hour'"))
            .longValue()
        < calls) {
      assertThat(System.nanoTime()).as("rollups within 20 s").isLessThan(until);
      Thread.sleep(100);
    }
  }

  @Test
  void analytics_count_rate_time_and_name_the_errors_steps_and_callers() {
    var reply =
        slipway.control(
            "GET",
            "/api/analytics?bucket=1m&from="
                + started.minus(Duration.ofMinutes(1))
                + "&to="
                + Instant.now().plus(Duration.ofMinutes(1)));
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    JsonNode analytics = reply.json();
    JsonNode totals = analytics.path("totals");
    assertThat(totals.path("calls").asLong()).isEqualTo(11);
    assertThat(totals.path("byStatusClass").path("2xx").asLong()).isEqualTo(8);
    assertThat(totals.path("byStatusClass").path("4xx").asLong()).isEqualTo(3);
    assertThat(totals.path("errorRate").asDouble()).isEqualTo(0.273);
    assertThat(totals.path("p50Ms").asDouble()).isPositive();
    assertThat(totals.path("p99Ms").asDouble())
        .isGreaterThanOrEqualTo(totals.path("p95Ms").asDouble())
        .isGreaterThanOrEqualTo(totals.path("p50Ms").asDouble());
    assertThat(totals.path("bytesOut").asLong()).isPositive();
    long inSeries = 0;
    for (JsonNode point : analytics.path("series"))
      inSeries += point.path("figures").path("calls").asLong();
    assertThat(inSeries).isEqualTo(11);
    assertThat(analytics.path("endpoints").get(0).path("endpoint").asText()).isEqualTo("work");
    assertThat(analytics.path("errors").findValuesAsText("code"))
        .containsExactly("not_found", "unauthorized");
    assertThat(analytics.path("errors").get(0).path("calls").asLong()).isEqualTo(2);
    assertThat(analytics.path("errors").get(0).path("status").asInt()).isEqualTo(404);
    assertThat(analytics.path("slowestSteps").findValuesAsText("step"))
        .containsExactlyInAnyOrder("compute", "look");
    assertThat(analytics.path("topCallers").get(0).path("caller").asText())
        .isEqualTo("key:reporter");
    assertThat(analytics.path("topCallers").get(0).path("calls").asLong()).isEqualTo(10);

    // by the hour, one endpoint, one version: the same calls
    var hourly =
        slipway.control("GET", "/api/analytics?endpoint=work&version=1").json().path("totals");
    assertThat(hourly.path("calls").asLong()).isEqualTo(11);
    assertThat(
            slipway
                .control("GET", "/api/analytics?endpoint=nothing")
                .json()
                .path("totals")
                .path("calls")
                .asLong())
        .isZero();
    // over more than two days, callers are read by the day
    var week =
        slipway
            .control(
                "GET", "/api/analytics?bucket=1d&from=" + Instant.now().minus(Duration.ofDays(7)))
            .json();
    assertThat(week.path("topCallers").get(0).path("caller").asText()).isEqualTo("key:reporter");
    assertThat(week.path("topCallers").get(0).path("calls").asLong()).isEqualTo(10);
    assertThat(week.path("totals").path("calls").asLong()).isEqualTo(11);
    // another org sees none of them
    assertThat(
            other.call("GET", "/api/analytics", null).json().path("totals").path("calls").asLong())
        .isZero();
  }

  @Test
  void usage_is_per_day_with_what_calls_used_and_what_generation_cost() {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    var usage = slipway.control("GET", "/api/usage?from=" + today.minusDays(2) + "&to=" + today);
    assertThat(usage.status()).as(usage.toString()).isEqualTo(200);
    JsonNode days = usage.json().path("days");
    assertThat(days).hasSize(3);
    JsonNode day = days.get(2);
    assertThat(day.path("day").asText()).isEqualTo(today.toString());
    assertThat(day.path("used").path("calls").asLong()).isEqualTo(11);
    assertThat(day.path("used").path("scriptCpuMs").asDouble()).isPositive();
    assertThat(day.path("used").path("databaseMs").asDouble()).isPositive();
    assertThat(day.path("used").path("logBytes").asLong()).isPositive();
    assertThat(day.path("ai").path("inputTokens").asLong()).isEqualTo(1200);
    assertThat(day.path("ai").path("costUsd").asDouble()).isEqualTo(0.0081);
    assertThat(day.path("endpoints").get(0).path("endpoint").asText()).isEqualTo("work");
    assertThat(days.get(0).path("used").path("calls").asLong()).isZero();
    assertThat(usage.json().path("total").path("calls").asLong()).isEqualTo(11);
    assertThat(other.call("GET", "/api/usage", null).json().path("total").path("calls").asLong())
        .isZero();
    assertThat(other.call("GET", "/api/usage", null).json().path("ai").path("inputTokens").asLong())
        .isZero();
  }

  @Test
  void a_query_it_cannot_answer_is_a_422_naming_each_part() {
    var reply =
        slipway.control(
            "GET",
            "/api/analytics?bucket=2m&version=x&to=2026-01-01T00:00:00Z&from=2026-02-01T00:00:00Z");
    assertThat(reply.status()).isEqualTo(422);
    assertThat(reply.errorPaths())
        .containsExactlyInAnyOrder("/query/bucket", "/query/version", "/query/from");
    var old =
        slipway.control(
            "GET", "/api/analytics?bucket=30m&from=" + Instant.now().minus(Duration.ofDays(3)));
    assertThat(old.status()).isEqualTo(422);
    assertThat(old.errorPaths()).containsExactly("/query/bucket");
    var usage = slipway.control("GET", "/api/usage?from=2026-12-10&to=2026-12-01");
    assertThat(usage.status()).isEqualTo(422);
    assertThat(usage.errorPaths()).containsExactly("/query/from");
  }
}
