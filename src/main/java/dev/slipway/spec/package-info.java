/**
 * Endpoint specs: the records that describe an endpoint (route, input contract, steps, response),
 * their JSON/YAML codec, the spec's own JSON Schema and the checks a spec must pass before it is
 * saved. Nothing here executes anything; {@code dev.slipway.runtime} compiles specs into pipelines.
 */
package dev.slipway.spec;
