package dev.slipway.security;

/**
 * The one place that decides whether a caller may do an action: its role must be at least the
 * action's minimum, and an API key limited to scopes must hold the action's scope.
 */
public final class Access {
  private Access() {}

  public static boolean allows(Principal principal, Action action) {
    if (action.minimum().isEmpty()) return true;
    if (!principal.role().atLeast(action.minimum().get())) return false;
    if (principal.scopes().isEmpty() || action.scope().isEmpty()) return true;
    return principal.scopes().contains(action.scope().get());
  }
}
