package dev.slipway.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Alert rules (migration V15): each org's, and the state their last evaluation left. */
public final class AlertStore {

  /** A rule; {@code endpoint} null for all of the org's endpoints. */
  public record Rule(
      long id,
      long org,
      String name,
      String endpoint,
      String kind,
      double threshold,
      int windowSeconds,
      String webhookUrl,
      String signingSecret,
      boolean firing,
      Instant changedAt,
      String lastDelivery,
      Instant createdAt) {}

  private static final String COLUMNS =
      "id, org_id, name, endpoint, kind, threshold, window_s, webhook_url, signing_secret, firing,"
          + " changed_at, last_delivery, created_at";

  private static Rule rule(ResultSet rs) throws SQLException {
    return new Rule(
        rs.getLong(1),
        rs.getLong(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getDouble(6),
        rs.getInt(7),
        rs.getString(8),
        rs.getString(9),
        rs.getBoolean(10),
        rs.getTimestamp(11) == null ? null : rs.getTimestamp(11).toInstant(),
        rs.getString(12),
        rs.getTimestamp(13).toInstant());
  }

  /** The rules the transaction sees: one org's, or every org's outside one. */
  public List<Rule> list(Connection c) throws SQLException {
    return Sql.list(
        c, "select " + COLUMNS + " from slipway.alert_rules order by org_id, id", AlertStore::rule);
  }

  public Optional<Rule> find(Connection c, long org, long id) throws SQLException {
    return Sql.list(
            c,
            "select " + COLUMNS + " from slipway.alert_rules where org_id = ? and id = ?",
            AlertStore::rule,
            org,
            id)
        .stream()
        .findFirst();
  }

  /** A rule as asked for, checked. */
  public record NewRule(
      String name,
      String endpoint,
      String kind,
      double threshold,
      int windowSeconds,
      String webhookUrl,
      String signingSecret) {}

  /** Adds a rule; empty when the org has one of that name. */
  public Optional<Rule> add(Connection c, long org, NewRule rule) throws SQLException {
    return Sql.list(
            c,
            "insert into slipway.alert_rules (org_id, name, endpoint, kind, threshold, window_s,"
                + " webhook_url, signing_secret) values (?, ?, ?, ?, ?, ?, ?, ?)"
                + " on conflict (org_id, name) do nothing returning "
                + COLUMNS,
            AlertStore::rule,
            org,
            rule.name(),
            rule.endpoint(),
            rule.kind(),
            rule.threshold(),
            rule.windowSeconds(),
            rule.webhookUrl(),
            rule.signingSecret())
        .stream()
        .findFirst();
  }

  public boolean delete(Connection c, long org, long id) throws SQLException {
    return Sql.update(c, "delete from slipway.alert_rules where org_id = ? and id = ?", org, id)
        == 1;
  }

  /** Records a rule's new state and how its delivery went. */
  public void changed(Connection c, long id, boolean firing, String delivery) throws SQLException {
    Sql.update(
        c,
        "update slipway.alert_rules set firing = ?, changed_at = now(), last_delivery = ? where id = ?",
        firing,
        delivery,
        id);
  }

  /** Records how a test delivery went. */
  public void delivered(Connection c, long id, String delivery) throws SQLException {
    Sql.update(c, "update slipway.alert_rules set last_delivery = ? where id = ?", delivery, id);
  }
}
