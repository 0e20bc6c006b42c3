package dev.slipway.sandbox;

import org.graalvm.polyglot.Source;

/**
 * A syntax-checked script, ready to {@link ScriptSandbox#run run} any number of times from any
 * thread. Holds the JavaScript function expression the author's body was wrapped in (TypeScript
 * already stripped), as a cached source so that the engine parses it once for all contexts.
 * Contexts keep the evaluated function per instance, so keep and reuse the instance rather than
 * compiling again per request.
 */
public final class CompiledScript {

  private final String name;
  private final ScriptLanguage language;
  private final Source source;

  CompiledScript(String name, ScriptLanguage language, Source source) {
    this.name = name;
    this.language = language;
    this.source = source;
  }

  public String name() {
    return name;
  }

  public ScriptLanguage language() {
    return language;
  }

  /** The JavaScript that runs, including the sandbox's function wrapper; for diagnostics only. */
  public String javascript() {
    return source.getCharacters().toString();
  }

  Source source() {
    return source;
  }

  @Override
  public String toString() {
    return "CompiledScript[" + name + ", " + language + "]";
  }
}
