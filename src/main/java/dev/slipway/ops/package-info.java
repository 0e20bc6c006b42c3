/**
 * Operations: the per-call log of the data plane (kept in memory, written to PostgreSQL in batches
 * off the request path), the rate limiters (in process or in Redis), and each endpoint's {@link
 * dev.slipway.ops.Behaviour}, the running figures that fair sharing decides by.
 */
package dev.slipway.ops;
