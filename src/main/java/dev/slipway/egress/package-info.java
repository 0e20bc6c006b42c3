/**
 * Outbound HTTP on behalf of users, confined by a per-org policy: scripts' {@code ctx.fetch}, and
 * the JWK sets of jwt endpoints (fetched for nimbus-jose-jwt by {@code
 * dev.slipway.runtime.EgressJwkSetRetriever}).
 *
 * <p>{@link dev.slipway.egress.Egress} performs a {@link dev.slipway.egress.FetchRequest} and
 * answers a {@link dev.slipway.egress.FetchResponse}, or throws an {@link
 * dev.slipway.egress.EgressException} with a stable code. Every destination, including each
 * redirect, is checked against the org's {@link dev.slipway.egress.EgressPolicy} after DNS
 * resolution, and the checked addresses are the ones connected to. Private, loopback, link-local
 * and similar addresses are refused unless the org's allow-list names them with a CIDR block.
 * {@code security.EgressRules} stores each org's allow-list.
 */
package dev.slipway.egress;
