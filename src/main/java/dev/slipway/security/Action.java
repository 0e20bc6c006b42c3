package dev.slipway.security;

import io.javalin.security.RouteRole;
import java.util.Optional;

/**
 * What a control-plane route does, and so who may do it: the role × action matrix, in one place.
 * Every route is registered with exactly one action, and {@link Access} decides from it alone.
 *
 * <p>An API key may also be limited to some scopes; {@link #scope} names the scope an action needs.
 * Actions without a minimum role need no sign-in at all.
 */
public enum Action implements RouteRole {
  /** Health, the spec schema, sign-in, token refresh. */
  PUBLIC(null, null),
  /** The caller's own session, account and password: anyone signed in. */
  SELF(Role.VIEWER, null),
  /** Read endpoints, versions, releases and call logs. */
  READ(Role.VIEWER, "read"),
  /** Save drafts (new endpoint versions). */
  EDIT(Role.MEMBER, "edit"),
  /** Enqueue jobs for live handlers, retry and cancel jobs. */
  RUN_JOBS(Role.MEMBER, "jobs"),
  /** Call a draft on its preview route. */
  PREVIEW(Role.MEMBER, "preview"),
  /** Run code on {@code /api/execute}. */
  EXECUTE(Role.ADMIN, "execute"),
  /** Deploy and roll back releases. */
  DEPLOY(Role.ADMIN, "deploy"),
  /** Create, list and revoke API keys. */
  MANAGE_KEYS(Role.ADMIN, "keys"),
  /** Set and delete secrets. */
  MANAGE_SECRETS(Role.ADMIN, "secrets"),
  /**
   * Read secret values in code run on the caller's behalf: a draft's preview or test run,
   * create-endpoint's tests, {@code /api/execute}. Not a route of its own: those routes give their
   * runs the org's secrets through {@link Secrets#forRunBy}, which asks for this action.
   */
  READ_SECRET_VALUES(Role.ADMIN, "secrets"),
  /** Read the audit log. */
  READ_AUDIT(Role.ADMIN, "audit"),
  /** Add, change and remove members. */
  MANAGE_MEMBERS(Role.OWNER, "members"),
  /** Rename the org, create orgs. */
  MANAGE_ORG(Role.OWNER, "org");

  private final Role minimum;
  private final String scope;

  Action(Role minimum, String scope) {
    this.minimum = minimum;
    this.scope = scope;
  }

  /** The least role that may do this; empty for public actions. */
  public Optional<Role> minimum() {
    return Optional.ofNullable(minimum);
  }

  /** The API-key scope this action needs; empty when any signed-in caller may do it. */
  public Optional<String> scope() {
    return Optional.ofNullable(scope);
  }

  public static Optional<Action> forScope(String scope) {
    for (Action action : values()) {
      if (scope.equals(action.scope)) return Optional.of(action);
    }
    return Optional.empty();
  }
}
