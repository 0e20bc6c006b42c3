package dev.slipway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestOrg;
import dev.slipway.testing.TestSlipway;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Quotas an operator sets refuse an org's calls (429 naming the quota) or new endpoints past them,
 * or stop keeping its calls; endpoints pause and resume by hand, or by themselves when unused; each
 * change and quota passed is audited.
 */
class CostControlTest {
  private static final String OPERATOR = "operator-token-0123456789";
  private final TestDatabase database = new TestDatabase();
  private TestSlipway slipway;

  @AfterEach
  void stop() {
    if (slipway != null) slipway.close();
    database.close();
  }

  private void start(Map<String, String> settings) throws Exception {
    var all = new java.util.HashMap<String, String>(settings);
    all.put("SLIPWAY_COST_CONTROL_INTERVAL_MS", "100");
    slipway = TestSlipway.start(database.url(), null, all);
    slipway.save(
        """
        name: ping
        method: GET
        path: /ping
        response: { body: "pong" }
        """);
    slipway.deploy("{}");
  }

  private TestSlipway.Reply operator(String method, String path, String body, String token) {
    return TestSlipway.send(
        method,
        "http://127.0.0.1:" + slipway.controlPort() + path,
        body,
        body == null ? null : "application/json",
        token == null ? Map.of() : Map.of("Authorization", "Bearer " + token));
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what + " within 20 s").isLessThan(until);
      Thread.sleep(100);
    }
  }

  private JsonNode audit(String action) {
    return slipway.control("GET", "/api/audit?action=" + action).json();
  }

  @Test
  void the_operator_api_is_off_without_its_token_and_needs_it_with_one() throws Exception {
    start(Map.of());
    var off =
        operator("PUT", "/api/operator/orgs/1/quotas", "{\"callsPerDay\": 1}", TestSlipway.TOKEN);
    assertThat(off.status()).as("the admin token is not the operator's").isEqualTo(403);
    slipway.close();
    slipway = TestSlipway.start(database.url(), null, Map.of("SLIPWAY_OPERATOR_TOKEN", OPERATOR));
    assertThat(operator("GET", "/api/operator/orgs/1/quotas", null, TestSlipway.TOKEN).status())
        .isEqualTo(401);
    var bad =
        operator(
            "PUT",
            "/api/operator/orgs/1/quotas",
            "{\"callsPerDay\": \"many\", \"logMb\": -1, \"coffee\": 3}",
            OPERATOR);
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.errorPaths()).containsExactlyInAnyOrder("/callsPerDay", "/logMb", "/coffee");
    assertThat(operator("PUT", "/api/operator/orgs/999/quotas", "{}", OPERATOR).status())
        .isEqualTo(404);
    var set = operator("PUT", "/api/operator/orgs/1/quotas", "{\"callsPerMonth\": 100}", OPERATOR);
    assertThat(set.status()).isEqualTo(200);
    assertThat(set.json().path("quotas").path("callsPerMonth").asLong()).isEqualTo(100);
    assertThat(
            slipway
                .control("GET", "/api/quotas")
                .json()
                .path("quotas")
                .path("callsPerMonth")
                .asLong())
        .isEqualTo(100);
    assertThat(audit("quota.set").get(0).path("actor").asText()).isEqualTo("operator");
  }

  @Test
  void calls_past_the_daily_quota_are_refused_naming_it_until_it_is_raised() throws Exception {
    start(Map.of("SLIPWAY_OPERATOR_TOKEN", OPERATOR));
    assertThat(
            operator("PUT", "/api/operator/orgs/1/quotas", "{\"callsPerDay\": 5}", OPERATOR)
                .status())
        .isEqualTo(200);
    var statuses = new java.util.ArrayList<Integer>();
    await(
        "a 429",
        () -> {
          int status = slipway.data("GET", "/ping").status();
          statuses.add(status);
          return status == 429;
        });
    assertThat(statuses.stream().filter(s -> s == 200).count()).isBetween(5L, 60L);
    var refused = slipway.data("GET", "/ping");
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.json().path("code").asText()).isEqualTo("quota_exceeded");
    assertThat(refused.json().path("detail").asText()).contains("calls_per_day");
    assertThat(refused.header("Slipway-Quota")).isEqualTo("calls_per_day");
    assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 86_400L);
    var standing = slipway.control("GET", "/api/quotas").json();
    assertThat(standing.path("exceeded").toString()).contains("calls_per_day");
    assertThat(standing.path("used").path("callsToday").asLong()).isGreaterThanOrEqualTo(5);
    await("the audit", () -> audit("quota.exceeded").size() == 1);
    assertThat(audit("quota.exceeded").get(0).path("target").asText())
        .isEqualTo("quota:calls_per_day");
    // another org is not limited
    var other = TestOrg.create(slipway, database, "cost-other");
    other.save(
        """
        name: theirs
        method: GET
        path: /theirs
        response: { body: "ok" }
        """);
    other.deploy("{}");
    assertThat(slipway.data("GET", "/theirs").status()).isEqualTo(200);
    // raised, the calls go through again
    operator("PUT", "/api/operator/orgs/1/quotas", "{\"callsPerDay\": null}", OPERATOR);
    assertThat(slipway.data("GET", "/ping").status()).isEqualTo(200);
  }

  @Test
  void a_new_endpoint_past_the_endpoints_quota_is_refused_and_script_cpu_and_logs_have_theirs()
      throws Exception {
    start(Map.of("SLIPWAY_OPERATOR_TOKEN", OPERATOR));
    operator("PUT", "/api/operator/orgs/1/quotas", "{\"endpoints\": 1, \"logMb\": 0}", OPERATOR);
    var refused =
        slipway.control(
            "POST",
            "/api/endpoints",
            "name: second\nmethod: GET\npath: /second\nresponse: { body: 2 }\n",
            "application/yaml");
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.json().path("code").asText()).isEqualTo("quota_exceeded");
    assertThat(refused.header("Slipway-Quota")).isEqualTo("endpoints");
    var again =
        slipway.control(
            "PUT",
            "/api/endpoints/ping",
            "name: ping\nmethod: GET\npath: /ping\nresponse: { body: pong2 }\n",
            "application/yaml");
    assertThat(again.status()).as("a new version of an endpoint it has").isIn(200, 201);

    // past the log quota, calls are counted but no longer kept
    await(
        "log quota seen",
        () ->
            slipway
                .control("GET", "/api/quotas")
                .json()
                .path("exceeded")
                .toString()
                .contains("log_mb"));
    for (int i = 0; i < 3; i++) assertThat(slipway.data("GET", "/ping").status()).isEqualTo(200);
    await(
        "the calls counted",
        () ->
            ((Number)
                        database.scalar(
                            "select coalesce(sum(calls), 0) from slipway.call_rollups where grain = 'hour'"))
                    .longValue()
                >= 3);
    assertThat(((Number) database.scalar("select count(*) from slipway.calls")).longValue())
        .isZero();

    operator("PUT", "/api/operator/orgs/1/quotas", "{\"scriptCpuSecondsPerDay\": 0}", OPERATOR);
    var cpu = slipway.data("GET", "/ping");
    assertThat(cpu.status()).isEqualTo(429);
    assertThat(cpu.header("Slipway-Quota")).isEqualTo("script_cpu_seconds_per_day");
  }

  @Test
  void an_endpoint_pauses_and_resumes_by_hand_and_by_itself_when_unused() throws Exception {
    start(Map.of());
    var paused = slipway.control("POST", "/api/endpoints/ping/pause", "", "application/json");
    assertThat(paused.status()).isEqualTo(200);
    assertThat(paused.json().path("changed").asBoolean()).isTrue();
    var answer = slipway.data("GET", "/ping");
    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.json().path("code").asText()).isEqualTo("endpoint_paused");
    assertThat(slipway.control("GET", "/api/pauses").json().get(0).path("reason").asText())
        .isEqualTo("manual");
    assertThat(
            slipway
                .control("POST", "/api/endpoints/nothing/pause", "", "application/json")
                .status())
        .isEqualTo(404);
    var member = slipway.addMember("viewer@example.com", "member");
    assertThat(
            slipway
                .controlAs(member.accessToken(), "POST", "/api/endpoints/ping/resume", "")
                .status())
        .isEqualTo(403);
    assertThat(
            slipway.control("POST", "/api/endpoints/ping/resume", "", "application/json").status())
        .isEqualTo(200);
    assertThat(slipway.data("GET", "/ping").status()).isEqualTo(200);
    assertThat(audit("endpoint.pause").size()).isEqualTo(1);
    assertThat(audit("endpoint.resume").size()).isEqualTo(1);

    // auto-pause: off by default; on, an endpoint with no call for the period pauses itself
    assertThat(slipway.control("GET", "/api/org/auto-pause").json().path("after").isNull())
        .isTrue();
    assertThat(
            slipway
                .control("PUT", "/api/org/auto-pause", "{\"after\": \"soon\"}", "application/json")
                .status())
        .isEqualTo(422);
    slipway.save(
        """
        name: idle
        method: GET
        path: /idle
        response: { body: "zzz" }
        """);
    slipway.deploy("{}");
    assertThat(
            slipway
                .control("PUT", "/api/org/auto-pause", "{\"after\": \"1h\"}", "application/json")
                .json()
                .path("after")
                .asText())
        .isEqualTo("1h");
    await(
        "ping's calls counted",
        () ->
            ((Number)
                        database.scalar(
                            "select count(*) from slipway.call_rollups where endpoint = 'ping'"))
                    .longValue()
                > 0);
    database.execute("update slipway.activations set activated_at = now() - interval '3 hours'");
    database.execute("update slipway.endpoint_pauses set resumed_at = now() - interval '2 hours'");
    // ping was called within the hour (above); idle never was
    await("idle paused", () -> slipway.data("GET", "/idle").status() == 503);
    assertThat(slipway.data("GET", "/ping").status()).isEqualTo(200);
    JsonNode pauses = slipway.control("GET", "/api/pauses").json();
    assertThat(pauses).hasSize(1);
    assertThat(pauses.get(0).path("endpoint").asText()).isEqualTo("idle");
    assertThat(pauses.get(0).path("reason").asText()).isEqualTo("auto");
    JsonNode auto = audit("endpoint.pause").get(0);
    assertThat(auto.path("actor").asText()).isEqualTo("system");
    assertThat(auto.path("target").asText()).isEqualTo("endpoint:idle");
    // resumed, it is counted idle from then on, and not paused again at once
    slipway.control("POST", "/api/endpoints/idle/resume", "", "application/json");
    Thread.sleep(4_000);
    assertThat(slipway.data("GET", "/idle").status()).isEqualTo(200);
  }
}
