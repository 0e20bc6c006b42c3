package dev.slipway.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.egress.Egress;
import dev.slipway.egress.EgressException;
import dev.slipway.egress.FetchRequest;
import dev.slipway.egress.FetchResponse;
import dev.slipway.signature.WebhookVerifier;
import dev.slipway.store.JobStore;
import dev.slipway.store.WebhookStore;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers an outgoing webhook (a job of {@link WebhookStore#HANDLER}): posts {@code {type,
 * timestamp, data}} to its URL through the org's egress policy, signed as Standard Webhooks sign
 * ({@code webhook-id} is {@code msg_<delivery id>}, the same for every attempt, so a receiver can
 * recognise a retry), and records the attempt. A 2xx answer delivers it; anything else is tried
 * again after a doubling wait (2 s to 1 h) until its {@code retryUntil}, then it is dead.
 */
final class WebhookSender {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);

  /** How the runner tries deliveries: the attempts are bounded by time (retryUntil), not count. */
  static final dev.slipway.spec.Trigger.Job TRIES =
      new dev.slipway.spec.Trigger.Job(
          10_000, Duration.ofSeconds(2), Duration.ofHours(1), Duration.ofSeconds(30), 16);

  private static final Duration TIMEOUT = Duration.ofSeconds(15);
  private static final int RESPONSE_KEPT = 2_048;
  private static final WebhookVerifier.StandardWebhooks SIGNING =
      new WebhookVerifier.StandardWebhooks();

  private final Egress egress;
  private final LongFunction<Map<String, String>> secrets;
  private final WebhookStore store;
  private final Clock clock;

  /** {@code secrets}: an org's secret values by name, one of which signs each delivery. */
  WebhookSender(
      Egress egress, LongFunction<Map<String, String>> secrets, WebhookStore store, Clock clock) {
    this.egress = egress;
    this.secrets = secrets;
    this.store = store;
    this.clock = clock;
  }

  /** Tries the delivery once and records the attempt; answers how it ended for the queue. */
  JobStore.Finished send(JobStore.Claimed job) {
    long started = System.nanoTime();
    Instant now = clock.instant();
    JsonNode delivery = Json.parse(new String(job.payload(), StandardCharsets.UTF_8));
    String url = delivery.path("url").asText();
    Integer status = null;
    String error = null;
    String response = null;
    String secret = secrets.apply(job.orgId()).get(delivery.path("secret").asText());
    if (secret == null || secret.isEmpty()) {
      error = "the org has no secret '" + delivery.path("secret").asText() + "' to sign with";
    } else {
      var message = new LinkedHashMap<String, Object>();
      message.put("type", delivery.path("event").asText());
      message.put("timestamp", now.toString());
      message.put("data", delivery.path("data"));
      byte[] body = Json.write(message).getBytes(StandardCharsets.UTF_8);
      var headers =
          new LinkedHashMap<>(SIGNING.signedHeaders(body, secret, "msg_" + job.id(), now));
      headers.put("content-type", "application/json");
      headers.put("user-agent", "Slipway-Webhooks/1");
      try {
        FetchResponse answer =
            egress.fetch(
                job.orgId(),
                new FetchRequest(url, "POST", headers, new String(body, StandardCharsets.UTF_8)),
                TIMEOUT);
        status = answer.status();
        response = cut(answer.body());
        if (status < 200 || status > 299) error = "the receiver answered " + status;
      } catch (EgressException e) {
        error = e.code() + ": " + e.getMessage();
      } catch (RuntimeException e) {
        error = "not sent: " + e.getMessage();
      }
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    try {
      store.recorded(
          job.orgId(),
          job.id(),
          new WebhookStore.Attempt(job.attempts(), now, url, status, millis, error, response));
    } catch (SQLException | RuntimeException e) {
      LOG.warn(
          "webhooks: attempt {} of delivery {} not recorded ({})",
          job.attempts(),
          job.id(),
          e.getMessage());
    }
    if (error == null)
      return new JobStore.Finished(job.id(), "succeeded", status, null, null, millis, 0);
    Duration wait = TRIES.delayAfter(job.attempts());
    Instant until = OffsetDateTime.parse(delivery.path("retryUntil").asText()).toInstant();
    boolean again = !now.plus(wait).isAfter(until);
    return new JobStore.Finished(
        job.id(),
        again ? "queued" : "dead",
        status == null ? 502 : status,
        error,
        null,
        millis,
        again ? wait.toMillis() : 0);
  }

  private static String cut(String text) {
    if (text == null) return null;
    return text.length() > RESPONSE_KEPT ? text.substring(0, RESPONSE_KEPT) + "…" : text;
  }
}
