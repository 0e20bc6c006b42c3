package dev.slipway.templates;

import dev.slipway.problem.Violation;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What a template asks of a table that exists already, instead of making it. */
public final class ExistingTable {
  private ExistingTable() {}

  /**
   * A violation at {@code /config/table} for each of {@code needed} the table lacks; none when the
   * table does not exist (the bundle's migration makes it).
   *
   * @param columns the table's columns by name, or empty when there is no such table
   */
  public static void requireColumns(
      Optional<Map<String, String>> columns,
      String table,
      List<String> needed,
      List<Violation> violations) {
    columns.ifPresent(
        existing -> {
          for (String column : needed)
            if (!existing.containsKey(column))
              violations.add(
                  new Violation(
                      "/config/table",
                      table + " exists without a column " + column + " (it needs " + needed + ")"));
        });
  }
}
