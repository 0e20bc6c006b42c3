package dev.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.signature.WebhookVerifier;
import dev.slipway.testing.TestDatabase;
import dev.slipway.testing.TestSlipway;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Webhook receivers against a real server and PostgreSQL: deliveries signed the way Stripe, GitHub,
 * Slack, Standard Webhooks and a generic HMAC sign them are run; a bad, stale or missing signature
 * is a 401 problem and nothing runs; a replayed event is acknowledged without running again, also
 * when two deliveries of it arrive at once; a delivery the receiver failed runs again when retried.
 */
class WebhookReceiverTest {
  private static final String SECRET = "whsec_" + "c2xpcHdheS10ZXN0LXNpZ25pbmctc2VjcmV0";

  private final TestDatabase database = new TestDatabase();
  private TestSlipway slipway;

  @BeforeEach
  void start() throws Exception {
    slipway = TestSlipway.start(database);
    database.execute(
        """
        create table app.events (id bigserial primary key, receiver text, event_id text,
                                 kind text, raw text)""");
    database.execute("grant select, insert on app.events to " + slipway.orgLogin());
    database.execute("grant usage on all sequences in schema app to " + slipway.orgLogin());
    var put =
        slipway.control(
            "PUT",
            "/api/secrets/HOOK_SECRET",
            "{\"value\":\"" + SECRET + "\"}",
            "application/json");
    assertThat(put.status()).as(put.toString()).isLessThan(300);
  }

  @AfterEach
  void stop() {
    if (slipway != null) slipway.close();
    database.close();
  }

  /**
   * A receiver at /hooks/{name} that stores each delivery; {@code verify} as the spec writes it.
   */
  private void deployReceiver(String name, String verify, String extraSteps) {
    saveReceiver(name, verify, extraSteps);
    slipway.deploy("{}");
  }

  private void saveReceiver(String name, String verify, String extraSteps) {
    slipway.save(
        """
        name: %s
        method: POST
        path: /hooks/%s
        verify: %s
        steps:
          - id: stored
            sql: >
              insert into app.events (receiver, event_id, kind, raw)
              values ('%s', :event, :kind, :raw) returning id
            params:
              event: "${input.webhook.eventId}"
              kind: "${has(input.body.type) ? input.body.type : 'none'}"
              raw: "${input.rawBody}"
        %s
        response: { body: { stored: "${steps.stored.row.id}" } }
        """
            .formatted(name, name, verify, name, extraSteps.stripIndent().indent(2)));
  }

  private TestSlipway.Reply deliver(String name, String body, Map<String, String> headers) {
    return deliver(name, body, "application/json", headers);
  }

  private TestSlipway.Reply deliver(
      String name, String body, String type, Map<String, String> headers) {
    return TestSlipway.send(
        "POST", "http://127.0.0.1:" + slipway.dataPort() + "/hooks/" + name, body, type, headers);
  }

