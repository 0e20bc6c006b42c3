package dev.slipway.runtime;

import dev.slipway.spec.NamedSql;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A SQL step's statement as it is run on each call. An optional part {@code [[ ... ]]} is kept only
 * when every placeholder in it has a value, so a filter the caller left out is not in the statement
 * at all and PostgreSQL plans the query that was asked (no {@code :x is null or ...} to plan
 * around). The statement for each set of kept parts is built once and kept, up to {@value #KEPT} of
 * them; the driver then prepares each once per connection.
 */
final class SqlVariants {
  private static final int KEPT = 256;

  /**
   * One statement to run: its SQL, for each {@code ?} the index of its value in {@link #names()},
   * and whether it may change its session ({@link SessionEffects}).
   */
  record Variant(String sql, int[] slots, boolean changesSession) {}

  private final NamedSql.Parts parts;
  private final List<String> names;

  /** For each optional part, the indexes in {@link #names} of its placeholders. */
  private final int[][] deciding;

  private final ConcurrentHashMap<Long, Variant> variants = new ConcurrentHashMap<>();

  SqlVariants(String source) {
    parts = NamedSql.Parts.split(source);
    names = List.copyOf(new LinkedHashSet<>(parts.keep(part -> true).names()));
    deciding = new int[parts.optionalCount()][];
    for (int i = 0; i < deciding.length; i++) {
      deciding[i] = parts.namesOfOptional(i).stream().mapToInt(names::indexOf).distinct().toArray();
    }
  }

  /** The distinct placeholder names; {@link #choose} takes their values in this order. */
  List<String> names() {
    return names;
  }

  Variant choose(Object[] values) {
    long kept = 0;
    for (int i = 0; i < deciding.length; i++) {
      if (allPresent(deciding[i], values)) kept |= 1L << i;
    }
    Variant known = variants.get(kept);
    if (known != null) return known;
    Variant made = build(kept);
    if (variants.size() < KEPT) variants.putIfAbsent(kept, made);
    return made;
  }

  private static boolean allPresent(int[] indexes, Object[] values) {
    for (int index : indexes) if (values[index] == null) return false;
    return true;
  }

  private Variant build(long kept) {
    NamedSql sql = parts.keep(i -> (kept & (1L << i)) != 0);
    var slots = new ArrayList<Integer>();
    sql.names().forEach(name -> slots.add(names.indexOf(name)));
    return new Variant(
        sql.sql(),
        slots.stream().mapToInt(Integer::intValue).toArray(),
        SessionEffects.mayChange(sql.sql()));
  }
}
