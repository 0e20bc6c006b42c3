/**
 * Runs user JavaScript and TypeScript step code in GraalJS, away from the server.
 *
 * <p>{@link dev.slipway.sandbox.Sandbox} is the entry point: {@code compile} once when a script is
 * saved or loaded, {@code run} on every request. {@link dev.slipway.sandbox.WorkerPool} (the
 * default) runs scripts in supervised worker JVMs ({@link dev.slipway.sandbox.WorkerMain}) and
 * talks to them over a Unix socket each ({@link dev.slipway.sandbox.WorkerWire}); {@link
 * dev.slipway.sandbox.ScriptSandbox} is the GraalJS engine itself, used inside each worker and, for
 * trusted set-ups only, in the server. Everything crossing the boundary is a plain Java value
 * (maps, lists, strings, numbers, booleans, null). The database, secrets, outbound HTTP and logging
 * reach scripts only through {@link dev.slipway.sandbox.ScriptHost}, answered by the server.
 */
package dev.slipway.sandbox;
