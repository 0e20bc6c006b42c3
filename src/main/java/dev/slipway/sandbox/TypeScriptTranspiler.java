package dev.slipway.sandbox;

import dev.slipway.common.Json;

/**
 * Strips TypeScript to JavaScript, at most once per source: what a source became is kept in a
 * {@link TranspileCache} keyed by the stripper's version and the source. The stripper is SWC where
 * its native library exists ({@link SwcLibrary}), else Sucrase.
 */
final class TypeScriptTranspiler implements AutoCloseable {

  private final TypeStripper stripper;
  private final TranspileCache cache;

  /**
   * {@code optimizingRuntime}: whether Truffle can JIT-compile here (Sucrase turns that off for
   * itself).
   */
  TypeScriptTranspiler(JsonCodec json, boolean optimizingRuntime, TranspileCache cache) {
    this.stripper =
        SwcLibrary.forThisProcess()
            .<TypeStripper>map(SwcStripper::new)
            .orElseGet(() -> new SucraseStripper(json, optimizingRuntime));
    this.cache = cache;
  }

  /** Whether the stripper has been loaded (sources found in the cache never load it). */
  boolean loaded() {
    return stripper.loaded();
  }

  /**
   * Transpiles {@code source} (already wrapped, so a top-level {@code return} is legal) and fails
   * on the first syntactic error. Line numbers are those of {@code source}.
   */
  synchronized String transpile(String scriptName, String source) throws ScriptCompileException {
    String key = Json.sha256(stripper.version() + "\n" + source);
    var cached = cache.get(key);
    if (cached.isPresent()) return cached.get();
    String javascript = stripper.strip(scriptName, source);
    cache.put(key, javascript);
    return javascript;
  }

  @Override
  public void close() {
    stripper.close();
  }
}
