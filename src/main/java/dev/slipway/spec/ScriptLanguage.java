package dev.slipway.spec;

/**
 * The language a script's source is written in. TypeScript is reduced to JavaScript at compile
 * time.
 */
public enum ScriptLanguage {
  JAVASCRIPT,
  TYPESCRIPT
}
