package dev.slipway.templates.crud;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Rows that belong to whoever created them, as one of the caller's claims names it: its {@code sub}
 * (scope: owner) or its tenant (scope: tenant). The column is filled from the claim and row-level
 * security checks every statement against it ({@link CrudSql#policy}).
 *
 * @param scope the config's word for it: owner or tenant
 * @param who whom a row belongs to: caller or tenant
 */
record Scoping(String scope, String column, String claim, String policyName, String who) {

  /** The scoping of a config whose defaults are filled in; empty for scope: none. */
  static Optional<Scoping> of(JsonNode config) {
    return switch (config.path("scope").asText()) {
      case "owner" -> Optional.of(new Scoping("owner", "owner", "sub", "owner_rows", "caller"));
      case "tenant" ->
          Optional.of(
              new Scoping(
                  "tenant",
                  config.path("tenant").path("column").asText(),
                  config.path("tenant").path("claim").asText(),
                  "tenant_rows",
                  "tenant"));
      default -> Optional.empty();
    };
  }

  /** Whom rows belong to, in the plural: callers, tenants. */
  String whose() {
    return who + "s";
  }

  /**
   * Whether rows belong to each caller (the claim is its sub) rather than to a tenant it shares
   * with others.
   */
  boolean byCaller() {
    return claim.equals("sub");
  }
}
