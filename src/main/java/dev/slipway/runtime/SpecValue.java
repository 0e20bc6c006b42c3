package dev.slipway.runtime;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled value from a spec: a literal, an expression, a string with {@code ${...}} parts, or an
 * object or array holding any of these. {@link ValueCompiler} builds them; evaluating one never
 * parses.
 */
sealed interface SpecValue {

  Object evaluate(Scope scope);

  /** True when evaluating always gives the same value. */
  default boolean constant() {
    return this instanceof Literal;
  }

  record Literal(Object value) implements SpecValue {
    public Object evaluate(Scope scope) {
      return value;
    }
  }

  /**
   * A dotted path such as {@code input.params.id}: the fast path for the commonest expression, a
   * few map look-ups instead of an interpreter.
   */
  record Path(String source, String[] segments) implements SpecValue {
    public Object evaluate(Scope scope) {
      Object value = scope.root(segments[0]);
      for (int i = 1; i < segments.length && value != null; i++) {
        value =
            switch (value) {
              case Map<?, ?> map -> map.get(segments[i]);
              default -> null;
            };
      }
      return value;
    }
  }

  /** Any other CEL expression. */
  record Cel(String source, CelRuntime.Program program) implements SpecValue {
    public Object evaluate(Scope scope) {
      try {
        return CelValues.fromCel(program.eval(scope.celVariables()));
      } catch (CelEvaluationException e) {
        throw new ExpressionException(source, e.getMessage());
      }
    }
  }

  /** A string with expression parts: {@code "Hello ${input.query.name}!"}. */
  record Interpolation(List<SpecValue> parts) implements SpecValue {
    public Object evaluate(Scope scope) {
      var text = new StringBuilder();
      for (SpecValue part : parts) {
        Object value = part.evaluate(scope);
        text.append(
            value instanceof String s ? s : value == null ? "" : CelValues.toJsonText(value));
      }
      return text.toString();
    }
  }

  record ObjectValue(Map<String, SpecValue> fields) implements SpecValue {
    public Object evaluate(Scope scope) {
      var result = new LinkedHashMap<String, Object>(fields.size() * 2);
      fields.forEach((key, field) -> result.put(key, field.evaluate(scope)));
      return result;
    }
  }

  record ArrayValue(List<SpecValue> items) implements SpecValue {
    public Object evaluate(Scope scope) {
      var result = new ArrayList<Object>(items.size());
      for (SpecValue item : items) result.add(item.evaluate(scope));
      return result;
    }
  }

  /** An expression that failed while evaluating: a fault of the spec, answered as a 500. */
  final class ExpressionException extends RuntimeException {
    ExpressionException(String expression, String message) {
      super("expression ${" + expression + "} failed: " + message);
    }
  }
}
