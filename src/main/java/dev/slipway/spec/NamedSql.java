package dev.slipway.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * SQL with {@code :name} placeholders turned into JDBC's positional {@code ?}, and the names in
 * order. Placeholders inside string literals, quoted identifiers, dollar-quoted bodies and comments
 * are left alone, and so are {@code ::type} casts. A name used twice binds twice.
 *
 * <p>Text between {@code [[} and {@code ]]} is an optional part: {@link #parse} keeps every one
 * (without the brackets); {@link Parts#keep} keeps the ones a caller chooses. {@code
 * ARRAY[[1,2],[3,4]]} is an array, not an optional part.
 *
 * @param sql the statement with {@code ?} in place of each placeholder
 * @param names the placeholder names, one per {@code ?}
 */
public record NamedSql(String sql, List<String> names) {

  /**
   * The statement with every optional part kept; throws {@link IllegalArgumentException} when its
   * parts do not pair up.
   */
  public static NamedSql parse(String source) {
    return Parts.split(source).keep(part -> true);
  }

  /**
   * A statement cut at its optional parts.
   *
   * @param texts the source in order: required and optional parts alternate as written
   * @param optional which of {@code texts} are optional
   */
  public record Parts(List<String> texts, List<Boolean> optional) {
    /** So that the kept parts fit in one long's bits. */
    public static final int MAX_OPTIONAL = 63;

    public static Parts split(String source) {
      var texts = new ArrayList<String>();
      var optional = new ArrayList<Boolean>();
      int n = source.length();
      int start = 0;
      int brackets = 0;
      boolean inPart = false;
      int i = 0;
      while (i < n) {
        int end = skip(source, i);
        if (end > i) {
          i = end;
          continue;
        }
        char c = source.charAt(i);
        if (c == '['
            && i + 1 < n
            && source.charAt(i + 1) == '['
            && brackets == 0
            && !afterArray(source, i)) {
          if (inPart)
            throw new IllegalArgumentException(
                "an optional part [[ ... ]] cannot hold another (at offset " + i + ")");
          texts.add(source.substring(start, i));
          optional.add(false);
          inPart = true;
          start = i + 2;
          i += 2;
        } else if (c == ']'
            && i + 1 < n
            && source.charAt(i + 1) == ']'
            && brackets == 0
            && inPart) {
          texts.add(source.substring(start, i));
          optional.add(true);
          inPart = false;
          start = i + 2;
          i += 2;
        } else {
          if (c == '[') brackets++;
          if (c == ']') brackets = Math.max(0, brackets - 1);
          i++;
        }
      }
      if (inPart)
        throw new IllegalArgumentException("an optional part [[ ... ]] is not closed with ]]");
      texts.add(source.substring(start));
      optional.add(false);
      if (optional.stream().filter(o -> o).count() > MAX_OPTIONAL) {
        throw new IllegalArgumentException(
            "a statement can have at most " + MAX_OPTIONAL + " optional parts [[ ... ]]");
      }
      for (int p = 0; p < texts.size(); p++) {
        if (optional.get(p) && translate(texts.get(p)).names().isEmpty()) {
          throw new IllegalArgumentException(
              "the optional part [[" + texts.get(p) + "]] has no :name placeholder to decide it");
        }
      }
      return new Parts(List.copyOf(texts), List.copyOf(optional));
    }

    /** How many optional parts there are. */
    public int optionalCount() {
      return (int) optional.stream().filter(o -> o).count();
    }

    /** The placeholder names in the {@code index}-th optional part. */
    public List<String> namesOfOptional(int index) {
      int seen = 0;
      for (int p = 0; p < texts.size(); p++) {
        if (optional.get(p) && seen++ == index) return translate(texts.get(p)).names();
      }
      throw new IndexOutOfBoundsException(index);
    }

    /**
     * The statement with the required parts and the optional parts {@code kept} admits (by their
     * index among optional parts).
     */
    public NamedSql keep(IntPredicate kept) {
      var source = new StringBuilder();
      int index = 0;
      for (int p = 0; p < texts.size(); p++) {
        if (!optional.get(p) || kept.test(index)) source.append(texts.get(p));
        if (optional.get(p)) index++;
      }
      return translate(source.toString());
    }
  }

  private static NamedSql translate(String source) {
    var out = new StringBuilder(source.length());
    var names = new ArrayList<String>();
    int n = source.length();
    int i = 0;
    while (i < n) {
      char c = source.charAt(i);
      int end = skip(source, i);
      if (end > i) {
        out.append(source, i, end);
        i = end;
      } else if (c == ':' && i + 1 < n && source.charAt(i + 1) == ':') {
        out.append("::");
        i += 2;
      } else if (c == ':' && i + 1 < n && isNameStart(source.charAt(i + 1))) {
        int j = i + 1;
        while (j < n && isNamePart(source.charAt(j))) j++;
        names.add(source.substring(i + 1, j));
        out.append('?');
        i = j;
      } else {
        out.append(c);
        i++;
      }
    }
    return new NamedSql(out.toString(), List.copyOf(names));
  }

  /**
   * The end of the literal, quoted identifier or comment that starts at {@code i}; -1 when none
   * does.
   */
  private static int skip(String source, int i) {
    int n = source.length();
    return switch (source.charAt(i)) {
      case '\'' ->
          quoted(
              source,
              i,
              '\'',
              i > 0 && (source.charAt(i - 1) == 'E' || source.charAt(i - 1) == 'e'));
      case '"' -> quoted(source, i, '"', false);
      case '-' -> i + 1 < n && source.charAt(i + 1) == '-' ? lineEnd(source, i) : -1;
      case '/' -> i + 1 < n && source.charAt(i + 1) == '*' ? blockCommentEnd(source, i) : -1;
      case '$' -> dollarQuoteEnd(source, i);
      default -> -1;
    };
  }

  /**
   * Whether the word before {@code i} (spaces aside) is ARRAY, so {@code [[} opens a nested array.
   */
  private static boolean afterArray(String source, int i) {
    int j = i;
    while (j > 0 && Character.isWhitespace(source.charAt(j - 1))) j--;
    return j >= 5
        && source.regionMatches(true, j - 5, "array", 0, 5)
        && (j == 5 || !isNamePart(source.charAt(j - 6)));
  }

  private static int quoted(String s, int start, char quote, boolean backslashEscapes) {
    int i = start + 1;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == quote) {
        if (i + 1 < s.length() && s.charAt(i + 1) == quote) i += 2;
        else return i + 1;
      } else {
        i++;
      }
    }
    return s.length();
  }

  private static int lineEnd(String s, int start) {
    int end = s.indexOf('\n', start);
    return end < 0 ? s.length() : end;
  }

  private static int blockCommentEnd(String s, int start) {
    int depth = 0;
    int i = start;
    while (i < s.length() - 1) {
      if (s.charAt(i) == '/' && s.charAt(i + 1) == '*') {
        depth++;
        i += 2;
      } else if (s.charAt(i) == '*' && s.charAt(i + 1) == '/') {
        depth--;
        i += 2;
        if (depth == 0) return i;
      } else {
        i++;
      }
    }
    return s.length();
  }

  /** {@code $tag$ ... $tag$} (tag may be empty); -1 when {@code $} does not open one. */
  private static int dollarQuoteEnd(String s, int start) {
    if (start > 0 && isNamePart(s.charAt(start - 1))) return -1; // $ inside an identifier, or $1
    int j = start + 1;
    while (j < s.length() && isNamePart(s.charAt(j)) && !Character.isDigit(s.charAt(start + 1)))
      j++;
    if (j >= s.length() || s.charAt(j) != '$') return -1;
    String tag = s.substring(start, j + 1);
    int close = s.indexOf(tag, j + 1);
    return close < 0 ? s.length() : close + tag.length();
  }

  private static boolean isNameStart(char c) {
    return Character.isLetter(c) || c == '_';
  }

  private static boolean isNamePart(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

  /** Statements that end or open a transaction, by their first words. */
  private static final java.util.regex.Pattern TRANSACTION_CONTROL =
      java.util.regex.Pattern.compile(
          "(?i)^\\s*(commit|rollback|begin|start\\s+transaction|end|abort|savepoint|release|prepare\\s+transaction)\\b");

  /**
   * The first statement of {@code sql} that controls the transaction ({@code commit}, {@code
   * rollback}, {@code begin}, {@code savepoint}, ...), read outside string literals, quoted names,
   * dollar quotes and comments; empty when there is none. A step's SQL runs inside Slipway's
   * transaction (a preview's and a draft test's is rolled back), so it may not end or open one.
   */
  public static java.util.Optional<String> transactionControl(String sql) {
    var statement = new StringBuilder();
    int i = 0;
    while (true) {
      if (i == sql.length() || sql.charAt(i) == ';') {
        var m = TRANSACTION_CONTROL.matcher(statement);
        if (m.find())
          return java.util.Optional.of(m.group(1).toLowerCase().replaceAll("\\s+", " "));
        if (i == sql.length()) return java.util.Optional.empty();
        statement.setLength(0);
        i++;
        continue;
      }
      int end = skip(sql, i);
      if (end > i) {
        // a literal, quoted name or comment stands for nothing the statement begins with
        statement.append(' ');
        i = end;
      } else {
        statement.append(sql.charAt(i));
        i++;
      }
    }
  }
}
