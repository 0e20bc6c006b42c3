package dev.slipway.egress;

/** Where {@link Egress} learns an org's policy; {@code security.EgressRules} in production. */
@FunctionalInterface
public interface PolicySource {
  /** The org's current policy; called on every fetch, so it should be cheap (cached). */
  EgressPolicy policy(long orgId);
}
