package dev.slipway.sandbox;

import dev.slipway.common.Resources;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Strips TypeScript with Sucrase's TypeScript transform, bundled into one script by {@code
 * tools/sucrase/build.sh}: the stripper where SWC has no native library ({@link SwcStripper}).
 * Sucrase keeps every line where it was, wrapper included, so an error in the generated JavaScript
 * is at its author's line. It is 290 KB of JavaScript: it loads in a few hundred ms of CPU in a JVM
 * whose GraalJS has warmed up (1–4 s in a cold one) and strips a script in tens of ms, interpreted.
 * It is trusted code, so it gets its own context and engine, apart from the sandbox's pool and
 * policy; it is loaded at the first TypeScript compile and stays loaded.
 */
final class SucraseStripper implements TypeStripper {

  private static final Logger LOG = LoggerFactory.getLogger(SucraseStripper.class);

  /** The bundled transform's version, read once. */
  private static final String VERSION = "sucrase " + Resources.text("sucrase/VERSION").strip();

  private static final String TRANSPILE =
      """
      (function (source, fileName) {
       try {
        return JSON.stringify({ javascript: stripTypes(source, fileName), errors: [] });
       } catch (e) {
        // "Error transforming <file>: <detail> (<line>:<column>)"
        const message = String(e && e.message || e).replace(/^Error transforming [^:]*: /, '');
        const at = /\\((\\d+):(\\d+)\\)$/.exec(message);
        return JSON.stringify({ errors: [{ line: at ? Number(at[1]) : 0, message: at ? message.slice(0, at.index).trim() : message }] });
       }
      })
      """;

  private final JsonCodec json;
  private final boolean optimizingRuntime;
  private Context context;
  private Value transpile;

  /**
   * {@code optimizingRuntime}: whether Truffle can JIT-compile here (it has the option to turn that
   * off only then).
   */
  SucraseStripper(JsonCodec json, boolean optimizingRuntime) {
    this.json = json;
    this.optimizingRuntime = optimizingRuntime;
  }

  @Override
  public String version() {
    return VERSION;
  }

  @Override
  public synchronized boolean loaded() {
    return transpile != null;
  }

  @Override
  @SuppressWarnings("unchecked")
  public synchronized String strip(String scriptName, String source) throws ScriptCompileException {
    if (transpile == null) {
      start();
    }
    String result = transpile.execute(source, scriptName + ".ts").asString();
    Map<String, Object> output = (Map<String, Object>) json.read(result);
    List<Map<String, Object>> errors = (List<Map<String, Object>>) output.get("errors");
    if (!errors.isEmpty()) {
      Map<String, Object> first = errors.getFirst();
      throw new ScriptCompileException(
          scriptName, ((Number) first.get("line")).intValue(), (String) first.get("message"));
    }
    return (String) output.get("javascript");
  }

  private void start() {
    long begin = System.nanoTime();
    String transform = Resources.text("sucrase/sucrase.js");
    var builder =
        Context.newBuilder("js")
            .out(OutputStream.nullOutputStream())
            .err(OutputStream.nullOutputStream())
            // the sandbox logs whether the JIT is active; this context needs no second warning
            .option("engine.WarnInterpreterOnly", "false");
    if (optimizingRuntime) {
      // Never JIT-compile the transform: a save transpiles one script, which runs fast enough
      // interpreted, and compiling the transform would keep the Truffle compiler threads busy,
      // taking CPU from requests. The option is marked experimental; it is set on this trusted,
      // Slipway-owned context only.
      builder.allowExperimentalOptions(true).option("engine.Compilation", "false");
    }
    context = builder.build();
    context.eval(Source.newBuilder("js", transform, "sucrase.js").buildLiteral());
    transpile = context.eval("js", TRANSPILE);
    LOG.info(
        "TypeScript transform ({}) loaded in {} ms",
        VERSION,
        (System.nanoTime() - begin) / 1_000_000);
  }

  @Override
  public synchronized void close() {
    if (context != null) {
      context.close(true);
      context = null;
      transpile = null;
    }
  }
}
