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

  /** Why {@link #allows} refuses the principal the action: its role, or (a key's) its scopes. */
  public static String refusal(Principal principal, Action action) {
    Role needs = action.minimum().orElseThrow();
    return principal.role().atLeast(needs)
        ? "This API key's scopes do not include '" + action.scope().orElseThrow() + "'."
        : "Your role '"
            + principal.role().id()
            + "' may not do this; it needs '"
            + needs.id()
            + "' or above.";
  }
}
