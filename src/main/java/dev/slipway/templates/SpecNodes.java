package dev.slipway.templates;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.common.Json;
import java.util.List;

/** The parts of a spec, as JSON, that the templates' specs share. */
public final class SpecNodes {
  private SpecNodes() {}

  /** An endpoint's spec with its name, route and description; the rest is the caller's. */
  public static ObjectNode endpoint(String name, String method, String path, String description) {
    return Json.MAPPER
        .createObjectNode()
        .put("name", name)
        .put("method", method)
        .put("path", path)
        .put("description", description);
  }

  /** Lets in the org's consumer keys that hold one of {@code roles}. */
  public static void apiKeyAuth(ObjectNode spec, List<String> roles) {
    ObjectNode auth = spec.putObject("auth").put("mode", "apiKey");
    roles.forEach(auth.putArray("roles")::add);
  }
}
