package dev.slipway.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Outgoing webhooks (migration V19): each is a job of the built-in handler {@link #HANDLER} (the
 * outbox), and each attempt to deliver it a row of {@code slipway.webhook_attempts}. The API lists
 * an org's deliveries with their attempts; {@link JobStore.Change#RESEND} sends one again.
 */
public final class WebhookStore {
  /** The job handler that delivers outgoing webhooks; no spec can have its name. */
  public static final String HANDLER = "webhook:out";

  private final PlatformTransactions platform;

  public WebhookStore(PlatformTransactions platform) {
    this.platform = platform;
  }

  /** One attempt to deliver: the HTTP status (null when nothing was answered) or the error. */
  public record Attempt(
      int attempt,
      Instant at,
      String url,
      Integer status,
      long durationMs,
      String error,
      String response) {}

  /** A delivery as the API shows it. */
  public record Delivery(
      long id,
      String status,
      String url,
      String event,
      JsonNode data,
      String secret,
      Instant retryUntil,
      int attempts,
      Integer lastStatus,
      String lastError,
      Instant createdAt,
      Instant finishedAt,
      List<Attempt> attemptLog) {}

  /** Records an attempt; in its own transaction, as the runner's own writes are. */
  public void recorded(long org, long job, Attempt attempt) throws SQLException {
    platform.system(
        c ->
            Sql.update(
                c,
                """
                insert into slipway.webhook_attempts (org_id, job_id, attempt, at, url, status,
                                                      duration_ms, error, response)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                org,
                job,
                attempt.attempt(),
                Timestamp.from(attempt.at()),
                attempt.url(),
                attempt.status(),
                attempt.durationMs(),
                attempt.error(),
                attempt.response()));
  }

  private static final String COLUMNS =
      """
      j.id, j.status, j.payload::text, j.attempts, j.last_status, j.last_error, j.created_at,
      j.finished_at""";

  /** The org's deliveries, newest first, optionally in one state, before an id (no attempts). */
  public List<Delivery> list(long org, Optional<String> status, long beforeId, int limit)
      throws SQLException {
    return platform.inOrg(
        org,
        c ->
            Sql.list(
                c,
                "select "
                    + COLUMNS
                    + " from slipway.jobs j where j.org_id = ? and j.handler = ?"
                    + " and (?::text is null or j.status = ?) and j.id < ? order by j.id desc limit ?",
                rs -> delivery(rs, List.of()),
                org,
                HANDLER,
                status.orElse(null),
                status.orElse(null),
                beforeId,
                limit));
  }

  /** One delivery of the org's with every attempt, oldest first. */
  public Optional<Delivery> find(long org, long id) throws SQLException {
    return platform.inOrg(
        org,
        c -> {
          var attempts =
              Sql.list(
                  c,
                  """
                  select attempt, at, url, status, duration_ms, error, response
                  from slipway.webhook_attempts where org_id = ? and job_id = ? order by id""",
                  rs ->
                      new Attempt(
                          rs.getInt(1),
                          rs.getTimestamp(2).toInstant(),
                          rs.getString(3),
                          (Integer) rs.getObject(4),
                          rs.getLong(5),
                          rs.getString(6),
                          rs.getString(7)),
                  org,
                  id);
          return Sql.list(
                  c,
                  "select "
                      + COLUMNS
                      + " from slipway.jobs j where j.org_id = ? and j.id = ?"
                      + " and j.handler = ?",
                  rs -> delivery(rs, attempts),
                  org,
                  id,
                  HANDLER)
              .stream()
              .findFirst();
        });
  }

  private static Delivery delivery(ResultSet rs, List<Attempt> attempts) throws SQLException {
    JsonNode payload = Json.parse(rs.getString(3));
    return new Delivery(
        rs.getLong(1),
        rs.getString(2),
        payload.path("url").asText(),
        payload.path("event").asText(),
        payload.path("data"),
        payload.path("secret").asText(),
        java.time.OffsetDateTime.parse(payload.path("retryUntil").asText()).toInstant(),
        rs.getInt(4),
        (Integer) rs.getObject(5),
        rs.getString(6),
        rs.getTimestamp(7).toInstant(),
        Optional.ofNullable(rs.getTimestamp(8)).map(Timestamp::toInstant).orElse(null),
        attempts);
  }
}
