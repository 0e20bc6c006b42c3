package dev.slipway.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * SQL with {@code :name} placeholders turned into JDBC's positional {@code ?}, and the names in
 * order. Placeholders inside string literals, quoted identifiers, dollar-quoted bodies and comments
 * are left alone, and so are {@code ::type} casts. A name used twice binds twice.
 *
 * @param sql the statement with {@code ?} in place of each placeholder
 * @param names the placeholder names, one per {@code ?}
 */
public record NamedSql(String sql, List<String> names) {

  public static NamedSql parse(String source) {
    var out = new StringBuilder(source.length());
    var names = new ArrayList<String>();
    int n = source.length();
    int i = 0;
    while (i < n) {
      char c = source.charAt(i);
      int end = switch (c) {
        case '\'' -> quoted(source, i, '\'', i > 0 && (source.charAt(i - 1) == 'E' || source.charAt(i - 1) == 'e'));
        case '"' -> quoted(source, i, '"', false);
        case '-' -> i + 1 < n && source.charAt(i + 1) == '-' ? lineEnd(source, i) : -1;
        case '/' -> i + 1 < n && source.charAt(i + 1) == '*' ? blockCommentEnd(source, i) : -1;
        case '$' -> dollarQuoteEnd(source, i);
        default -> -1;
      };
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
    while (j < s.length() && isNamePart(s.charAt(j)) && !Character.isDigit(s.charAt(start + 1))) j++;
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
}
