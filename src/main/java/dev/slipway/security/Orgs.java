package dev.slipway.security;

import dev.slipway.store.AuditStore;
import dev.slipway.store.IdentityStore;
import dev.slipway.store.PlatformTransactions;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/** The caller's org: reading it, renaming it (audited), and its audit log. */
public final class Orgs {
  private final PlatformTransactions platform;
  private final IdentityStore identities;
  private final AuditStore audit;

  public Orgs(PlatformTransactions platform, IdentityStore identities, AuditStore audit) {
    this.platform = platform;
    this.identities = identities;
    this.audit = audit;
  }

  public IdentityStore.Org get(long org) throws SQLException {
    return platform.inOrg(org, c -> identities.org(c, org)).orElseThrow();
  }

  public IdentityStore.Org rename(Actor actor, String name) throws SQLException {
    return platform.inOrg(
        actor.orgId(),
        c -> {
          identities.renameOrg(c, actor.orgId(), name);
          audit.record(
              c,
              actor.event(
                  "org.rename",
                  "org:" + actor.orgId(),
                  AuditStore.Outcome.SUCCESS,
                  Map.of("name", name)));
          return identities.org(c, actor.orgId()).orElseThrow();
        });
  }

  /** The org's audit records that pass {@code filter}, newest first. */
  public List<AuditStore.Event> auditLog(long org, AuditStore.Filter filter) throws SQLException {
    return platform.inOrg(org, c -> audit.list(c, org, filter));
  }
}
