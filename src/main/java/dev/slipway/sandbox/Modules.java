package dev.slipway.sandbox;

import dev.slipway.spec.ScriptLanguage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.proxy.ProxyExecutable;

/**
 * The modules a script may import, and how its import declarations reach them. Only {@code "zod"}
 * exists. A script is a function body, where ES {@code import} declarations are not allowed, so
 * {@link #rewriteImports} turns each into a call of {@value #IMPORT_FUNCTION}, a global the prelude
 * defines read-only on the frozen {@code globalThis}: a script may shadow the name in its own
 * scope, but can neither replace nor change what other scripts get. The prelude loads a module
 * through {@link #loader} on its first import in a context and hardens it before returning it.
 */
final class Modules {

  /** The function import declarations become calls of; defined by the prelude. */
  static final String IMPORT_FUNCTION = "__slipway_import";

  /**
   * The global that hands {@link #loader} to the prelude, which takes and deletes it before any
   * script runs (the runner's parameters are the host bridge's).
   */
  static final String LOADER_GLOBAL = "__slipway_module_loader";

  static final String ZOD = "zod";

  private static final String IDENTIFIER = "[A-Za-z_$][A-Za-z0-9_$]*";

  /**
   * One import declaration from its {@code import} keyword: optional TypeScript {@code type}, then
   * a default binding, a namespace or named bindings (or a default and one of the others), {@code
   * from} and the module; or just the module (a side-effect import). Clauses may span lines; what a
   * clause holds is checked after the match.
   */
  private static final Pattern DECLARATION =
      Pattern.compile(
          "import(?:\\s+(?<type>type)(?=[\\s{*]))?\\s*"
              + "(?:(?<clause>(?:(?<default>"
              + IDENTIFIER
              + ")\\s*(?<comma>,\\s*)?)?"
              + "(?:\\*\\s*as\\s+(?<namespace>"
              + IDENTIFIER
              + ")|\\{(?<named>[^{}]*)\\})?)\\s*from\\s*)?"
              + "(?<quote>[\"'])(?<module>[^\"'\\r\\n]*)\\k<quote>[ \\t]*;?");

  /**
   * A line whose first word is the {@code import} keyword, not {@code import(...)} or {@code
   * import.meta}.
   */
  private static final Pattern IMPORT_LINE = Pattern.compile("(?md)^[ \\t]*import(?=[\\s{*\"'])");

  private static final Pattern SPECIFIER =
      Pattern.compile(
          "(?:(?<type>type)\\s+)?(?<name>"
              + IDENTIFIER
              + ")(?:\\s+as\\s+(?<alias>"
              + IDENTIFIER
              + "))?");
  private static final Pattern COMMENT = Pattern.compile("//[^\\n]*|/\\*.*?\\*/", Pattern.DOTALL);

  private Modules() {}

  /**
   * Rewrites the import declarations of a script body into statements the body may hold, each on
   * the lines its declaration took, so that line numbers in errors stay the author's: {@code import
   * { z, ZodError as E } from "zod"} becomes {@code const { z, ZodError: E } =
   * __slipway_import("zod");}, a namespace import binds the whole module, a default import its
   * {@code default}, a side-effect import just calls {@value #IMPORT_FUNCTION}. TypeScript's {@code
   * import type} and {@code type} specifiers are dropped (JavaScript rejects them). Bindings are
   * {@code const} and take effect where the declaration stands rather than hoisted to the top.
   *
   * <p>The scan is line-based: a declaration is recognised where a line starts with the {@code
   * import} keyword, so one that follows other code on its line is not rewritten (and the
   * JavaScript parser rejects it), while a line inside a multi-line string, template literal or
   * block comment that starts with {@code import ... from "..."} is rewritten as if it were code.
   * Nesting is not checked either: a declaration inside a block is rewritten like a top-level one.
   *
   * @throws ScriptCompileException if a declaration names another module than {@code "zod"} or has
   *     a form this rewrite does not know, with the declaration's line
   */
  static String rewriteImports(String scriptName, String body, ScriptLanguage language)
      throws ScriptCompileException {
    Matcher line = IMPORT_LINE.matcher(body);
    if (!line.find()) {
      return body;
    }
    StringBuilder out = new StringBuilder(body.length() + 64);
    int copied = 0;
    do {
      int start = line.end() - "import".length();
      if (start < copied) {
        continue; // inside a declaration already rewritten
      }
      int lineNumber = lineOf(body, start);
      Matcher declaration = DECLARATION.matcher(body).region(start, body.length());
      if (!declaration.lookingAt()) {
        throw new ScriptCompileException(
            scriptName,
            lineNumber,
            "unsupported import declaration: "
                + "use import { a, b as c } from \"zod\", import * as z from \"zod\", import z from \"zod\" or import \"zod\"");
      }
      String statement = statementFor(scriptName, lineNumber, declaration, language);
      out.append(body, copied, start).append(statement);
      // keep the declaration's line breaks, so that the lines after it keep their numbers
      body.chars()
          .skip(start)
          .limit(declaration.end() - start)
          .filter(c -> c == '\n')
          .forEach(c -> out.append('\n'));
      copied = declaration.end();
    } while (line.find());
    return out.append(body, copied, body.length()).toString();
  }

