package dev.slipway.runtime;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What expressions of one request can read: {@code input}, the outputs of the steps run so far, the
 * org's {@code secrets} and the verified caller, {@code auth} ({@code sub}, {@code roles}, {@code
 * claims}; null on a public endpoint). Values are plain Java trees (maps, lists, strings, {@code
 * Long}, {@code Double}, booleans, null). Not shared between threads.
 */
final class Scope {
  private final Map<String, Object> input;
  private final Map<String, String> secrets;
  private final Map<String, Object> auth;
  private final Map<String, Object> steps = new LinkedHashMap<>();
  private Map<String, Object> celInput;
  private Map<String, Object> celSteps;
  private Map<String, Object> celAuth;

  /** The org's secrets by name. */
  Map<String, String> secrets() {
    return secrets;
  }

  Scope(Map<String, Object> input, Map<String, String> secrets, Caller caller) {
    this.input = input;
    this.secrets = secrets;
    this.auth = caller == null ? null : caller.scope();
  }

  Map<String, Object> input() {
    return input;
  }

  Map<String, Object> steps() {
    return steps;
  }

  void putStep(String id, Object output) {
    steps.put(id, output);
  }

  Object root(String name) {
    return switch (name) {
      case "input" -> input;
      case "steps" -> steps;
      case "secrets" -> secrets;
      case "auth" -> auth;
      default -> null;
    };
  }

  /**
   * The variables in CEL's value model, each converted once per request when an expression first
   * needs it (a step's output that no CEL expression reads after it is never converted).
   */
  Map<String, Object> celVariables() {
    if (celInput == null) {
      celInput = (Map<String, Object>) CelValues.toCel(input);
      celSteps = new HashMap<>();
    }
    if (celSteps.size() < steps.size()) {
      steps.forEach(
          (id, output) -> celSteps.computeIfAbsent(id, unconverted -> CelValues.toCel(output)));
    }
    if (celAuth == null && auth != null) celAuth = (Map<String, Object>) CelValues.toCel(auth);
    return Map.of(
        "input",
        celInput,
        "steps",
        celSteps,
        "secrets",
        secrets,
        "auth",
        celAuth == null ? Map.of() : celAuth);
  }
}
