/**
 * Slipway: a self-hosted builder of HTTP API endpoints. {@link dev.slipway.Slipway} is the
 * composition root; each sub-package is one area (see docs/architecture.md §8).
 */
package dev.slipway;