  private static String statementFor(
      String scriptName, int line, Matcher declaration, ScriptLanguage language)
      throws ScriptCompileException {
    String module = declaration.group("module");
    if (!ZOD.equals(module)) {
      throw new ScriptCompileException(
          scriptName, line, "cannot import '" + module + "': only \"zod\" can be imported");
    }
    boolean typeOnly = declaration.group("type") != null;
    if (typeOnly && language != ScriptLanguage.TYPESCRIPT) {
      throw new ScriptCompileException(
          scriptName, line, "'import type' is TypeScript; this script is JavaScript");
    }
    String call = IMPORT_FUNCTION + "(\"" + ZOD + "\")";
    String clause = declaration.group("clause");
    if (clause == null) {
      return call + ";";
    }
    String defaultName = declaration.group("default");
    String namespace = declaration.group("namespace");
    String named = declaration.group("named");
    boolean comma = declaration.group("comma") != null;
    if ((defaultName == null && namespace == null && named == null)
        || comma != (defaultName != null && (namespace != null || named != null))) {
      throw new ScriptCompileException(
          scriptName, line, "unsupported import declaration: " + declaration.group().strip());
    }
    if (typeOnly) {
      return "";
    }
    List<String> bindings = new ArrayList<>();
    if (defaultName != null) {
      bindings.add("default: " + defaultName);
    }
    if (named != null) {
      for (String specifier : COMMENT.matcher(named).replaceAll(" ").split(",")) {
        if (specifier.isBlank()) {
          continue; // a trailing comma
        }
        Matcher parts = SPECIFIER.matcher(specifier.strip());
        if (!parts.matches()) {
          throw new ScriptCompileException(
              scriptName, line, "unsupported import specifier: " + specifier.strip());
        }
        if (parts.group("type") != null) {
          if (language != ScriptLanguage.TYPESCRIPT) {
            throw new ScriptCompileException(
                scriptName, line, "'type' imports are TypeScript; this script is JavaScript");
          }
          continue;
        }
        String name = parts.group("name");
        String alias = parts.group("alias");
        bindings.add(alias == null || alias.equals(name) ? name : name + ": " + alias);
      }
    }
    List<String> declarators = new ArrayList<>();
    if (namespace != null) {
      declarators.add(namespace + " = " + call);
    }
    if (!bindings.isEmpty()) {
      declarators.add("{ " + String.join(", ", bindings) + " } = " + call);
    }
    // only type specifiers: TypeScript drops such a declaration too
    return declarators.isEmpty() ? "" : "const " + String.join(", ", declarators) + ";";
  }

  private static int lineOf(String text, int index) {
    int line = 1;
    for (int i = 0; i < index; i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }

  /**
   * The loader the prelude takes through {@value #LOADER_GLOBAL}: called with a module name on the
   * module's first import in {@code context}, it evaluates the module's source there and returns
   * the exports, counting each load in {@code loads}.
   */
  static ProxyExecutable loader(Context context, AtomicInteger loads) {
    return args -> {
      Source source = source(args.length == 1 && args[0].isString() ? args[0].asString() : "");
      loads.incrementAndGet();
      return context.eval(source);
    };
  }

  private static Source source(String module) {
    if (!ZOD.equals(module)) {
      // the prelude asks only for modules that exist
      throw new IllegalArgumentException("no module " + module);
    }
    return ZodModule.source();
  }
}
