package dev.slipway.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.slipway.egress.EgressPolicy;
import dev.slipway.egress.PolicySource;
import dev.slipway.store.AuditStore;
import dev.slipway.store.Notifications;
import dev.slipway.store.PlatformTransactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Each org's egress allow-list ({@code slipway.egress_rules}), and the parsed policy {@link Egress}
 * asks for on every fetch, from a cache. A change here empties the org's entry at once, on this
 * instance and (NOTIFY on {@link #CHANNEL}) on every other; the cache also forgets after a minute.
 */
public final class EgressRules implements PolicySource {
  public static final String CHANNEL = "slipway_egress_rules";

  private final PlatformTransactions platform;
  private final AuditStore audit;
  private final Cache<Long, EgressPolicy> cache =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(1)).build();

  public EgressRules(PlatformTransactions platform, AuditStore audit) {
    this.platform = platform;
    this.audit = audit;
  }

  @Override
  public EgressPolicy policy(long orgId) {
    return cache.get(
        orgId,
        org -> {
          try {
            return EgressPolicy.parse(platform.inOrg(org, c -> load(c, org)));
          } catch (SQLException e) {
            throw new IllegalStateException("cannot read org " + org + "'s egress allow-list", e);
          }
        });
  }

  /** The org's entries in their order (empty: any public destination). */
  public List<String> entries(long orgId) throws SQLException {
    return platform.inOrg(orgId, c -> load(c, orgId));
  }

  /**
   * Replaces the actor's org's allow-list, audited as {@code egress.update}.
   *
   * @return the entries as saved (normalized)
   * @throws EgressPolicy.InvalidPolicyException naming every unusable entry; nothing is saved
   */
  public List<String> replace(Actor actor, List<String> entries) throws SQLException {
    EgressPolicy policy = EgressPolicy.parse(entries);
    long org = actor.orgId();
    platform.inOrg(
        org,
        c -> {
          // one replacement of an org's list at a time: the org's row is the lock
          try (var ps = c.prepareStatement("select id from slipway.orgs where id = ? for update")) {
            ps.setLong(1, org);
            ps.executeQuery().close();
          }
          try (var ps = c.prepareStatement("delete from slipway.egress_rules where org_id = ?")) {
            ps.setLong(1, org);
            ps.executeUpdate();
          }
          try (var ps =
              c.prepareStatement(
                  "insert into slipway.egress_rules (org_id, position, entry) values (?, ?, ?)")) {
            for (int i = 0; i < policy.entries().size(); i++) {
              ps.setLong(1, org);
              ps.setInt(2, i);
              ps.setString(3, policy.entries().get(i));
              ps.addBatch();
            }
            ps.executeBatch();
          }
          audit.record(
              c,
              actor.event(
                  "egress.update",
                  "org:" + org,
                  AuditStore.Outcome.SUCCESS,
                  Map.of("allow", policy.entries())));
          Notifications.send(c, CHANNEL, Long.toString(org));
          return null;
        });
    cache.invalidate(org);
    return policy.entries();
  }

  /** Forgets the org's cached policy (its list changed, here or on another instance). */
  public void invalidate(long orgId) {
    cache.invalidate(orgId);
  }

  /** Forgets every org's cached policy. */
  public void invalidateAll() {
    cache.invalidateAll();
  }

  private static List<String> load(Connection c, long org) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "select entry from slipway.egress_rules where org_id = ? order by position")) {
      ps.setLong(1, org);
      try (var rs = ps.executeQuery()) {
        var entries = new ArrayList<String>();
        while (rs.next()) entries.add(rs.getString(1));
        return List.copyOf(entries);
      }
    }
  }
}
