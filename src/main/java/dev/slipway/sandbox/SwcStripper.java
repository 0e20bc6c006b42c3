package dev.slipway.sandbox;

import com.caoccao.javet.swc4j.Swc4j;
import com.caoccao.javet.swc4j.Swc4jLibLoader;
import com.caoccao.javet.swc4j.enums.Swc4jMediaType;
import com.caoccao.javet.swc4j.enums.Swc4jParseMode;
import com.caoccao.javet.swc4j.enums.Swc4jSourceMapOption;
import com.caoccao.javet.swc4j.exceptions.Swc4jCoreException;
import com.caoccao.javet.swc4j.interfaces.ISwc4jLibLoadingListener;
import com.caoccao.javet.swc4j.options.Swc4jTranspileOptions;
import java.io.File;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Strips TypeScript with SWC (through swc4j): its native library loads in about 0.2 s and strips a
 * script in a few milliseconds, where Sucrase, JavaScript run interpreted, took seconds to load
 * into a fresh worker. SWC prints the JavaScript anew, so the wrapper comes back reformatted and is
 * put back as the sandbox writes it; a syntax error is reported at its author's line, but the
 * JavaScript's lines are SWC's.
 *
 * <p>SWC is native code that recurses once per level of nesting and prints each level on lines of
 * its own: its stack overflowing would end the process, and a few kilobytes of brackets would print
 * hundreds of megabytes. So a source is refused when it is longer than {@value #MOST_CHARACTERS}
 * characters or nested deeper than {@value #DEEPEST} levels ({@link Nesting}), and SWC runs on a
 * thread of its own whose stack ({@value #STACK_MB} MB, taken only as it is used) holds the deepest
 * recursion such a source can cause.
 */
final class SwcStripper implements TypeStripper {

  private static final Logger LOG = LoggerFactory.getLogger(SwcStripper.class);

  static final int MOST_CHARACTERS = 100_000;
  static final int DEEPEST = 128;
  private static final int STACK_MB = 512;
  private static final String SPECIFIER = "file:///script.ts";

  /** SWC's message: "{detail} at file:///script.ts:{line}:{column}", then a code frame. */
  private static final Pattern LOCATED =
      Pattern.compile("^(.*) at " + Pattern.quote(SPECIFIER) + ":(\\d+):(\\d+)$");

  /** How SWC prints {@link Prelude#TYPESCRIPT_WRAPPER_START} and {@link Prelude#WRAPPER_END}. */
  private static final String PRINTED_START = "(async function(ctx) {\n";

  private static final String PRINTED_END = "\n});\n";

  private final Path library;
  private Swc4j swc;
  private Swc4jTranspileOptions options;

  SwcStripper(Path library) {
    this.library = library;
  }

  @Override
  public String version() {
    return "swc4j " + SwcLibrary.VERSION;
  }

  @Override
  public synchronized boolean loaded() {
    return swc != null;
  }

  @Override
  public synchronized String strip(String scriptName, String wrapped)
      throws ScriptCompileException {
    if (wrapped.length() > MOST_CHARACTERS) {
      throw new ScriptCompileException(
          scriptName,
          0,
          "a TypeScript script may have at most "
              + MOST_CHARACTERS
              + " characters; this one has "
              + wrapped.length());
    }
    Nesting.Depth depth = Nesting.of(wrapped);
    if (depth.levels() > DEEPEST) {
      throw new ScriptCompileException(
          scriptName, depth.line(), "brackets nested more than " + DEEPEST + " levels deep");
    }
    if (swc == null) {
      load();
    }
    var printed = new AtomicReference<String>();
    var failed = new AtomicReference<Swc4jCoreException>();
    Thread thread =
        new Thread(
            null,
            () -> {
              try {
                printed.set(swc.transpile(wrapped, options).getCode());
              } catch (Swc4jCoreException e) {
                failed.set(e);
              }
            },
            "slipway-swc",
            (long) STACK_MB << 20);
    thread.start();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stripping TypeScript", e);
    }
    if (failed.get() != null) {
      throw syntaxError(scriptName, failed.get());
    }
    if (printed.get() == null) {
      throw new IllegalStateException("SWC ended without an answer for '" + scriptName + "'");
    }
    return rewrapped(printed.get());
  }

  /**
   * The body between SWC's printed wrapper, in the sandbox's; anything else as it is (the sandbox
   * refuses it).
   */
  private static String rewrapped(String javascript) {
    if (javascript.startsWith(PRINTED_START) && javascript.endsWith(PRINTED_END)) {
      return Prelude.WRAPPER_START
          + javascript.substring(PRINTED_START.length(), javascript.length() - PRINTED_END.length())
          + Prelude.WRAPPER_END;
    }
    return javascript;
  }

  private static ScriptCompileException syntaxError(String scriptName, Swc4jCoreException e) {
    String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip();
    Matcher located = LOCATED.matcher(first);
    if (located.matches()) {
      return new ScriptCompileException(
          scriptName, Integer.parseInt(located.group(2)), located.group(1));
    }
    return new ScriptCompileException(scriptName, 0, first);
  }

  private void load() {
    long begin = System.nanoTime();
    Swc4jLibLoader.setLibLoadingListener(
        new ISwc4jLibLoadingListener() {
          @Override
          public File getLibPath() {
            return library.getParent().toFile();
          }

          @Override
          public boolean isDeploy() {
            return false;
          }
        });
    try {
      options =
          new Swc4jTranspileOptions()
              .setSpecifier(URI.create(SPECIFIER).toURL())
              .setMediaType(Swc4jMediaType.TypeScript)
              .setParseMode(Swc4jParseMode.Script)
              .setSourceMap(Swc4jSourceMapOption.None);
    } catch (MalformedURLException e) {
      throw new IllegalStateException(e);
    }
    swc = new Swc4j();
    LOG.info(
        "TypeScript transform ({}) loaded in {} ms",
        version(),
        (System.nanoTime() - begin) / 1_000_000);
  }

  @Override
  public void close() {
    // the native library stays loaded for the life of the process
  }
}
