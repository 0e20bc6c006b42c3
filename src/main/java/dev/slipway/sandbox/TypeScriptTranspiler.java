package dev.slipway.sandbox;

import dev.slipway.Resources;
import dev.slipway.spec.Json;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Strips TypeScript to JavaScript with Sucrase's TypeScript transform (no type checking), bundled
 * into one script by {@code tools/sucrase/build.sh}. Sucrase keeps every line where it was, so an
 * error in the generated JavaScript is at its author's line. It is 290 KB where the TypeScript
 * compiler was 9 MB: it loads in a few hundred ms of CPU in a JVM whose GraalJS has warmed up
 * (3–4 s in a cold one), where the compiler took 11–14 s and a hundred megabytes of every worker's
 * heap, and strips a script in tens of ms, interpreted. It is trusted code, so it gets its own
 * context and engine, apart from the sandbox's pool and policy; it is loaded at the first
 * TypeScript compile, stays loaded, and is used by one caller at a time. (Loading it as a worker
 * warmed up made every worker, replacements too, seconds later to be ready; loading it beside the
 * work once a worker was ready cost the W4 script endpoint 10-20% of its throughput.)
 */
final class TypeScriptTranspiler implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TypeScriptTranspiler.class);
  /** The bundled transform's version; part of every cache key, so read once. */
  private static final String VERSION = "sucrase " + Resources.text("sucrase/VERSION").strip();

  private static final String TRANSPILE = """
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
  private final TranspileCache cache;
  private Context context;
  private Value transpile;

  /** {@code optimizingRuntime}: whether Truffle can JIT-compile here (it has the option to turn that off only then). */
  TypeScriptTranspiler(JsonCodec json, boolean optimizingRuntime, TranspileCache cache) {
    this.json = json;
    this.optimizingRuntime = optimizingRuntime;
    this.cache = cache;
  }

  /** Whether the transform has been loaded (sources found in the cache never load it). */
  synchronized boolean loaded() {
    return transpile != null;
  }

  /**
   * Transpiles {@code source} (already wrapped, so a top-level {@code return} is legal) and
   * fails on the first syntactic error. Line numbers are those of {@code source}.
   */
  synchronized String transpile(String scriptName, String source) throws ScriptCompileException {
    // the transform's version is part of the key: another may emit other JavaScript
    String key = Json.sha256(VERSION + "\n" + source);
    var cached = cache.get(key);
    if (cached.isPresent()) return cached.get();
    String javascript = transpileNow(scriptName, source);
    cache.put(key, javascript);
    return javascript;
  }

  @SuppressWarnings("unchecked")
  private String transpileNow(String scriptName, String source) throws ScriptCompileException {
    if (transpile == null) {
      start();
    }
    String result = transpile.execute(source, scriptName + ".ts").asString();
    Map<String, Object> output = (Map<String, Object>) json.read(result);
    List<Map<String, Object>> errors = (List<Map<String, Object>>) output.get("errors");
    if (!errors.isEmpty()) {
      Map<String, Object> first = errors.getFirst();
      throw new ScriptCompileException(scriptName, ((Number) first.get("line")).intValue(), (String) first.get("message"));
    }
    return (String) output.get("javascript");
  }

  private void start() {
    long begin = System.nanoTime();
    String transform = Resources.text("sucrase/sucrase.js");
    var builder = Context.newBuilder("js")
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
    LOG.info("TypeScript transform ({}) loaded in {} ms", VERSION, (System.nanoTime() - begin) / 1_000_000);
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
