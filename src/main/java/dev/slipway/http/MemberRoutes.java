package dev.slipway.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.security.Action;
import dev.slipway.security.Members;
import dev.slipway.store.IdentityStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.time.Instant;

/** The org's members and their roles; the rules are {@link Members}'. */
public final class MemberRoutes implements Routes {
  private final Members members;

  public MemberRoutes(Members members) {
    this.members = members;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(
        HandlerType.GET,
        "/api/members",
        ctx ->
            Api.json(
                ctx, 200, members.list(Api.actor(ctx).orgId()).stream().map(Member::of).toList()),
        Action.READ);
    routes.addHttpHandler(HandlerType.POST, "/api/members", this::add, Action.MANAGE_MEMBERS);
    routes.addHttpHandler(
        HandlerType.PATCH, "/api/members/{userId}", this::changeRole, Action.MANAGE_MEMBERS);
    routes.addHttpHandler(
        HandlerType.DELETE, "/api/members/{userId}", this::remove, Action.MANAGE_MEMBERS);
  }

  record Member(long userId, String email, String name, String role, Instant since) {
    static Member of(IdentityStore.Member member) {
      return new Member(
          member.userId(), member.email(), member.name(), member.role(), member.since());
    }
  }

  /** {@code {email, role, password?, name?}}. */
  private void add(Context ctx) throws SQLException {
    JsonNode body = Api.jsonBody(ctx);
    var addition =
        new Members.Addition(
            Api.text(body, "email"),
            () -> Api.text(body, "role"),
            () -> Api.optionalText(body, "password"),
            () -> Api.optionalText(body, "name"));
    Api.json(ctx, 201, Member.of(members.add(Api.actor(ctx), addition)));
  }

  /** {@code {role}}. */
  private void changeRole(Context ctx) throws SQLException {
    long userId = Api.id(ctx, "userId", "member_not_found", "member");
    Api.json(
        ctx,
        200,
        Member.of(members.changeRole(Api.actor(ctx), userId, Api.text(Api.jsonBody(ctx), "role"))));
  }

  private void remove(Context ctx) throws SQLException {
    members.remove(Api.actor(ctx), Api.id(ctx, "userId", "member_not_found", "member"));
    ctx.status(204);
  }
}
