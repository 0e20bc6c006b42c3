package dev.slipway.sandbox;

import dev.slipway.common.Json;
import dev.slipway.spec.ScriptLanguage;
import java.util.Objects;
import org.graalvm.polyglot.Source;

/**
 * A syntax-checked script, ready to {@link Sandbox#run run} any number of times from any thread.
 * Holds the JavaScript function expression the author's body was wrapped in (TypeScript already
 * stripped) and its SHA-256, which names it to worker processes so each receives the text once.
 * Where a script runs, the engine parses it once for all contexts and each context keeps the
 * evaluated function per instance, so keep and reuse the instance rather than compiling again per
 * request.
 */
public final class CompiledScript {

  private final String name;
  private final ScriptLanguage language;
  private final String javascript;
  private final String id;

  /** Built on first use in a process that runs scripts; a server using workers never builds it. */
  private volatile Source source;

  /** Whether a run of it here ended and left its context sound ({@link PooledContext#run}). */
  private volatile boolean proven;

  CompiledScript(String name, ScriptLanguage language, String javascript) {
    this.name = Objects.requireNonNull(name, "name");
    this.language = Objects.requireNonNull(language, "language");
    this.javascript = Objects.requireNonNull(javascript, "javascript");
    this.id = Json.sha256(language + "\n" + name + "\n" + javascript);
  }

  public String name() {
    return name;
  }

  public ScriptLanguage language() {
    return language;
  }

  /** The JavaScript that runs, including the sandbox's function wrapper. */
  public String javascript() {
    return javascript;
  }

  /** The SHA-256 of name, language and JavaScript, in hex. */
  String id() {
    return id;
  }

  Source source() {
    Source built = source;
    if (built == null) {
      built = Source.newBuilder("js", javascript, name).cached(true).buildLiteral();
      source = built;
    }
    return built;
  }

  /**
   * Whether a run of it in this process ended and left its context sound: not stopped at a limit,
   * cancelled or out of memory. Until then its runs go through the runner's copy for scripts on
   * trial.
   */
  boolean proven() {
    return proven;
  }

  void prove() {
    proven = true;
  }

  @Override
  public String toString() {
    return "CompiledScript[" + name + ", " + language + "]";
  }
}
