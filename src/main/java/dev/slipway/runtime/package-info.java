/**
 * The data plane's engine: endpoint specs compiled into pipelines (input contract, steps, compiled
 * responses), the router that finds them, and the execution of one request. Everything that can be
 * decided from a spec is decided once, when it is compiled; a request only evaluates.
 */
package dev.slipway.runtime;
