package dev.slipway.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import dev.slipway.sandbox.StepInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Compiles spec values into {@link SpecValue}s. A string is an expression when it holds {@code
 * ${...}}; the expression language is CEL over two variables, {@code input} and {@code steps}.
 * Dotted paths skip CEL. Problems are reported as violations with the value's JSON pointer, so a
 * bad expression is rejected when the spec is saved.
 */
final class ValueCompiler {
  private static final Pattern DOTTED_PATH =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

  private final CelCompiler compiler =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("input", SimpleType.DYN)
          .addVar("steps", SimpleType.DYN)
          .addVar("secrets", SimpleType.DYN)
          .addVar("auth", SimpleType.DYN)
          .build();
  private final CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  /**
   * Compiles {@code node}. {@code earlierSteps} are the step ids it may read; anything else under
   * {@code steps.} is a violation at {@code at}.
   */
  SpecValue compile(
      JsonNode node, String at, Set<String> earlierSteps, List<Violation> violations) {
    if (node == null || node.isNull() || node.isMissingNode()) return new SpecValue.Literal(null);
    if (node.isTextual()) return text(node.asText(), at, earlierSteps, violations);
    if (node.isObject()) {
      var fields = new LinkedHashMap<String, SpecValue>();
      node.properties()
          .forEach(
              e ->
                  fields.put(
                      e.getKey(),
                      compile(e.getValue(), at + "/" + e.getKey(), earlierSteps, violations)));
      if (fields.values().stream().allMatch(SpecValue::constant))
        return new SpecValue.Literal(Json.plain(node));
      return new SpecValue.ObjectValue(fields);
    }
    if (node.isArray()) {
      var items = new ArrayList<SpecValue>();
      for (int i = 0; i < node.size(); i++)
        items.add(compile(node.get(i), at + "/" + i, earlierSteps, violations));
      if (items.stream().allMatch(SpecValue::constant))
        return new SpecValue.Literal(Json.plain(node));
      return new SpecValue.ArrayValue(items);
    }
    return new SpecValue.Literal(Json.plain(node));
  }

  /** Compiles a string that must be one whole expression ({@code when}, {@code validate}). */
  SpecValue expression(
      String text, String at, Set<String> earlierSteps, List<Violation> violations) {
    return text(text, at, earlierSteps, violations);
  }

  private SpecValue text(
      String text, String at, Set<String> earlierSteps, List<Violation> violations) {
    var parts = new ArrayList<SpecValue>();
    int i = 0;
    while (i < text.length()) {
      int open = text.indexOf("${", i);
      if (open < 0) {
        parts.add(new SpecValue.Literal(text.substring(i)));
        break;
      }
      if (open > i) parts.add(new SpecValue.Literal(text.substring(i, open)));
      int close = closingBrace(text, open + 2);
      if (close < 0) {
        violations.add(new Violation(at, "unclosed ${ in '" + text + "'"));
        return new SpecValue.Literal(text);
      }
      parts.add(
          expressionPart(text.substring(open + 2, close).strip(), at, earlierSteps, violations));
      i = close + 1;
    }
    if (parts.isEmpty()) return new SpecValue.Literal("");
    if (parts.size() == 1) return parts.getFirst();
    return new SpecValue.Interpolation(List.copyOf(parts));
  }

  private SpecValue expressionPart(
      String source, String at, Set<String> earlierSteps, List<Violation> violations) {
    if (source.isEmpty()) {
      violations.add(new Violation(at, "empty expression ${}"));
      return new SpecValue.Literal(null);
    }
    if (DOTTED_PATH.matcher(source).matches()) {
      String[] segments = source.split("\\.");
      checkPath(segments, source, at, earlierSteps, violations);
      return new SpecValue.Path(source, segments);
    }
    try {
      var ast = compiler.compile(source).getAst();
      return new SpecValue.Cel(source, runtime.createProgram(ast));
    } catch (CelValidationException e) {
      violations.add(new Violation(at, "invalid expression ${" + source + "}: " + e.getMessage()));
    } catch (CelEvaluationException e) {
      violations.add(
          new Violation(at, "cannot plan expression ${" + source + "}: " + e.getMessage()));
    }
    return new SpecValue.Literal(null);
  }

  private static void checkPath(
      String[] segments,
      String source,
      String at,
      Set<String> earlierSteps,
      List<Violation> violations) {
    switch (segments[0]) {
      case "input" -> {
        if (segments.length > 1 && !StepInput.PARTS.contains(segments[1])) {
          violations.add(
              new Violation(
                  at,
                  "${"
                      + source
                      + "}: input has params, query, headers, body, rawBody and webhook, not '"
                      + segments[1]
                      + "'"));
        }
      }
      case "steps" -> {
        if (segments.length > 1 && !earlierSteps.contains(segments[1])) {
          violations.add(
              new Violation(
                  at,
                  "${"
                      + source
                      + "}: no earlier step has id '"
                      + segments[1]
                      + "'"
                      + (earlierSteps.isEmpty()
                          ? ""
                          : " (earlier steps: " + String.join(", ", earlierSteps) + ")")));
        }
      }
      case "auth" -> {
        if (segments.length > 1 && !Set.of("sub", "roles", "claims").contains(segments[1])) {
          violations.add(
              new Violation(
                  at,
                  "${" + source + "}: auth has sub, roles and claims, not '" + segments[1] + "'"));
        }
      }
      case "secrets" -> {
        if (segments.length != 2) {
          violations.add(
              new Violation(at, "${" + source + "}: name one secret, as in ${secrets.API_KEY}"));
        }
      }
      default ->
          violations.add(
              new Violation(
                  at,
                  "${"
                      + source
                      + "}: unknown name '"
                      + segments[0]
                      + "' (use input, steps, secrets or auth)"));
    }
  }

  /**
   * Index of the brace that closes an expression opened before {@code from}, skipping CEL strings.
   */
  private static int closingBrace(String text, int from) {
    int depth = 0;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\'' || c == '"') {
        int j = i + 1;
        while (j < text.length() && text.charAt(j) != c) j += text.charAt(j) == '\\' ? 2 : 1;
        i = j;
      } else if (c == '{') {
        depth++;
      } else if (c == '}') {
        if (depth == 0) return i;
        depth--;
      }
    }
    return -1;
  }
}
