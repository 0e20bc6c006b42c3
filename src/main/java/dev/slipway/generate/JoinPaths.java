package dev.slipway.generate;

import dev.slipway.generate.DatabaseSchema.ForeignKey;
import dev.slipway.generate.DatabaseSchema.Table;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The foreign-key graph of a schema, walked either way: how to join one table to another through
 * the fewest foreign keys.
 */
public final class JoinPaths {
  /**
   * One join: from {@code from} to {@code to} on {@code fromColumns = toColumns}, in that order.
   *
   * @param forward whether {@code from} holds the foreign key (each {@code from} row has at most
   *     one {@code to} row); otherwise {@code to} refers to {@code from} (each {@code from} row has
   *     many)
   */
  public record Join(
      String from,
      String to,
      List<String> fromColumns,
      List<String> toColumns,
      boolean forward,
      String constraint) {}

  private final Map<String, List<Join>> edges = new LinkedHashMap<>();

  public JoinPaths(DatabaseSchema schema) {
    for (Table table : schema.tables())
      edges.computeIfAbsent(table.qualifiedName(), t -> new ArrayList<>());
    for (Table table : schema.tables()) {
      for (ForeignKey key : table.foreignKeys()) {
        if (!edges.containsKey(key.references())) continue;
        edges
            .get(table.qualifiedName())
            .add(
                new Join(
                    table.qualifiedName(),
                    key.references(),
                    key.columns(),
                    key.referencedColumns(),
                    true,
                    key.name()));
        edges
            .get(key.references())
            .add(
                new Join(
                    key.references(),
                    table.qualifiedName(),
                    key.referencedColumns(),
                    key.columns(),
                    false,
                    key.name()));
      }
    }
  }

  /** The joins leaving {@code table}, each foreign key both ways. */
  public List<Join> from(String table) {
    return edges.getOrDefault(table, List.of());
  }

  /**
   * The shortest way from {@code from} to {@code to} (breadth first; among equally short ones, the
   * first found in table and key order); empty when they are not connected, and no join at all when
   * they are the same table.
   */
  public Optional<List<Join>> between(String from, String to) {
    if (!edges.containsKey(from) || !edges.containsKey(to)) return Optional.empty();
    var cameBy = new HashMap<String, Join>();
    var queue = new ArrayDeque<String>();
    queue.add(from);
    cameBy.put(from, null);
    while (!queue.isEmpty()) {
      String at = queue.poll();
      if (at.equals(to)) {
        var path = new ArrayList<Join>();
        for (Join j = cameBy.get(to); j != null; j = cameBy.get(j.from())) path.add(0, j);
        return Optional.of(path);
      }
      for (Join join : edges.get(at)) {
        if (!cameBy.containsKey(join.to())) {
          cameBy.put(join.to(), join);
          queue.add(join.to());
        }
      }
    }
    return Optional.empty();
  }
}
