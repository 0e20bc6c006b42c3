package dev.slipway.sandbox;

/**
 * A script's source is not valid JavaScript or TypeScript. The message is meant for the script's
 * author: it names the line in their own source, never in the wrapper the sandbox adds.
 */
public final class ScriptCompileException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String scriptName;
  private final int line;
  private final String detail;

  ScriptCompileException(String scriptName, int line, String detail) {
    super(scriptName + (line > 0 ? ":" + line : "") + ": " + detail);
    this.scriptName = scriptName;
    this.line = line;
    this.detail = detail;
  }

  public String scriptName() {
    return scriptName;
  }

  /** The 1-based line of the author's source the error is on, or 0 when it is not known. */
  public int line() {
    return line;
  }

  /** The error without the script name and line, e.g. {@code "Expected ; but found x"}. */
  public String detail() {
    return detail;
  }
}
