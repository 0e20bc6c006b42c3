package dev.slipway.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What {@code POST /api/generate-endpoint} is asked: {@code {description, context?, deploy?}}.
 *
 * @param scope the context's entries that name who the caller is or what the endpoint is scoped to
 *     ({@code "userId": "current user"}, {@code "orgId": "active organization"}), by key in order
 * @param tables tables the endpoint is over ({@code context.tables}), instead of those the
 *     description matches
 * @param auth {@code public} or {@code apiKey} (the default), from {@code context.auth}
 * @param basePath the path the endpoints go under ({@code context.basePath}, default {@code /api})
 */
public record GenerationRequest(
    String description,
    Map<String, String> scope,
    List<String> tables,
    String auth,
    String basePath,
    boolean deploy) {

  static final int MAX_DESCRIPTION = 4000;
  private static final Pattern BASE_PATH = Pattern.compile("(/[A-Za-z0-9_-]+)*");

  /** The request read from its JSON; every mistake is a 422 naming where it is. */
  public static GenerationRequest of(JsonNode body) {
    var violations = new ArrayList<Violation>();
    JsonNode description = body.path("description");
    if (!description.isTextual() || description.asText().isBlank())
      violations.add(new Violation("/description", "must be a non-empty string"));
    else if (description.asText().length() > MAX_DESCRIPTION)
      violations.add(
          new Violation("/description", "must be at most " + MAX_DESCRIPTION + " characters"));
    JsonNode context = body.path("context");
    if (!context.isMissingNode() && !context.isObject())
      violations.add(new Violation("/context", "must be an object"));
    var scope = new LinkedHashMap<String, String>();
    var tables = new ArrayList<String>();
    String auth = "apiKey";
    String basePath = "/api";
    for (var entry : context.properties()) {
      String key = entry.getKey();
      JsonNode value = entry.getValue();
      String at = "/context/" + key;
      switch (key) {
        case "tables" -> {
          if (!value.isArray()) {
            violations.add(new Violation(at, "must be a list of table names"));
            continue;
          }
          for (int i = 0; i < value.size(); i++) {
            if (value.get(i).isTextual() && !value.get(i).asText().isBlank())
              tables.add(value.get(i).asText());
            else violations.add(new Violation(at + "/" + i, "must be a table name"));
          }
        }
        case "auth" -> {
          auth = value.asText("");
          // jwt needs the endpoint's key settings, which a context does not carry yet
          if (!List.of("public", "apiKey").contains(auth))
            violations.add(new Violation(at, "must be public or apiKey"));
        }
        case "basePath" -> {
          basePath = value.asText("");
          if (!value.isTextual() || !BASE_PATH.matcher(basePath).matches())
            violations.add(
                new Violation(
                    at, "must be a path such as /api or /v1/shop (letters, digits, _ and -)"));
        }
        default -> {
          if (!value.isTextual())
            violations.add(new Violation(at, "must be a string saying what it stands for"));
          else scope.put(key, value.asText());
        }
      }
    }
    JsonNode deploy = body.path("deploy");
    if (!deploy.isMissingNode() && !deploy.isBoolean())
      violations.add(new Violation("/deploy", "must be true or false"));
    if ("public".equals(auth) && !scope.isEmpty())
      violations.add(
          new Violation(
              "/context/auth",
              "a public endpoint has no caller, so its rows cannot be scoped to "
                  + String.join(", ", scope.keySet())
                  + "; use apiKey"));
    if (!violations.isEmpty())
      throw ProblemException.unprocessable(
          "invalid_generation_request", "The generation request is not valid.", violations);
    return new GenerationRequest(
        description.asText(),
        Collections.unmodifiableMap(scope),
        List.copyOf(tables),
        auth,
        basePath,
        deploy.asBoolean(false));
  }

  /** {@code orgId} → {@code org_id}: the name of a column or claim a context key stands for. */
  static String snakeCase(String key) {
    return key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The caller's claim a scope entry of the context stands for: {@code sub} for the one naming a
   * user, else its key in snake case ({@code orgId} → {@code org_id}).
   */
  public String claim(String key) {
    return userKey().filter(key::equals).isPresent() ? "sub" : snakeCase(key);
  }

  /** The context's entry whose key names a user ({@code userId}, {@code user}), if any. */
  public Optional<String> userKey() {
    return scope.keySet().stream().filter(k -> k.toLowerCase().startsWith("user")).findFirst();
  }
}