  private long stored(String receiver) {
    return (Long)
        database.scalar("select count(*) from app.events where receiver = '" + receiver + "'");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void a_stripe_delivery_runs_once_and_a_bad_stale_or_replayed_one_does_not() {
    deployReceiver("stripe", "{ provider: stripe, secret: '${secrets.HOOK_SECRET}' }", "");
    var stripe = new WebhookVerifier.Stripe(Duration.ofMinutes(5));
    String event = "{\"id\":\"evt_1\",\"type\":\"invoice.paid\",\"data\":{\"amount\":4200}}";

    var good =
        deliver("stripe", event, stripe.signedHeaders(bytes(event), SECRET, null, Instant.now()));
    assertThat(good.status()).as(good.toString()).isEqualTo(200);
    assertThat(database.scalar("select raw from app.events")).isEqualTo(event);
    assertThat(database.scalar("select event_id from app.events")).isEqualTo("evt_1");
    assertThat(database.scalar("select kind from app.events")).isEqualTo("invoice.paid");

    // Stripe's retry: the same event, signed anew
    var replay =
        deliver(
            "stripe",
            event,
            stripe.signedHeaders(bytes(event), SECRET, null, Instant.now().plusSeconds(1)));
    assertThat(replay.status()).as(replay.toString()).isEqualTo(200);
    assertThat(replay.json().path("duplicate").asBoolean()).isTrue();
    assertThat(replay.json().path("eventId").asText()).isEqualTo("evt_1");

    String other = "{\"id\":\"evt_2\",\"type\":\"invoice.paid\"}";
    var refusals =
        Map.of(
            "wrong secret",
            stripe.signedHeaders(bytes(other), "whsec_not-the-secret", null, Instant.now()),
            "stale",
            stripe.signedHeaders(bytes(other), SECRET, null, Instant.now().minusSeconds(600)),
            "tampered",
            stripe.signedHeaders(bytes(other.replace("2", "3")), SECRET, null, Instant.now()),
            "unsigned",
            Map.<String, String>of());
    refusals.forEach(
        (why, headers) -> {
          var refused = deliver("stripe", other, headers);
          assertThat(refused.status()).as(why + ": " + refused).isEqualTo(401);
          assertThat(refused.contentType()).startsWith("application/problem+json");
          assertThat(refused.json().path("code").asText()).isEqualTo("signature_invalid");
          assertThat(refused.json().path("detail").asText()).contains("stripe signature");
        });
    assertThat(stored("stripe")).as("only the good delivery ran").isEqualTo(1);
  }

  @Test
  void github_slack_standard_and_hmac_deliveries_verify_and_forged_ones_are_refused() {
    var receivers =
        List.of(
            new Receiver(
                "github",
                "{ provider: github, secret: '${secrets.HOOK_SECRET}' }",
                new WebhookVerifier.GitHub()),
            new Receiver(
                "slack",
                "{ provider: slack, secret: '${secrets.HOOK_SECRET}' }",
                new WebhookVerifier.Slack(Duration.ofMinutes(5))),
            new Receiver(
                "standard",
                "{ provider: standard, secret: '${secrets.HOOK_SECRET}' }",
                new WebhookVerifier.StandardWebhooks(Duration.ofMinutes(5))),
            new Receiver(
                "custom",
                "{ provider: hmac, secret: '${secrets.HOOK_SECRET}', header: X-Signature,"
                    + " algorithm: sha512, encoding: base64, prefix: 'sha512=', idHeader: X-Event-Id }",
                new WebhookVerifier.Hmac(
                    "x-signature",
                    WebhookVerifier.Hmac.Algorithm.SHA512,
                    WebhookVerifier.Hmac.Encoding.BASE64,
                    "sha512=",
                    Optional.of("x-event-id"))));
    for (Receiver receiver : receivers) saveReceiver(receiver.name, receiver.verify, "");
    slipway.deploy("{}");
    for (Receiver receiver : receivers) {
      String body = "{\"event_id\":\"Ev-" + receiver.name + "\",\"type\":\"ping\"}";
      var headers =
          new HashMap<>(
              receiver.signer.signedHeaders(
                  bytes(body), SECRET, "msg-" + receiver.name, Instant.now()));
      var good = deliver(receiver.name, body, headers);
      assertThat(good.status()).as(receiver.name + ": " + good).isEqualTo(200);
      var forged =
          deliver(
              receiver.name,
              body,
              receiver.signer.signedHeaders(
                  bytes(body), SECRET + "x", "msg-" + receiver.name, Instant.now()));
      assertThat(forged.status()).as(receiver.name + " forged: " + forged).isEqualTo(401);
      var altered = deliver(receiver.name, body.replace("ping", "pong"), headers);
      assertThat(altered.status()).as(receiver.name + " altered: " + altered).isEqualTo(401);
      assertThat(stored(receiver.name)).as(receiver.name).isEqualTo(1);
    }
    // where the sender gives the event an id, it is the one stored: GitHub's delivery header,
    // Slack's event_id, Standard Webhooks' webhook-id, the named header
    assertThat(
            database.scalar(
                "select string_agg(receiver || '=' || coalesce(event_id, '-'), ',' order by receiver)"
                    + " from app.events"))
        .isEqualTo("custom=msg-custom,github=msg-github,slack=Ev-slack,standard=msg-standard");
  }

  private record Receiver(String name, String verify, WebhookVerifier signer) {}

  @Test
  void a_slack_slash_command_posted_as_a_form_is_read_as_its_fields() {
    slipway.save(
        """
        name: command
        method: POST
        path: /hooks/command
        verify: { provider: slack, secret: '${secrets.HOOK_SECRET}' }
        steps:
          - id: stored
            sql: insert into app.events (receiver, kind, raw) values ('command', :text, :raw) returning id
            params: { text: "${input.body.text}", raw: "${input.rawBody}" }
        response: { body: { text: "Deploying ${input.body.text}" } }
        """);
    slipway.deploy("{}");
    String form = "token=t&command=%2Fdeploy&text=api+v2&user_name=ada";
    var slack = new WebhookVerifier.Slack(Duration.ofMinutes(5));
    var reply =
        deliver(
            "command",
            form,
            "application/x-www-form-urlencoded",
            slack.signedHeaders(bytes(form), SECRET, null, Instant.now()));
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    assertThat(reply.json().path("text").asText()).isEqualTo("Deploying api v2");
    assertThat(database.scalar("select raw from app.events")).isEqualTo(form);
  }

  @Test
  void a_delivery_the_receiver_failed_runs_again_when_the_sender_retries() {
    // the receiver refuses while app.events holds a 'block' row
    slipway.save(
        """
        name: flaky
        method: POST
        path: /hooks/flaky
        verify: { provider: standard, secret: '${secrets.HOOK_SECRET}' }
        steps:
          - id: blocked
            sql: select count(*) > 0 as blocked from app.events where kind = 'block'
          - id: refuse
            when: "${steps.blocked.row.blocked}"
            respond: { status: 503, body: { retry: true } }
          - id: stored
            sql: insert into app.events (receiver, event_id) values ('flaky', :event) returning id
            params: { event: "${input.webhook.eventId}" }
        """);
    slipway.deploy("{}");
    database.execute("insert into app.events (receiver, kind) values ('setup', 'block')");
    var standard = new WebhookVerifier.StandardWebhooks(Duration.ofMinutes(5));
    String body = "{\"type\":\"order.created\"}";
    var first =
        deliver("flaky", body, standard.signedHeaders(bytes(body), SECRET, "msg_9", Instant.now()));
    assertThat(first.status()).as(first.toString()).isEqualTo(503);
    assertThat(stored("flaky")).isZero();
    database.execute("delete from app.events where kind = 'block'");
    var retried =
        deliver("flaky", body, standard.signedHeaders(bytes(body), SECRET, "msg_9", Instant.now()));
    assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
    assertThat(retried.json().has("duplicate")).isFalse();
    assertThat(stored("flaky")).isEqualTo(1);
  }

  @Test
  void
      a_github_delivery_resent_under_a_new_delivery_id_is_still_a_replay_and_a_lost_secret_is_503() {
    deployReceiver("gh", "{ provider: github, secret: '${secrets.HOOK_SECRET}' }", "");
    var github = new WebhookVerifier.GitHub();
    String body = "{\"action\":\"closed\"}";
    var first =
        deliver("gh", body, github.signedHeaders(bytes(body), SECRET, "delivery-1", Instant.now()));
    assertThat(first.status()).as(first.toString()).isEqualTo(200);
    // the delivery id is not signed: a captured delivery under another id is the same delivery
    var resent =
        deliver("gh", body, github.signedHeaders(bytes(body), SECRET, "delivery-2", Instant.now()));
    assertThat(resent.status()).as(resent.toString()).isEqualTo(200);
    assertThat(resent.json().path("duplicate").asBoolean()).isTrue();
    assertThat(stored("gh")).isEqualTo(1);
    slipway.control("DELETE", "/api/secrets/HOOK_SECRET");
    var unset =
        deliver(
            "gh",
            "{\"action\":\"reopened\"}",
            github.signedHeaders(bytes("{}"), SECRET, "d-3", Instant.now()));
    assertThat(unset.status()).as(unset.toString()).isEqualTo(503);
    assertThat(unset.json().path("code").asText()).isEqualTo("webhook_secret_missing");
  }

  @Test
  void two_deliveries_of_one_event_at_once_run_it_once() throws Exception {
    deployReceiver(
        "slow",
        "{ provider: github, secret: '${secrets.HOOK_SECRET}' }",
        """
          - id: wait
            sql: select pg_sleep(0.5)""");
    var github = new WebhookVerifier.GitHub();
    String body = "{\"action\":\"opened\"}";
    var headers = github.signedHeaders(bytes(body), SECRET, "delivery-7", Instant.now());
    var one = CompletableFuture.supplyAsync(() -> deliver("slow", body, headers));
    var two = CompletableFuture.supplyAsync(() -> deliver("slow", body, headers));
    var replies = List.of(one.get(), two.get());
    assertThat(replies).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(200));
    assertThat(replies.stream().filter(r -> r.json().path("duplicate").asBoolean()).count())
        .isEqualTo(1);
    assertThat(stored("slow")).isEqualTo(1);
  }

  @Test
  void a_receiver_naming_a_secret_the_org_lacks_is_refused_at_save_and_hmac_settings_are_checked() {
    var missing =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
            name: nosecret
            method: POST
            path: /hooks/nosecret
            verify: { provider: github, secret: '${secrets.NOT_THERE}' }
            """,
            "application/yaml");
    assertThat(missing.status()).as(missing.toString()).isEqualTo(422);
    assertThat(missing.errorPaths()).contains("/verify/secret");
    var mixed =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
            name: mixed
            method: POST
            path: /hooks/mixed
            verify: { provider: stripe, secret: '${secrets.HOOK_SECRET}', header: X-Sig }
            """,
            "application/yaml");
    assertThat(mixed.status()).isEqualTo(422);
    assertThat(mixed.errorPaths()).contains("/verify/header");
    var headless =
        slipway.control(
            "POST",
            "/api/endpoints",
            """
            name: headless
            method: POST
            path: /hooks/headless
            verify: { provider: hmac, secret: '${secrets.HOOK_SECRET}' }
            """,
            "application/yaml");
    assertThat(headless.status()).isEqualTo(422);
    assertThat(headless.errorPaths()).contains("/verify/header");
  }
}
