package dev.slipway.sandbox;

import java.util.Optional;

/**
 * Where the JavaScript that TypeScript sources became is kept, keyed by the SHA-256 of the source,
 * so a source is transpiled once, not again on every start (loading the TypeScript compiler takes
 * seconds and a lot of memory). Implementations must be safe for concurrent use.
 */
public interface TranspileCache {

  /** Keeps nothing. */
  TranspileCache NONE =
      new TranspileCache() {
        @Override
        public Optional<String> get(String sourceSha256) {
          return Optional.empty();
        }

        @Override
        public void put(String sourceSha256, String javascript) {}
      };

  Optional<String> get(String sourceSha256);

  /** Stores a successful transpilation; failing to store must not fail the caller. */
  void put(String sourceSha256, String javascript);
}
