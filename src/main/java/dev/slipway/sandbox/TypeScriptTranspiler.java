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
 * Strips TypeScript to JavaScript with the TypeScript compiler itself ({@code transpileModule}, no
 * type checking), run from the {@code org.webjars.npm:typescript} jar. The compiler is trusted code,
 * so it gets its own context and engine, apart from the sandbox's pool and policy; it is created on
 * first use (loading the 9 MB compiler takes seconds) and used by one caller at a time.
 */
final class TypeScriptTranspiler implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TypeScriptTranspiler.class);
  /** The bundled compiler's version; part of every cache key, so read once. */
  private static final String VERSION = Resources.mavenVersion("org.webjars.npm", "typescript");

  private static final String TRANSPILE = """
      (function (source, fileName) {
       const out = ts.transpileModule(source, {
        fileName,
        reportDiagnostics: true,
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: false }
       });
       const errors = (out.diagnostics || [])
        .filter(d => d.category === ts.DiagnosticCategory.Error)
        .map(d => ({
         line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
         message: ts.flattenDiagnosticMessageText(d.messageText, '\\n')
        }));
       if (errors.length === 0) {
        // a body that closes the wrapper (e.g. "}); more(); (function () {") is valid TypeScript
        const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
        const only = file.statements.length === 1 ? file.statements[0] : undefined;
        if (!only || !ts.isExpressionStatement(only) || !ts.isParenthesizedExpression(only.expression)
          || !ts.isFunctionExpression(only.expression.expression) || only.expression.expression.end !== source.length - 1) {
         errors.push({ line: 0, message: 'the script closes the function it is wrapped in (unbalanced braces)' });
        }
       }
       return JSON.stringify({ javascript: out.outputText, errors });
      })
      """;

  private final JsonCodec json;
  private final boolean optimizingRuntime;
  private final TranspileCache cache;
  private long lastUsed;
  private Context context;
  private Value transpile;

  /** {@code optimizingRuntime}: whether Truffle can JIT-compile here (it has the option to turn that off only then). */
  TypeScriptTranspiler(JsonCodec json, boolean optimizingRuntime, TranspileCache cache) {
    this.json = json;
    this.optimizingRuntime = optimizingRuntime;
    this.cache = cache;
  }

  /** Whether the TypeScript compiler has been loaded (sources found in the cache never load it). */
  synchronized boolean loaded() {
    return transpile != null;
  }

  /**
   * Transpiles {@code source} (already wrapped, so a top-level {@code return} is legal) and
   * fails on the first syntactic error. Line numbers are those of {@code source}.
   */
  synchronized String transpile(String scriptName, String source) throws ScriptCompileException {
    // the compiler's version is part of the key: another compiler may emit other JavaScript
    String key = Json.sha256(VERSION + "\n" + source);
    var cached = cache.get(key);
    if (cached.isPresent()) return cached.get();
    String javascript = transpileNow(scriptName, source);
    cache.put(key, javascript);
    return javascript;
  }

  @SuppressWarnings("unchecked")
  private String transpileNow(String scriptName, String source) throws ScriptCompileException {
    lastUsed = System.nanoTime();
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
    String path = "META-INF/resources/webjars/typescript/" + VERSION + "/lib/typescript.js";
    String compiler = Resources.text(path);
    var builder = Context.newBuilder("js")
        .out(OutputStream.nullOutputStream())
        .err(OutputStream.nullOutputStream())
        // the sandbox logs whether the JIT is active; this context needs no second warning
        .option("engine.WarnInterpreterOnly", "false");
    if (optimizingRuntime) {
      // Never JIT-compile the TypeScript compiler: it is megabytes of code that would keep
      // the Truffle compiler threads busy for minutes after each save, taking CPU from
      // requests, while a transpile runs fast enough interpreted (tens of ms). The option
      // is marked experimental; it is set on this trusted, Slipway-owned context only.
      builder.allowExperimentalOptions(true).option("engine.Compilation", "false");
    }
    context = builder.build();
    context.eval(Source.newBuilder("js", compiler, "typescript.js").buildLiteral());
    transpile = context.eval("js", TRANSPILE);
    LOG.info("TypeScript {} compiler loaded in {} ms", VERSION, (System.nanoTime() - begin) / 1_000_000);
  }

  /**
   * Unloads the compiler when nothing was transpiled for {@code idle}: it holds a large heap that
   * every garbage collection would otherwise keep scanning. The next transpile loads it again.
   */
  synchronized void closeIfIdle(java.time.Duration idle) {
    if (context != null && System.nanoTime() - lastUsed > idle.toNanos()) {
      LOG.info("TypeScript compiler unloaded after {} s unused", idle.toSeconds());
      close();
    }
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
