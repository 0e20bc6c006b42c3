package dev.slipway.generate;

import dev.slipway.generate.DatabaseSchema.Column;
import dev.slipway.generate.DatabaseSchema.Table;
import dev.slipway.generate.JoinPaths.Join;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Picks the tables of a schema that a description is about, so that what a model is shown fits a
 * prompt however many tables the database has: tables are scored by the description's words in
 * their names (the last word of a name, its head noun, counting most), their columns' names and
 * their comments; the best are kept, and the tables on the shortest foreign-key path between them
 * are added so that they can be joined.
 */
public final class Relevance {
  /** Words that say nothing about which table is meant. */
  private static final Set<String> STOP =
      Set.of(
          "a",
          "an",
          "the",
          "and",
          "or",
          "of",
          "for",
          "to",
          "in",
          "on",
          "by",
          "with",
          "from",
          "that",
          "this",
          "these",
          "its",
          "it",
          "their",
          "them",
          "all",
          "each",
          "every",
          "any",
          "get",
          "fetch",
          "list",
          "return",
          "returns",
          "show",
          "give",
          "create",
          "endpoint",
          "api",
          "which",
          "who",
          "what",
          "where",
          "when",
          "is",
          "are",
          "be",
          "as",
          "at",
          "my",
          "our",
          "your",
          "me",
          "us",
          "new",
          "one",
          "some",
          "can",
          "should",
          "must",
          "into",
          "recent",
          "latest",
          "current",
          "s");

  /** A table, its score and the words of the description that matched it. */
  public record Scored(String table, int score, List<String> matched) {}

  /**
   * What a description is about: the tables it matched (best first), the whole set kept (those and
   * the tables joining them), and the joins from the best one to each other.
   */
  public record Relevant(List<Scored> matched, List<String> tables, List<Join> joins) {}

  private Relevance() {}

  /** At most {@code limit} matched tables of {@code schema}, joined. */
  public static Relevant of(DatabaseSchema schema, String description, int limit) {
    List<String> words = words(description);
    var scored = new ArrayList<Scored>();
    for (Table table : schema.tables()) {
      Scored s = score(table, words, description.toLowerCase(Locale.ROOT));
      if (s.score() >= 3) scored.add(s);
    }
    scored.sort(Comparator.comparingInt(Scored::score).reversed());
    List<Scored> best = scored.subList(0, Math.min(limit, scored.size()));
    var kept = new LinkedHashSet<String>();
    var joins = new ArrayList<Join>();
    var paths = new JoinPaths(schema);
    for (Scored s : best) {
      if (kept.isEmpty()) {
        kept.add(s.table());
        continue;
      }
      List<Join> shortest = null;
      for (String from : kept) {
        var path = paths.between(from, s.table());
        if (path.isPresent() && (shortest == null || path.get().size() < shortest.size()))
          shortest = path.get();
      }
      if (shortest != null) {
        for (Join join : shortest) {
          if (kept.add(join.to())) joins.add(join);
        }
      }
      kept.add(s.table());
    }
    return new Relevant(List.copyOf(best), List.copyOf(kept), joins);
  }

  private static Scored score(Table table, List<String> words, String text) {
    int score = 0;
    var matched = new LinkedHashSet<String>();
    List<String> nameWords = words(table.name().replace('_', ' '));
    if (!nameWords.isEmpty() && text.contains(table.name().replace('_', ' '))) score += 4;
    for (int i = 0; i < nameWords.size(); i++) {
      if (words.contains(nameWords.get(i))) {
        score += i == nameWords.size() - 1 ? 4 : 2;
        matched.add(nameWords.get(i));
      }
    }
    int fromColumns = 0;
    for (Column column : table.columns()) {
      for (String word : words(column.name().replace('_', ' '))) {
        if (words.contains(word) && !matched.contains(word) && fromColumns < 2) {
          fromColumns++;
          matched.add(word);
        }
      }
    }
    score += fromColumns;
    if (table.comment() != null) {
      for (String word : words(table.comment())) {
        if (words.contains(word) && matched.add(word)) score++;
      }
    }
    return new Scored(table.qualifiedName(), score, List.copyOf(matched));
  }

  /** The description's words, lower case, singular, without the ones that say nothing. */
  static List<String> words(String text) {
    var words = new ArrayList<String>();
    for (String raw : text.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
      if (raw.isEmpty() || STOP.contains(raw)) continue;
      String word = singular(raw);
      if (!STOP.contains(word)) words.add(word);
    }
    return words;
  }

  /** English plurals to their singular, for the common regular forms. */
  static String singular(String word) {
    if (word.length() <= 3) return word;
    if (word.endsWith("ies")) return word.substring(0, word.length() - 3) + "y";
    if (word.endsWith("sses")
        || word.endsWith("xes")
        || word.endsWith("ches")
        || word.endsWith("shes")) return word.substring(0, word.length() - 2);
    // statuses, campuses; but houses, causes
    if (word.endsWith("uses") && !word.endsWith("ouses") && !word.endsWith("auses"))
      return word.substring(0, word.length() - 2);
    if (word.endsWith("ss") || word.endsWith("us") || word.endsWith("is")) return word;
    if (word.endsWith("s")) return word.substring(0, word.length() - 1);
    return word;
  }

  /** The tables of {@code relevant}, in its order, as a smaller schema. */
  public static DatabaseSchema subset(DatabaseSchema schema, Relevant relevant) {
    Map<String, Table> byName = new LinkedHashMap<>(schema.byName());
    return schema.only(relevant.tables().stream().map(byName::get).toList());
  }
}
