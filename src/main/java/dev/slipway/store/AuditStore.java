package dev.slipway.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.common.Json;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The append-only audit log. A change writes its record in the change's own transaction, so there
 * is no change without its record; a trigger refuses updates and deletes (migration V3).
 */
public final class AuditStore {
  /** How an audited operation ended. */
  public enum Outcome {
    SUCCESS,
    FAILURE,
    DENIED
  }

  /**
   * One record.
   *
   * @param orgId the org it concerns, 0 when none is known (a failed sign-in)
   * @param actor who did it, e.g. {@code user:3 (ada@example.com)}
   * @param action what, e.g. {@code release.deploy}
   * @param target on what, e.g. {@code release:12}
   */
  public record Event(
      long id,
      long orgId,
      Instant at,
      String actor,
      String action,
      String target,
      String sourceIp,
      String requestId,
      Outcome outcome,
      Map<String, Object> detail) {}

  /** Which records to read; empty parts match everything. */
  public record Filter(
      Optional<String> action,
      Optional<String> actor,
      Optional<Outcome> outcome,
      Optional<Instant> since,
      Optional<Long> before,
      int limit) {}

  public void record(Connection c, Event event) throws SQLException {
    try (var ps =
        c.prepareStatement(
            """
        insert into slipway.audit_log (org_id, actor, action, target, source_ip, request_id, outcome, detail)
        values (?, ?, ?, ?, ?, ?, ?, ?::jsonb)""")) {
      ps.setObject(1, event.orgId() == 0 ? null : event.orgId());
      ps.setString(2, event.actor());
      ps.setString(3, event.action());
      ps.setString(4, event.target());
      ps.setString(5, event.sourceIp());
      ps.setString(6, event.requestId());
      ps.setString(7, event.outcome().name().toLowerCase());
      ps.setString(8, event.detail().isEmpty() ? null : json(event.detail()));
      ps.executeUpdate();
    }
  }

  /** The org's records, newest first. */
  public List<Event> list(Connection c, long org, Filter filter) throws SQLException {
    try (var ps =
        c.prepareStatement(
            """
        select id, org_id, at, actor, action, target, source_ip, request_id, outcome, detail::text
        from slipway.audit_log
        where org_id = ?
          and (?::text is null or action = ? or action like ? || '.%')
          and (?::text is null or actor like ? || '%')
          and (?::text is null or outcome = ?)
          and (?::timestamptz is null or at >= ?)
          and (?::bigint is null or id < ?)
        order by id desc limit ?""")) {
      int i = 1;
      ps.setLong(i++, org);
      String action = filter.action().orElse(null);
      ps.setString(i++, action);
      ps.setString(i++, action);
      ps.setString(i++, action);
      String actor = filter.actor().orElse(null);
      ps.setString(i++, actor);
      ps.setString(i++, actor);
      String outcome = filter.outcome().map(o -> o.name().toLowerCase()).orElse(null);
      ps.setString(i++, outcome);
      ps.setString(i++, outcome);
      Timestamp since = filter.since().map(Timestamp::from).orElse(null);
      ps.setTimestamp(i++, since);
      ps.setTimestamp(i++, since);
      Long before = filter.before().orElse(null);
      ps.setObject(i++, before, java.sql.Types.BIGINT);
      ps.setObject(i++, before, java.sql.Types.BIGINT);
      ps.setInt(i, filter.limit());
      try (var rs = ps.executeQuery()) {
        var events = new ArrayList<Event>();
        while (rs.next()) {
          events.add(
              new Event(
                  rs.getLong(1),
                  rs.getLong(2),
                  rs.getTimestamp(3).toInstant(),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getString(8),
                  Outcome.valueOf(rs.getString(9).toUpperCase()),
                  detail(rs.getString(10))));
        }
        return events;
      }
    }
  }

  private static String json(Map<String, Object> detail) {
    try {
      return Json.MAPPER.writeValueAsString(detail);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("audit detail is not JSON", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> detail(String text) {
    if (text == null) return Map.of();
    try {
      return Json.MAPPER.readValue(text, Map.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored audit detail is not JSON", e);
    }
  }
}
