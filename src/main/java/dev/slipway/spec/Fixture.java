package dev.slipway.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import dev.slipway.problem.Violation;
import java.util.ArrayList;
import java.util.List;

/**
 * A row the cases need that they cannot make themselves (a parent row to nest under): a query run
 * on the run's connection before the cases; its first row is {@code {{name.column}}} in their
 * paths.
 */
public record Fixture(String name, String sql) {
  /** The fixture as JSON, as {@link #parse} reads it back. */
  public ObjectNode json() {
    return Json.MAPPER.createObjectNode().put("name", name).put("sql", sql);
  }

  /** Fixtures sent as JSON ({@code [{name, sql}]}, may be missing). */
  public static List<Fixture> parse(JsonNode fixtures, String at, List<Violation> violations) {
    var parsed = new ArrayList<Fixture>();
    for (int i = 0; i < fixtures.size(); i++) {
      JsonNode f = fixtures.get(i);
      if (!f.path("name").isTextual() || !f.path("sql").isTextual()) {
        violations.add(new Violation(at + "/" + i, "a fixture needs a name and a sql query"));
      } else {
        parsed.add(new Fixture(f.get("name").asText(), f.get("sql").asText()));
      }
    }
    return parsed;
  }
}
