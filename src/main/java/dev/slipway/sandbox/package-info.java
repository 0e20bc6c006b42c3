/**
 * Runs user JavaScript and TypeScript step code in GraalJS, isolated from the JVM.
 *
 * <p>{@link dev.slipway.sandbox.ScriptSandbox} is the only entry point: {@code compile} once when a
 * script is saved or loaded, {@code run} on every request. Everything crossing the boundary is a
 * plain Java value (maps, lists, strings, numbers, booleans, null), so the implementation can move
 * into worker processes later without changing callers. The database and logging reach scripts only
 * through {@link dev.slipway.sandbox.ScriptHost}.
 */
package dev.slipway.sandbox;
