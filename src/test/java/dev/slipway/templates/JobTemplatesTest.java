package dev.slipway.templates;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.signature.WebhookVerifier;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The webhook-receiver and background-job templates through {@code /api/create-endpoint} against a
 * real server: the bundle's own tests pass against the drafts, it deploys, and then what it made
 * works when called for real (a signed delivery stored and handled, a job enqueued, run and read).
 */
class JobTemplatesTest {
  private static final String SECRET = "whsec_dGVtcGxhdGUtdGVzdC1zaWduaW5nLXNlY3JldA==";

  private final TestDatabase database = new TestDatabase();
  private TestSlipway slipway;

  @BeforeEach
  void start() throws Exception {
    slipway = TestSlipway.start(database.url(), null, Map.of("SLIPWAY_JOBS_POLL_MS", "100"));
    slipway.control(
        "PUT",
        "/api/secrets/STRIPE_WEBHOOK_SECRET",
        "{\"value\":\"" + SECRET + "\"}",
        "application/json");
  }

  @AfterEach
  void stop() {
    if (slipway != null) slipway.close();
    database.close();
  }

  private JsonNode create(String template, String config) {
    var reply =
        slipway.control(
            "POST",
            "/api/create-endpoint",
            "{\"template\":\"" + template + "\",\"config\":" + config + ",\"deploy\":true}",
            "application/json");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    for (JsonNode result : reply.json().path("testResults"))
      assertThat(result.path("passed").asBoolean()).as(result.toString()).isTrue();
    return reply.json();
  }

  @Test
  void a_stripe_receiver_stores_each_signed_event_once_and_hands_it_to_its_job() throws Exception {
    JsonNode made =
        create(
            "webhook-receiver",
            """
            {"provider": "stripe", "secret": "STRIPE_WEBHOOK_SECRET",
             "handlers": {"invoice.paid": "stripe-invoice-paid"}}""");
    assertThat(made.path("testResults").size()).isEqualTo(5);
    assertThat(made.path("openapi").path("paths").has("/webhooks/stripe")).isTrue();
    assertThat(
            made.path("openapi")
                .path("paths")
                .path("/webhooks/stripe")
                .path("post")
                .path("responses")
                .has("401"))
        .isTrue();

    String event =
        "{\"id\":\"evt_live_1\",\"type\":\"invoice.paid\",\"data\":{\"object\":{\"total\":900}}}";
    var stripe = new WebhookVerifier.Stripe(Duration.ofMinutes(5));
    for (int i = 0; i < 2; i++) {
      var reply =
          TestSlipway.send(
              "POST",
              "http://127.0.0.1:" + slipway.dataPort() + "/webhooks/stripe",
              event,
              "application/json",
              stripe.signedHeaders(
                  event.getBytes(StandardCharsets.UTF_8), SECRET, null, Instant.now()));
      assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    }
    assertThat(database.scalar("select count(*) from webhooks.stripe_events")).isEqualTo(1L);
    assertThat(database.scalar("select event_type from webhooks.stripe_events"))
        .isEqualTo("invoice.paid");
    await(
        "the handler marked it processed",
        () ->
            database
                .scalar("select processed_at is not null from webhooks.stripe_events")
                .equals(true));
    var forged =
        TestSlipway.send(
            "POST",
            "http://127.0.0.1:" + slipway.dataPort() + "/webhooks/stripe",
            event.replace("900", "1"),
            "application/json",
            stripe.signedHeaders(
                event.getBytes(StandardCharsets.UTF_8), SECRET, null, Instant.now()));
    assertThat(forged.status()).isEqualTo(401);
  }

  @Test
  void a_background_job_is_enqueued_run_and_read_and_a_bad_payload_is_refused() throws Exception {
    JsonNode made =
        create(
            "background-job",
            """
            {"name": "send-report", "payload": {"email": "email", "days": "integer(1..31)?"},
             "attempts": 2, "backoff": "100ms"}""");
    assertThat(made.path("testResults").size()).isEqualTo(6);
    var key =
        slipway.control(
            "POST",
            "/api/consumer-keys",
            "{\"name\":\"reporter\",\"roles\":[\"member\"]}",
            "application/json");
    assertThat(key.status()).as(key.toString()).isEqualTo(201);
    var headers = Map.of("X-API-Key", key.json().path("token").asText());
    String base = "http://127.0.0.1:" + slipway.dataPort() + "/jobs/send-report";
    var enqueued =
        TestSlipway.send(
            "POST",
            base,
            "{\"email\":\"ada@example.com\",\"days\":7}",
            "application/json",
            headers);
    assertThat(enqueued.status()).as(enqueued.toString()).isEqualTo(202);
    long id = enqueued.json().path("id").asLong();
    await(
        "the job succeeded",
        () ->
            TestSlipway.send("GET", base + "/" + id, (String) null, null, headers)
                .json()
                .path("status")
                .asText()
                .equals("succeeded"));
    assertThat(database.scalar("select payload->>'email' from jobs.send_report_runs"))
        .isEqualTo("ada@example.com");
    var bad = TestSlipway.send("POST", base, "{\"days\":7}", "application/json", headers);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(TestSlipway.send("GET", base + "/" + id, (String) null, null, Map.of()).status())
        .isEqualTo(401);
  }

  @Test
  void a_template_may_not_make_its_table_in_slipways_schema() {
    var reply =
        slipway.control(
            "POST",
            "/api/create-endpoint",
            "{\"template\":\"background-job\",\"config\":{\"name\":\"x\",\"table\":\"slipway.x_runs\"}}",
            "application/json");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(422);
    assertThat(reply.errorPaths()).contains("/config/table");
    assertThat(database.scalar("select to_regclass('slipway.x_runs') is null")).isEqualTo(true);
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what + " within 20 s").isLessThan(until);
      Thread.sleep(100);
    }
  }
}
