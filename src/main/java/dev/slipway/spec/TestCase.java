package dev.slipway.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A test case of endpoints: a request and the status and response shape it must get. Templates
 * generate them with a bundle, callers send them, and {@code deploy.DraftTests} runs them.
 *
 * @param path may hold {@code {{case name.field}}}: that field of an earlier case's response body
 * @param role the role the caller holds ({@code role#name} for a second caller with that role);
 *     empty for a call without credentials
 * @param claims more claims the caller carries (a tenant); callers with other claims are other
 *     callers
 * @param fields fields the response body must have (each row's, for an array)
 * @param headers more request headers
 * @param signed for a webhook receiver ({@code verify}): {@code good} signs the request as its
 *     provider does with its secret, {@code bad} with another secret; empty sends it unsigned
 */
public record TestCase(
    String name,
    String method,
    String path,
    Optional<JsonNode> body,
    Optional<String> role,
    Map<String, String> claims,
    int status,
    List<String> fields,
    Map<String, String> headers,
    Optional<String> signed) {

  /** The signatures a case may ask for. */
  public static final List<String> SIGNATURES = List.of("good", "bad");

  /** A case with no more headers and no signature. */
  public TestCase(
      String name,
      String method,
      String path,
      Optional<JsonNode> body,
      Optional<String> role,
      Map<String, String> claims,
      int status,
      List<String> fields) {
    this(name, method, path, body, role, claims, status, fields, Map.of(), Optional.empty());
  }

  /** Who calls: the role and the claims; cases with the same caller call with one key. */
  public Optional<String> caller() {
    return role.map(r -> claims.isEmpty() ? r : r + " " + new TreeMap<>(claims));
  }

  /** The case as JSON, as {@link #parse} reads it back. */
  public ObjectNode json() {
    var node =
        Json.MAPPER.createObjectNode().put("name", name).put("method", method).put("path", path);
    body.ifPresent(value -> node.set("body", value));
    role.ifPresent(value -> node.put("role", value));
    if (!claims.isEmpty()) node.set("claims", Json.MAPPER.valueToTree(claims));
    node.put("status", status);
    fields.forEach(node.putArray("fields")::add);
    if (fields.isEmpty()) node.remove("fields");
    if (!headers.isEmpty()) node.set("headers", Json.MAPPER.valueToTree(headers));
    signed.ifPresent(value -> node.put("signed", value));
    return node;
  }

  /**
   * Cases sent as JSON ({@code [{name, method, path, body?, role?, claims?, headers?, signed?,
   * status, fields?}]}); a bad one is named in {@code violations}.
   */
  public static List<TestCase> parse(JsonNode cases, String at, List<Violation> violations) {
    var parsed = new ArrayList<TestCase>();
    if (!cases.isArray() || cases.isEmpty()) {
      violations.add(new Violation(at, "must be a non-empty array of test cases"));
      return parsed;
    }
    for (int i = 0; i < cases.size(); i++) {
      JsonNode c = cases.get(i);
      String where = at + "/" + i;
      if (!c.path("name").isTextual()
          || !c.path("method").isTextual()
          || !c.path("path").asText("").startsWith("/")
          || !c.path("status").canConvertToInt()) {
        violations.add(
            new Violation(where, "a case needs name, method, path (starting with /) and status"));
        continue;
      }
      var fields = new ArrayList<String>();
      c.path("fields").forEach(f -> fields.add(f.asText()));
      var claims = new TreeMap<String, String>();
      c.path("claims")
          .properties()
          .forEach(claim -> claims.put(claim.getKey(), claim.getValue().asText()));
      var headers = new TreeMap<String, String>();
      c.path("headers")
          .properties()
          .forEach(
              h ->
                  headers.put(
                      h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue().asText()));
      Optional<String> signed =
          c.path("signed").isTextual() ? Optional.of(c.get("signed").asText()) : Optional.empty();
      if (signed.isPresent() && !SIGNATURES.contains(signed.get())) {
        violations.add(new Violation(where + "/signed", "good or bad"));
        continue;
      }
      parsed.add(
          new TestCase(
              c.get("name").asText(),
              c.get("method").asText().toUpperCase(),
              c.get("path").asText(),
              Optional.ofNullable(c.get("body")),
              c.path("role").isTextual() ? Optional.of(c.get("role").asText()) : Optional.empty(),
              Map.copyOf(claims),
              c.get("status").asInt(),
              fields,
              Map.copyOf(headers),
              signed));
    }
    return parsed;
  }
}
