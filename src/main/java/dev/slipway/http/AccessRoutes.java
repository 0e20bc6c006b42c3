package dev.slipway.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.egress.EgressPolicy;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.runtime.ConsumerKeyLookup;
import dev.slipway.security.Action;
import dev.slipway.security.Actor;
import dev.slipway.security.Authenticator;
import dev.slipway.security.Bootstrap;
import dev.slipway.security.Passwords;
import dev.slipway.security.Principal;
import dev.slipway.security.Role;
import dev.slipway.security.SignIn;
import dev.slipway.store.AuditStore;
import dev.slipway.store.CredentialStore;
import dev.slipway.store.IdentityStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HandlerType;
import io.javalin.http.SameSite;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The control plane's identity routes: signing in and out (session cookie or JWT pair), the
 * caller's account, API keys, members, the org and the audit log.
 */
final class AccessRoutes {
  private final ControlPlaneServer.Services services;

  AccessRoutes(ControlPlaneServer.Services services) {
    this.services = services;
  }

  void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.POST, "/api/auth/login", this::login, Action.PUBLIC);
    routes.addHttpHandler(HandlerType.POST, "/api/auth/token", this::token, Action.PUBLIC);
    routes.addHttpHandler(HandlerType.POST, "/api/auth/refresh", this::refresh, Action.PUBLIC);
    routes.addHttpHandler(HandlerType.POST, "/api/auth/logout", this::logout, Action.SELF);
    routes.addHttpHandler(HandlerType.GET, "/api/auth/me", this::me, Action.SELF);
    routes.addHttpHandler(HandlerType.POST, "/api/auth/password", this::changePassword, Action.SELF);
    routes.addHttpHandler(HandlerType.GET, "/api/keys", this::listKeys, Action.MANAGE_KEYS);
    routes.addHttpHandler(HandlerType.POST, "/api/keys", this::createKey, Action.MANAGE_KEYS);
    routes.addHttpHandler(HandlerType.DELETE, "/api/keys/{id}", this::revokeKey, Action.MANAGE_KEYS);
    routes.addHttpHandler(HandlerType.GET, "/api/members", this::listMembers, Action.READ);
    routes.addHttpHandler(HandlerType.POST, "/api/members", this::addMember, Action.MANAGE_MEMBERS);
    routes.addHttpHandler(HandlerType.PATCH, "/api/members/{userId}", this::changeRole, Action.MANAGE_MEMBERS);
    routes.addHttpHandler(HandlerType.DELETE, "/api/members/{userId}", this::removeMember, Action.MANAGE_MEMBERS);
    routes.addHttpHandler(HandlerType.GET, "/api/org", this::getOrg, Action.READ);
    routes.addHttpHandler(HandlerType.PATCH, "/api/org", this::renameOrg, Action.MANAGE_ORG);
    routes.addHttpHandler(HandlerType.GET, "/api/org/egress", this::getEgress, Action.READ);
    routes.addHttpHandler(HandlerType.PUT, "/api/org/egress", this::putEgress, Action.MANAGE_ORG);
    routes.addHttpHandler(HandlerType.GET, "/api/audit", this::audit, Action.READ_AUDIT);
    routes.addHttpHandler(HandlerType.GET, "/api/consumer-keys", this::listConsumerKeys, Action.MANAGE_KEYS);
    routes.addHttpHandler(HandlerType.POST, "/api/consumer-keys", this::createConsumerKey, Action.MANAGE_KEYS);
    routes.addHttpHandler(HandlerType.DELETE, "/api/consumer-keys/{id}", this::revokeConsumerKey, Action.MANAGE_KEYS);
    routes.addHttpHandler(HandlerType.GET, "/api/secrets", this::listSecrets, Action.READ);
    routes.addHttpHandler(HandlerType.PUT, "/api/secrets/{name}", this::putSecret, Action.MANAGE_SECRETS);
    routes.addHttpHandler(HandlerType.DELETE, "/api/secrets/{name}", this::deleteSecret, Action.MANAGE_SECRETS);
  }

  // --- signing in and out -----------------------------------------------------------------------

  private void login(Context ctx) throws SQLException {
    JsonNode body = Api.jsonBody(ctx);
    var session = services.signIn().startSession(Api.text(body, "email"), Api.text(body, "password"),
        Api.optionalText(body, "org"), origin(ctx));
    var cookie = new Cookie(Authenticator.SESSION_COOKIE, session.token(), "/", (int) SignIn.SESSION_MAX.toSeconds(),
        secure(ctx), true, null, SameSite.LAX);
    ctx.cookie(cookie);
    var answer = who(session.who());
    answer.put("csrfToken", session.csrfToken());
    answer.put("expiresAt", session.expiresAt().toString());
    Api.json(ctx, 200, answer);
  }

  private void token(Context ctx) throws SQLException {
    JsonNode body = Api.jsonBody(ctx);
    Api.json(ctx, 200, pair(services.signIn().issueTokens(Api.text(body, "email"), Api.text(body, "password"),
        Api.optionalText(body, "org"), origin(ctx))));
  }

  private void refresh(Context ctx) throws SQLException {
    JsonNode body = Api.jsonBody(ctx);
    Api.json(ctx, 200, pair(services.signIn().refresh(Api.text(body, "refreshToken"), origin(ctx))));
  }

  private void logout(Context ctx) throws SQLException {
    Actor actor = Api.actor(ctx);
    services.signIn().signOut(actor);
    if (actor.principal().kind() == Principal.Kind.SESSION) {
      ctx.cookie(new Cookie(Authenticator.SESSION_COOKIE, "", "/", 0, secure(ctx), true, null, SameSite.LAX));
    }
    ctx.status(204);
  }

  private void me(Context ctx) throws SQLException {
    Principal principal = Api.actor(ctx).principal();
    var org = services.authenticator().org(principal.orgId()).orElseThrow();
    var body = new LinkedHashMap<String, Object>();
    body.put("kind", principal.kind().name().toLowerCase());
    if (principal.userId() != 0) body.put("user", Map.of("id", principal.userId(), "email", principal.name()));
    if (principal.keyId() != 0) body.put("key", Map.of("id", principal.keyId(), "name", principal.name()));
    body.put("org", Map.of("id", org.id(), "slug", org.slug(), "name", org.name()));
    body.put("role", principal.role().id());
    body.put("scopes", principal.scopes());
    Api.json(ctx, 200, body);
  }

  private void changePassword(Context ctx) throws SQLException {
    JsonNode body = Api.jsonBody(ctx);
    services.signIn().changePassword(Api.actor(ctx), Api.optionalText(body, "currentPassword").orElse(""),
        Api.text(body, "newPassword"));
    ctx.status(204);
  }

  // --- API keys ---------------------------------------------------------------------------------

  private void listKeys(Context ctx) throws SQLException {
    long org = Api.actor(ctx).orgId();
    Api.json(ctx, 200, services.platform().inOrg(org, c -> services.credentials().keys(c, org)).stream().map(AccessRoutes::key).toList());
  }

  /**
   * Creates a key; its token is in this answer only. A key never gets more than its maker has: its
   * role may not exceed the caller's, and a key made by a key limited to scopes must name some of
   * those scopes and no others. It records who it was made for (the signed-in user, or the user of
   * the key that made it) and the key that made it, so that it keeps within their limits later.
   */
  private void createKey(Context ctx) throws SQLException {
    Actor actor = Api.actor(ctx);
    Principal caller = actor.principal();
    JsonNode body = Api.jsonBody(ctx);
    String name = Api.text(body, "name");
    Role role = role("/role", Api.optionalText(body, "role").orElse(caller.role().id()));
    if (!caller.role().atLeast(role)) {
      throw new ProblemException(403, "forbidden", "Forbidden", "A key's role may not exceed your own ('" + caller.role().id() + "').");
    }
    var scopes = new ArrayList<String>();
    var violations = new ArrayList<Violation>();
    JsonNode list = body.path("scopes");
    for (int i = 0; i < list.size(); i++) {
      String scope = list.get(i).asText();
      if (Action.forScope(scope).isEmpty()) violations.add(new Violation("/scopes/" + i, "unknown scope '" + scope + "'"));
      scopes.add(scope);
    }
    Instant expires = expiresAt(body, violations);
    if (!violations.isEmpty()) throw ProblemException.unprocessable("invalid_request", "The key request is not valid.", violations);
    checkScopesHeld(caller, scopes);
    String token = "slw_" + SignIn.randomToken();
    Instant expiresAt = expires;
    var created = services.platform().inOrg(actor.orgId(), c -> {
      boolean byKey = caller.kind() == Principal.Kind.API_KEY;
      Long createdBy = byKey ? services.credentials().key(c, actor.orgId(), caller.keyId()).orElseThrow().createdBy()
          : Long.valueOf(caller.userId());
      long id = services.credentials().createKey(c, actor.orgId(), name, Bootstrap.prefixOf(token), Json.sha256(token),
          role.id(), scopes, createdBy, byKey ? caller.keyId() : null, expiresAt);
      services.audit().record(c, actor.success("key.create", "key:" + id));
      return services.credentials().key(c, actor.orgId(), id).orElseThrow();
    });
    var answer = key(created);
    answer.put("token", token);
    Api.json(ctx, 201, answer);
  }

  /**
   * A key limited to scopes may make keys with some of its scopes only. No scopes would mean every
   * scope the role allows, so it may not ask for none either.
   */
  private static void checkScopesHeld(Principal caller, List<String> scopes) {
    if (caller.scopes().isEmpty()) return;
    String held = String.join(", ", caller.scopes().stream().sorted().toList());
    var violations = new ArrayList<Violation>();
    if (scopes.isEmpty()) violations.add(new Violation("/scopes", "name some of this key's scopes: " + held));
    for (int i = 0; i < scopes.size(); i++) {
      if (!caller.scopes().contains(scopes.get(i))) {
        violations.add(new Violation("/scopes/" + i, "this key does not hold '" + scopes.get(i) + "'"));
      }
    }
    if (!violations.isEmpty()) {
      throw new ProblemException(403, "scope_not_held", "Forbidden",
          "A key limited to scopes may make keys with some of its scopes (" + held + ") and no others.", violations, Map.of());
    }
  }

  private void revokeKey(Context ctx) throws SQLException {
    Actor actor = Api.actor(ctx);
    long id = Api.id(ctx, "id", "key_not_found", "key");
    boolean revoked = services.platform().inOrg(actor.orgId(), c -> {
      if (services.credentials().key(c, actor.orgId(), id).isEmpty()) return false;
      services.credentials().revokeKey(c, actor.orgId(), id);
      services.audit().record(c, actor.success("key.revoke", "key:" + id));
      return true;
    });
    if (!revoked) throw ProblemException.notFound("key_not_found", "No key " + id + ".");
    ctx.status(204);
  }

  // --- members ----------------------------------------------------------------------------------

  private void listMembers(Context ctx) throws SQLException {
    long org = Api.actor(ctx).orgId();
    Api.json(ctx, 200, services.platform().inOrg(org, c -> services.identities().members(c, org)).stream().map(AccessRoutes::member).toList());
  }

  /** Adds a user by email; a new user needs an initial password, which they should change. */
  private void addMember(Context ctx) throws SQLException {
    Actor actor = Api.actor(ctx);
    JsonNode body = Api.jsonBody(ctx);
    String email = Api.text(body, "email").strip();
    if (!email.matches("[^@\\s]+@[^@\\s]+")) {
      throw ProblemException.unprocessable("invalid_request", "'" + email + "' is not an email address.", List.of(new Violation("/email", "not an email address")));
    }
    Role role = role("/role", Api.text(body, "role"));
    Optional<String> password = Api.optionalText(body, "password");
    String weakness = password.map(Passwords::weakness).orElse(null);
    if (weakness != null) throw ProblemException.unprocessable("weak_password", "The password " + weakness + ".", List.of(new Violation("/password", weakness)));
    String hash = password.map(Passwords::hash).orElse(null);
    var existing = services.platform().system(c -> services.identities().userByEmail(c, email));
    var member = services.platform().inOrg(actor.orgId(), c -> {
      long userId;
      if (existing.isPresent()) {
        userId = existing.get().id();
      } else if (hash != null) {
        userId = services.identities().createUser(c, email, Api.optionalText(body, "name").orElse(null), hash);
      } else {
        throw ProblemException.unprocessable("password_required", "No user has this email; send an initial 'password' to create one.",
            List.of(new Violation("/password", "required for a new user")));
      }
      if (!services.identities().addMember(c, actor.orgId(), userId, role.id())) {
        throw ProblemException.conflict("already_a_member", email + " is already a member.");
      }
      services.audit().record(c, actor.event("member.add", "user:" + userId, AuditStore.Outcome.SUCCESS, Map.of("role", role.id())));
      return services.identities().member(c, actor.orgId(), userId).orElseThrow();
    });
    Api.json(ctx, 201, member(member));
  }

  private void changeRole(Context ctx) throws SQLException {
    Actor actor = Api.actor(ctx);
    long userId = Api.id(ctx, "userId", "member_not_found", "member");
    Role role = role("/role", Api.text(Api.jsonBody(ctx), "role"));
    var member = services.platform().inOrg(actor.orgId(), c -> {
      var current = services.identities().member(c, actor.orgId(), userId)
          .orElseThrow(() -> ProblemException.notFound("member_not_found", "No member " + userId + "."));
      if (current.role().equals(Role.OWNER.id()) && role != Role.OWNER && services.identities().owners(c, actor.orgId()) == 1) {
        throw ProblemException.conflict("last_owner", "The org's last owner cannot stop being owner.");
      }
      services.identities().setRole(c, actor.orgId(), userId, role.id());
      services.audit().record(c, actor.event("member.role", "user:" + userId, AuditStore.Outcome.SUCCESS,
          Map.of("from", current.role(), "to", role.id())));
      // their keys (and keys those keys made) come down with them; sign-in caps them too, this
      // makes the stored role say so
      for (var key : services.credentials().liveKeysOf(c, actor.orgId(), userId)) {
        if (role.atLeast(Role.parse(key.role()).orElseThrow())) continue;
        services.credentials().setKeyRole(c, actor.orgId(), key.id(), role.id());
        services.audit().record(c, actor.event("key.demote", "key:" + key.id(), AuditStore.Outcome.SUCCESS,
            Map.of("from", key.role(), "to", role.id(), "because", "member.role user:" + userId)));
      }
      return services.identities().member(c, actor.orgId(), userId).orElseThrow();
    });
    Api.json(ctx, 200, member(member));
  }

  private void removeMember(Context ctx) throws SQLException {
    Actor actor = Api.actor(ctx);
    long userId = Api.id(ctx, "userId", "member_not_found", "member");
    services.platform().inOrg(actor.orgId(), c -> {
      var current = services.identities().member(c, actor.orgId(), userId)
          .orElseThrow(() -> ProblemException.notFound("member_not_found", "No member " + userId + "."));
      if (current.role().equals(Role.OWNER.id()) && services.identities().owners(c, actor.orgId()) == 1) {
        throw ProblemException.conflict("last_owner", "The org's last owner cannot be removed.");
      }
      services.identities().removeMember(c, actor.orgId(), userId);
      services.audit().record(c, actor.success("member.remove", "user:" + userId));
      for (var key : services.credentials().liveKeysOf(c, actor.orgId(), userId)) {
        services.credentials().revokeKey(c, actor.orgId(), key.id());
        services.audit().record(c, actor.event("key.revoke", "key:" + key.id(), AuditStore.Outcome.SUCCESS,
            Map.of("because", "member.remove user:" + userId)));
      }
      return null;
    });
    ctx.status(204);
  }

  // --- consumer keys: for callers of the org's apiKey endpoints ---------------------------------

  private void listConsumerKeys(Context ctx) throws SQLException {
    Api.json(ctx, 200, services.consumerKeys().list(Api.actor(ctx).orgId()).stream().map(key -> {
      var body = new LinkedHashMap<String, Object>();
      body.put("id", key.id());
      body.put("name", key.name());
      body.put("prefix", key.prefix());
      body.put("roles", key.roles());
      body.put("claims", key.claims());
      body.put("createdAt", key.createdAt().toString());
      body.put("expiresAt", key.expiresAt() == null ? null : key.expiresAt().toString());
      body.put("revoked", key.revoked());
      return body;
    }).toList());
  }

  private void createConsumerKey(Context ctx) throws SQLException {
    JsonNode body = Api.jsonBody(ctx);
    String name = Api.text(body, "name");
    var roles = new ArrayList<String>();
    body.path("roles").forEach(role -> roles.add(role.asText()));
    var violations = new ArrayList<Violation>();
    Instant expires = expiresAt(body, violations);
    var claims = new LinkedHashMap<String, String>();
    if (body.has("claims") && !body.get("claims").isObject()) {
      violations.add(new Violation("/claims", "must be an object of claim names to string values"));
    }
    body.path("claims").properties().forEach(claim -> {
      if (ConsumerKeyLookup.Key.RESERVED.contains(claim.getKey())) {
        violations.add(new Violation("/claims/" + claim.getKey(), "'" + claim.getKey() + "' is set by Slipway for every key"));
      } else if (!claim.getValue().isTextual()) {
        violations.add(new Violation("/claims/" + claim.getKey(), "a claim's value must be a string"));
      } else {
        claims.put(claim.getKey(), claim.getValue().asText());
      }
    });
    if (!violations.isEmpty()) throw ProblemException.unprocessable("invalid_request", "The key request is not valid.", violations);
    var created = services.consumerKeys().create(Api.actor(ctx), name, List.copyOf(roles), claims, expires);
    Api.json(ctx, 201, Map.of("id", created.id(), "name", name, "roles", roles, "claims", claims, "token", created.token(),
        "prefix", Bootstrap.prefixOf(created.token())));
  }

  private void revokeConsumerKey(Context ctx) throws SQLException {
    long id = Api.id(ctx, "id", "key_not_found", "consumer key");
    if (!services.consumerKeys().revoke(Api.actor(ctx), id)) throw ProblemException.notFound("key_not_found", "No consumer key " + id + ".");
    ctx.status(204);
  }

  /** An optional {@code expiresAt}: an ISO-8601 instant in the future. */
  private static Instant expiresAt(JsonNode body, List<Violation> violations) {
    if (!body.hasNonNull("expiresAt")) return null;
    try {
      Instant expires = Instant.parse(body.get("expiresAt").asText());
      if (expires.isBefore(Instant.now())) violations.add(new Violation("/expiresAt", "is in the past"));
      return expires;
    } catch (DateTimeParseException e) {
      violations.add(new Violation("/expiresAt", "must be an ISO-8601 instant such as 2027-01-31T00:00:00Z"));
      return null;
    }
  }

  // --- secrets: names and dates out, values only in ------------------------------------------------

  private void listSecrets(Context ctx) throws SQLException {
    Api.json(ctx, 200, services.secrets().list(Api.actor(ctx).orgId()).stream().map(info -> Map.of(
        "name", info.name(), "createdAt", info.createdAt().toString(), "updatedAt", info.updatedAt().toString())).toList());
  }

  private void putSecret(Context ctx) throws SQLException {
    String name = ctx.pathParam("name");
    boolean created = services.secrets().put(Api.actor(ctx), name, Api.text(Api.jsonBody(ctx), "value"));
    Api.json(ctx, created ? 201 : 200, Map.of("name", name, "created", created));
  }

  private void deleteSecret(Context ctx) throws SQLException {
    String name = ctx.pathParam("name");
    if (!services.secrets().delete(Api.actor(ctx), name)) throw ProblemException.notFound("secret_not_found", "No secret '" + name + "'.");
    ctx.status(204);
  }

  // --- the org and its audit log ----------------------------------------------------------------

  private void getOrg(Context ctx) throws SQLException {
    long org = Api.actor(ctx).orgId();
    var body = new LinkedHashMap<String, Object>(org(services.platform().inOrg(org, c -> services.identities().org(c, org)).orElseThrow()));
    // what the org's SQL runs as: grant it what the org's endpoints use
    body.put("databaseLogin", services.orgs().loginOf(org));
    Api.json(ctx, 200, body);
  }

  private void renameOrg(Context ctx) throws SQLException {
    Actor actor = Api.actor(ctx);
    String name = Api.text(Api.jsonBody(ctx), "name");
    var org = services.platform().inOrg(actor.orgId(), c -> {
      services.identities().renameOrg(c, actor.orgId(), name);
      services.audit().record(c, actor.event("org.rename", "org:" + actor.orgId(), AuditStore.Outcome.SUCCESS, Map.of("name", name)));
      return services.identities().org(c, actor.orgId()).orElseThrow();
    });
    Api.json(ctx, 200, org(org));
  }

  /** Where the org's scripts may fetch from: {@code {"allow": [...]}}, empty for any public destination. */
  private void getEgress(Context ctx) throws SQLException {
    Api.json(ctx, 200, Map.of("allow", services.egressRules().entries(Api.actor(ctx).orgId())));
  }

  /** Replaces the allow-list; every unusable entry is a 422 violation at {@code /allow/<i>}. */
  private void putEgress(Context ctx) throws SQLException {
    JsonNode list = Api.jsonBody(ctx).get("allow");
    if (list == null || !list.isArray()) {
      throw ProblemException.unprocessable("invalid_request", "The body needs 'allow', a list of host names, *.wildcard hosts "
          + "and CIDR blocks (an empty list allows any public destination).", List.of(new Violation("/allow", "required array")));
    }
    var entries = new ArrayList<String>();
    list.forEach(entry -> entries.add(entry.isTextual() ? entry.asText() : null));
    try {
      Api.json(ctx, 200, Map.of("allow", services.egressRules().replace(Api.actor(ctx), entries)));
    } catch (EgressPolicy.InvalidPolicyException e) {
      throw ProblemException.unprocessable("invalid_egress_rule", "The egress allow-list is not valid; nothing was saved.",
          e.problems().stream().map(p -> new Violation("/allow/" + p.index(), p.message())).toList());
    }
  }

  private void audit(Context ctx) throws SQLException {
    long org = Api.actor(ctx).orgId();
    var violations = new ArrayList<Violation>();
    Optional<AuditStore.Outcome> outcome = Optional.ofNullable(ctx.queryParam("outcome")).flatMap(o -> {
      try {
        return Optional.of(AuditStore.Outcome.valueOf(o.toUpperCase()));
      } catch (IllegalArgumentException e) {
        violations.add(new Violation("/query/outcome", "must be success, failure or denied"));
        return Optional.empty();
      }
    });
    Optional<Instant> since = Optional.ofNullable(ctx.queryParam("since")).flatMap(s -> {
      try {
        return Optional.of(Instant.parse(s));
      } catch (DateTimeParseException e) {
        violations.add(new Violation("/query/since", "must be an ISO-8601 instant"));
        return Optional.empty();
      }
    });
    Optional<Long> before = Optional.ofNullable(ctx.queryParam("before")).flatMap(b -> {
      try {
        return Optional.of(Long.parseLong(b));
      } catch (NumberFormatException e) {
        violations.add(new Violation("/query/before", "must be a record id"));
        return Optional.empty();
      }
    });
    if (!violations.isEmpty()) throw ProblemException.unprocessable("invalid_query", "The audit query is not valid.", violations);
    int limit = Math.clamp(ctx.queryParamAsClass("limit", Integer.class).getOrDefault(100), 1, 1000);
    var filter = new AuditStore.Filter(Optional.ofNullable(ctx.queryParam("action")), Optional.ofNullable(ctx.queryParam("actor")),
        outcome, since, before, limit);
    Api.json(ctx, 200, services.platform().inOrg(org, c -> services.audit().list(c, org, filter)).stream().map(e -> {
      var item = new LinkedHashMap<String, Object>();
      item.put("id", e.id());
      item.put("at", e.at().toString());
      item.put("actor", e.actor());
      item.put("action", e.action());
      item.put("target", e.target());
      item.put("sourceIp", e.sourceIp());
      item.put("requestId", e.requestId());
      item.put("outcome", e.outcome().name().toLowerCase());
      item.put("detail", e.detail());
      return item;
    }).toList());
  }

  // --- shapes -----------------------------------------------------------------------------------

  private static SignIn.Origin origin(Context ctx) {
    return new SignIn.Origin(ctx.ip(), Api.requestId(ctx));
  }

  /** Secure cookies when the request came over TLS, directly or through a proxy that says so. */
  private static boolean secure(Context ctx) {
    return "https".equalsIgnoreCase(ctx.scheme()) || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
  }

  private static Role role(String pointer, String id) {
    return Role.parse(id).orElseThrow(() -> ProblemException.unprocessable("invalid_request",
        "'" + id + "' is not a role; use owner, admin, member or viewer.", List.of(new Violation(pointer, "unknown role"))));
  }

  private static LinkedHashMap<String, Object> who(SignIn.Verified who) {
    var body = new LinkedHashMap<String, Object>();
    body.put("user", Map.of("id", who.user().id(), "email", who.user().email()));
    body.put("org", org(who.org()));
    body.put("role", who.role().id());
    return body;
  }

  private static Map<String, Object> pair(SignIn.TokenPair pair) {
    var body = who(pair.who());
    body.put("tokenType", "Bearer");
    body.put("accessToken", pair.accessToken());
    body.put("expiresIn", pair.expiresIn().toSeconds());
    body.put("refreshToken", pair.refreshToken());
    return body;
  }

  private static Map<String, Object> org(IdentityStore.Org org) {
    return Map.of("id", org.id(), "slug", org.slug(), "name", org.name(), "createdAt", org.createdAt().toString());
  }

  private static LinkedHashMap<String, Object> key(CredentialStore.ApiKey key) {
    var body = new LinkedHashMap<String, Object>();
    body.put("id", key.id());
    body.put("name", key.name());
    body.put("prefix", key.prefix());
    body.put("role", key.role());
    body.put("scopes", key.scopes());
    body.put("createdBy", key.createdBy());
    body.put("createdByKey", key.createdByKey());
    body.put("createdAt", key.createdAt().toString());
    body.put("expiresAt", key.expiresAt() == null ? null : key.expiresAt().toString());
    body.put("lastUsedAt", key.lastUsedAt() == null ? null : key.lastUsedAt().toString());
    body.put("revoked", key.revokedAt() != null);
    return body;
  }

  private static Map<String, Object> member(IdentityStore.Member member) {
    var body = new LinkedHashMap<String, Object>();
    body.put("userId", member.userId());
    body.put("email", member.email());
    body.put("name", member.name());
    body.put("role", member.role());
    body.put("since", member.since().toString());
    return body;
  }
}
