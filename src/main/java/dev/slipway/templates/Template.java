package dev.slipway.templates;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.spec.InvalidSpecException;
import java.util.Map;
import java.util.Optional;

/**
 * A generator from a small config to a {@link Bundle}: endpoint specs, the SQL they need and an
 * explanation. Generation is deterministic (the same config and table give the same bundle) and
 * does nothing itself: {@link TemplateService} saves and applies what it returns.
 */
public interface Template {

  String name();

  String description();

  /** The JSON Schema a config must satisfy; checked before {@link #generate}. */
  JsonNode configSchema();

  /** A config that works, to show in the catalogue (and to warm the generator with at start-up). */
  JsonNode example();

  /**
   * The table a config names, as {@code schema.table}, so its columns can be read first; empty for
   * none.
   */
  Optional<String> table(JsonNode config);

  /**
   * Other existing tables the bundle refers to (a parent table), by the JSON pointer of the config
   * field that names each: the org must be able to use them.
   */
  default Map<String, String> references(JsonNode config) {
    return Map.of();
  }

  /**
   * @param config a config that satisfies {@link #configSchema}
   * @param columns the named table's columns by name with their PostgreSQL type, or empty when the
   *     table does not exist
   * @param login the database login of the org the bundle is for: a table the migration makes is
   *     granted to it alone
   * @throws InvalidSpecException when the config cannot work, each violation at its config path
   */
  Bundle generate(JsonNode config, Optional<Map<String, String>> columns, String login)
      throws InvalidSpecException;
}
