package dev.slipway.sandbox;

/**
 * Turns TypeScript into JavaScript by taking its types out (no type checking). Given a body in
 * {@link Prelude}'s TypeScript wrapper, answers it in the JavaScript wrapper ({@code
 * Prelude.WRAPPER_START ... WRAPPER_END}); a body that closed its wrapper comes back in another
 * shape, which the sandbox refuses. Used by one caller at a time.
 */
interface TypeStripper extends AutoCloseable {

  /**
   * Names the transform and its version; part of every cache key, since another may emit other
   * JavaScript.
   */
  String version();

  /** Fails on the first syntax error, at its line in {@code wrapped}. */
  String strip(String scriptName, String wrapped) throws ScriptCompileException;

  /** Whether the transform has been loaded (sources found in the cache never load it). */
  boolean loaded();

  @Override
  void close();
}
