package dev.slipway.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Conversations with the generator ({@code slipway.chats}), each one caller's in an org: a user
 * signed in, or one API key (a key's conversations are not its user's, nor another key's).
 */
public final class ChatStore {
  /** A conversation. */
  public record Chat(long id, String title, Instant createdAt, Instant updatedAt) {}

  /** One turn: {@code user} or {@code assistant}; the assistant's with what its generation made. */
  public record Turn(String role, String content, JsonNode generation, Instant at) {}

  private static final String CHATS =
      "select id, title, created_at, updated_at from slipway.chats"
          + " where org_id = ? and user_id = ? and key_id = ?";

  private final PlatformTransactions platform;

  public ChatStore(PlatformTransactions platform) {
    this.platform = platform;
  }

  /** Whose conversations: a user's ({@code key} 0) or an API key's. */
  public record Owner(long user, long key) {}

  public long create(long org, Owner owner, String title) throws SQLException {
    return platform.inOrg(
        org,
        c ->
            Sql.id(
                c,
                "insert into slipway.chats (org_id, user_id, key_id, title) values (?, ?, ?, ?)"
                    + " returning id",
                org,
                owner.user(),
                owner.key(),
                title));
  }

  /** The caller's conversation, if it is theirs. */
  public Optional<Chat> find(long org, Owner owner, long id) throws SQLException {
    return platform.inOrg(
        org,
        c ->
            Sql.list(c, CHATS + " and id = ?", ChatStore::chat, org, owner.user(), owner.key(), id)
                .stream()
                .findFirst());
  }

  /** The caller's conversations, the latest first. */
  public List<Chat> list(long org, Owner owner) throws SQLException {
    return platform.inOrg(
        org,
        c ->
            Sql.list(
                c,
                CHATS + " order by updated_at desc, id desc limit 200",
                ChatStore::chat,
                org,
                owner.user(),
                owner.key()));
  }

  private static Chat chat(ResultSet rs) throws SQLException {
    return new Chat(
        rs.getLong(1),
        rs.getString(2),
        rs.getTimestamp(3).toInstant(),
        rs.getTimestamp(4).toInstant());
  }

  public void add(long org, long chat, String role, String content, JsonNode generation)
      throws SQLException {
    platform.inOrg(
        org,
        c -> {
          Sql.update(
              c,
              "insert into slipway.chat_messages (chat_id, org_id, role, content, generation)"
                  + " values (?, ?, ?, ?, ?::jsonb)",
              chat,
              org,
              role,
              content,
              generation == null ? null : generation.toString());
          return Sql.update(c, "update slipway.chats set updated_at = now() where id = ?", chat);
        });
  }

  public List<Turn> turns(long org, long chat) throws SQLException {
    return platform.inOrg(
        org,
        c ->
            Sql.list(
                c,
                "select role, content, generation, at from slipway.chat_messages"
                    + " where org_id = ? and chat_id = ? order by id",
                rs -> {
                  String generation = rs.getString(3);
                  return new Turn(
                      rs.getString(1),
                      rs.getString(2),
                      generation == null ? null : Json.parse(generation),
                      rs.getTimestamp(4).toInstant());
                },
                org,
                chat));
  }
}
