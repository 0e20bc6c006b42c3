package dev.slipway.sandbox;

import dev.slipway.common.Resources;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.graalvm.polyglot.Source;

/**
 * zod 3, bundled from the {@code org.webjars.npm:zod} jar, as the one source a context evaluates to
 * get zod's exports. The jar's package root ({@code index.cjs}) is zod v3 in CommonJS; this class
 * reads it and every file it requires (relative paths only) from the class path once, and wraps
 * them in a small CommonJS loader of its own: each file becomes a function of {@code module,
 * exports, require}, and {@code require} resolves only the requests found in that file at build
 * time, so nothing outside the bundled files can be loaded.
 *
 * <p>Evaluating the source returns a namespace of zod's exports with plain data properties (the
 * CommonJS re-export getters are read once), {@code z} and {@code default} being zod's {@code z}.
 * It is not frozen here: the prelude hardens it. {@code setErrorMap} is replaced by a function that
 * throws, because zod keeps that map in a module variable that no freezing can protect and that
 * every later run in the same pooled context would see; per-schema or per-parse {@code errorMap}
 * options work as usual.
 */
final class ZodModule {

  private static final String ENTRY = "index.cjs";

  /** Relative requests only, of file names this class can quote without escaping. */
  private static final Pattern REQUIRE =
      Pattern.compile("\\brequire\\(\"(\\.{1,2}/[A-Za-z0-9_./-]+\\.cjs)\"\\)");

  private static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9_./-]+");

  private static final String PROLOGUE =
      """
      (function () {
       const files = {
      """;

  private static final String EPILOGUE =
      """
       };
       const modules = new Map();
       const load = (path) => {
        let module = modules.get(path);
        if (module !== undefined) return module.exports;
        const file = files[path];
        module = { exports: {} };
        modules.set(path, module);
        const require = (request) => {
         if (!Object.prototype.hasOwnProperty.call(file.requires, request)) {
          throw new Error("Cannot find module '" + request + "' from '" + path + "'");
         }
         return load(file.requires[request]);
        };
        file.body.call(module.exports, module, module.exports, require);
        return module.exports;
       };
       const namespace = (m) => {
        const o = {};
        for (const key of Object.keys(m)) o[key] = m[key];
        return o;
       };
       const root = load('%s');
       const refused = function setErrorMap() {
        throw new TypeError('z.setErrorMap is not available: it would change the messages of every script; '
         + 'pass { errorMap } to the schema or to parse instead');
       };
       const z = namespace(root.z);
       z.setErrorMap = refused;
       const exports = namespace(root);
       exports.setErrorMap = refused;
       exports.z = z;
       exports.default = z;
       return exports;
      })()
      """;

  private ZodModule() {}

  /** The bundled zod's version, e.g. {@code 3.25.76}. */
  static String version() {
    return Bundle.VERSION;
  }

  /**
   * The source that, evaluated in a context, returns zod's exports; cached and internal, so the
   * engine parses it once for all contexts and its statements do not count against the limit. The
   * files are read on the first call.
   */
  static Source source() {
    return Bundle.SOURCE;
  }

  /** Read on first use only, so that a sandbox whose scripts never import zod never reads it. */
  private static final class Bundle {
    static final String VERSION = Resources.mavenVersion("org.webjars.npm", "zod");
    static final Source SOURCE =
        Source.newBuilder(
                "js",
                bundle("META-INF/resources/webjars/zod/" + VERSION + "/"),
                "zod-" + VERSION + ".js")
            .cached(true)
            .internal(true)
            .buildLiteral();
  }

  private static String bundle(String root) {
    Map<String, String> files = new LinkedHashMap<>();
    Deque<String> todo = new ArrayDeque<>();
    todo.add(ENTRY);
    StringBuilder js = new StringBuilder(PROLOGUE);
    while (!todo.isEmpty()) {
      String path = todo.pop();
      if (files.containsKey(path)) {
        continue;
      }
      String text = Resources.text(root + path);
      files.put(path, text);
      Map<String, String> requires = new LinkedHashMap<>();
      Matcher require = REQUIRE.matcher(text);
      while (require.find()) {
        String target = resolve(path, require.group(1));
        requires.put(require.group(1), target);
        todo.add(target);
      }
      js.append("  '").append(path).append("': { requires: {");
      String separator = "";
      for (Map.Entry<String, String> entry : requires.entrySet()) {
        js.append(separator)
            .append('\'')
            .append(entry.getKey())
            .append("': '")
            .append(entry.getValue())
            .append('\'');
        separator = ", ";
      }
      // the file's own text is the body, as Node's CommonJS wrapper does it
      js.append("}, body: function (module, exports, require) {\n").append(text).append("\n} },\n");
    }
    return js.append(EPILOGUE.formatted(ENTRY)).toString();
  }

  /** {@code request} relative to the file {@code from}, both relative to the package root. */
  static String resolve(String from, String request) {
    Deque<String> parts = new ArrayDeque<>();
    int slash = from.lastIndexOf('/');
    if (slash >= 0) {
      for (String part : from.substring(0, slash).split("/")) {
        parts.addLast(part);
      }
    }
    for (String part : request.split("/")) {
      switch (part) {
        case "", "." -> {}
        case ".." -> {
          if (parts.isEmpty()) {
            throw new IllegalStateException(
                "zod's " + from + " requires " + request + ", outside the package");
          }
          parts.removeLast();
        }
        default -> parts.addLast(part);
      }
    }
    String path = String.join("/", parts);
    if (!SAFE_PATH.matcher(path).matches()) {
      throw new IllegalStateException("zod's " + from + " requires an unexpected path: " + request);
    }
    return path;
  }
}
