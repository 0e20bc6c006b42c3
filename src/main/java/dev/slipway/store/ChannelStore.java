package dev.slipway.store;

import dev.slipway.realtime.Hub;
import dev.slipway.realtime.Message;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Realtime messages as PostgreSQL keeps them (migration V21): each topic's recent messages, for
 * subscribers that come back with {@code Last-Event-ID}, and one message whose notification was too
 * large to carry it.
 */
public final class ChannelStore implements Hub.History {
  /** How long a message is kept for subscribers that reconnect. */
  public static final Duration KEPT = Duration.ofMinutes(10);

  private final PlatformTransactions platform;

  public ChannelStore(PlatformTransactions platform) {
    this.platform = platform;
  }

  private static final Sql.Row<Message> MESSAGE =
      rs ->
          new Message(
              rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5));

  @Override
  public List<Message> after(long org, String topic, long afterId, int limit) throws SQLException {
    if (limit <= 0) return List.of();
    return platform
        .inOrg(
            org,
            c ->
                Sql.list(
                    c,
                    """
                    select org_id, id, topic, event, data::text from slipway.channel_messages
                    where org_id = ? and topic = ? and id > ?
                    order by id desc limit ?""",
                    MESSAGE,
                    org,
                    topic,
                    afterId,
                    limit))
        .reversed();
  }

  @Override
  public Optional<Message> find(long id) throws SQLException {
    return platform.system(
        c ->
            Sql.list(
                    c,
                    "select org_id, id, topic, event, data::text from slipway.channel_messages"
                        + " where id = ?",
                    MESSAGE,
                    id)
                .stream()
                .findFirst());
  }

  @Override
  public long latestId() throws SQLException {
    return platform.system(
        c -> Sql.id(c, "select coalesce(max(id), 0) from slipway.channel_messages"));
  }

  /** Deletes messages older than {@link #KEPT}; how many. */
  @Override
  public int prune() throws SQLException {
    return platform.system(
        c ->
            Sql.update(
                c,
                "delete from slipway.channel_messages where at < now() - ? * interval '1 second'",
                KEPT.toSeconds()));
  }
}
