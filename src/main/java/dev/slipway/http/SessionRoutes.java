package dev.slipway.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.security.Action;
import dev.slipway.security.Actor;
import dev.slipway.security.Authenticator;
import dev.slipway.security.Principal;
import dev.slipway.security.SignIn;
import dev.slipway.store.IdentityStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HandlerType;
import io.javalin.http.SameSite;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Set;

/** Signing in and out (a session cookie or a JWT pair), and the caller's own account. */
public final class SessionRoutes implements Routes {
  private final SignIn signIn;
  private final Authenticator authenticator;

  public SessionRoutes(SignIn signIn, Authenticator authenticator) {
    this.signIn = signIn;
    this.authenticator = authenticator;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.POST, "/api/auth/login", this::login, Action.PUBLIC);
    routes.addHttpHandler(HandlerType.POST, "/api/auth/token", this::token, Action.PUBLIC);
    routes.addHttpHandler(HandlerType.POST, "/api/auth/refresh", this::refresh, Action.PUBLIC);
    routes.addHttpHandler(HandlerType.POST, "/api/auth/logout", this::logout, Action.SELF);
    routes.addHttpHandler(HandlerType.GET, "/api/auth/me", this::me, Action.SELF);
    routes.addHttpHandler(
        HandlerType.POST, "/api/auth/password", this::changePassword, Action.SELF);
  }

  record UserBody(long id, String email) {}

  record Who(UserBody user, OrgRoutes.OrgBody org, String role) {
    static Who of(SignIn.Verified who) {
      return new Who(
          new UserBody(who.user().id(), who.user().email()),
          OrgRoutes.OrgBody.of(who.org()),
          who.role().id());
    }
  }

  record Session(@JsonUnwrapped Who who, String csrfToken, Instant expiresAt) {}

  record Tokens(
      @JsonUnwrapped Who who,
      String tokenType,
      String accessToken,
      long expiresIn,
      String refreshToken) {
    static Tokens of(SignIn.TokenPair pair) {
      return new Tokens(
          Who.of(pair.who()),
          "Bearer",
          pair.accessToken(),
          pair.expiresIn().toSeconds(),
          pair.refreshToken());
    }
  }

  record KeyName(long id, String name) {}

  record OrgName(long id, String slug, String name) {}

  /**
   * Who is calling: a user (signed in, or the user of a key) or a key, the org and the role with
   * its scopes.
   */
  record Me(
      String kind,
      @JsonInclude(JsonInclude.Include.NON_NULL) UserBody user,
      @JsonInclude(JsonInclude.Include.NON_NULL) KeyName key,
      OrgName org,
      String role,
      Set<String> scopes,
      @JsonInclude(JsonInclude.Include.NON_NULL) String csrfToken) {}

  private void login(Context ctx) throws SQLException {
    JsonNode body = Api.jsonBody(ctx);
    var session =
        signIn.startSession(
            Api.text(body, "email"),
            Api.text(body, "password"),
            Api.optionalText(body, "org"),
            origin(ctx));
    ctx.cookie(
        new Cookie(
            Authenticator.SESSION_COOKIE,
            session.token(),
            "/",
            (int) SignIn.SESSION_MAX.toSeconds(),
            secure(ctx),
            true,
            null,
            SameSite.LAX));
    Api.json(
        ctx, 200, new Session(Who.of(session.who()), session.csrfToken(), session.expiresAt()));
  }

  private void token(Context ctx) throws SQLException {
    JsonNode body = Api.jsonBody(ctx);
    Api.json(
        ctx,
        200,
        Tokens.of(
            signIn.issueTokens(
                Api.text(body, "email"),
                Api.text(body, "password"),
                Api.optionalText(body, "org"),
                origin(ctx))));
  }

  private void refresh(Context ctx) throws SQLException {
    Api.json(
        ctx,
        200,
        Tokens.of(signIn.refresh(Api.text(Api.jsonBody(ctx), "refreshToken"), origin(ctx))));
  }

  private void logout(Context ctx) throws SQLException {
    Actor actor = Api.actor(ctx);
    signIn.signOut(actor);
    if (actor.principal().kind() == Principal.Kind.SESSION) {
      ctx.cookie(
          new Cookie(
              Authenticator.SESSION_COOKIE, "", "/", 0, secure(ctx), true, null, SameSite.LAX));
    }
    ctx.status(204);
  }

  private void me(Context ctx) throws SQLException {
    Principal principal = Api.actor(ctx).principal();
    IdentityStore.Org org = authenticator.org(principal.orgId()).orElseThrow();
    Api.json(
        ctx,
        200,
        new Me(
            principal.kind().name().toLowerCase(),
            principal.userId() != 0 ? new UserBody(principal.userId(), principal.name()) : null,
            principal.keyId() != 0 ? new KeyName(principal.keyId(), principal.name()) : null,
            new OrgName(org.id(), org.slug(), org.name()),
            principal.role().id(),
            principal.scopes(),
            principal.kind() == Principal.Kind.SESSION
                ? authenticator.csrfToken(ctx.cookie(Authenticator.SESSION_COOKIE)).orElse(null)
                : null));
  }

  private void changePassword(Context ctx) throws SQLException {
    JsonNode body = Api.jsonBody(ctx);
    signIn.changePassword(
        Api.actor(ctx),
        Api.optionalText(body, "currentPassword").orElse(""),
        Api.text(body, "newPassword"));
    ctx.status(204);
  }

  private static SignIn.Origin origin(Context ctx) {
    return new SignIn.Origin(ctx.ip(), Api.requestId(ctx));
  }

  /** Secure cookies when the request came over TLS, directly or through a proxy that says so. */
  private static boolean secure(Context ctx) {
    return "https".equalsIgnoreCase(ctx.scheme())
        || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
  }
}
