/**
 * Slipway: a self-hosted builder of HTTP API endpoints. {@link dev.slipway.Slipway} is the
 * composition root; each sub-package is one area (see DESIGN.md §6).
 */
package dev.slipway;
