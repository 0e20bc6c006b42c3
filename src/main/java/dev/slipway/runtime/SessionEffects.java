package dev.slipway.runtime;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Whether SQL may leave something on its database session for a later request to meet: a setting
 * ({@code SET}, {@code set_config}), a role, a temporary table, a prepared statement, a cursor held
 * past its transaction, an advisory lock, a subscription to notifications. A request that ran such
 * SQL discards its session when it ends ({@link Transaction}).
 *
 * <p>The check reads the text, so it must never call SQL harmless that is not: it errs the other
 * way. The text is split at every {@code ;} (also those inside strings and comments, which only
 * adds pieces), and every piece must begin, after comments and opening brackets, with a word of a
 * plain query or write ({@code select}, {@code with}, {@code insert}, {@code update}, {@code
 * delete}, {@code values}, {@code table}, {@code merge}); anything else ({@code SET}, {@code DO},
 * {@code CALL}, {@code CREATE TEMP TABLE}, {@code PREPARE}, {@code DECLARE}, {@code LISTEN}, {@code
 * DISCARD}, a word this does not know) counts as a change. So do the functions that change a
 * session from inside a query ({@code set_config}, the advisory locks), anything naming {@code
 * pg_temp}, an escaped identifier ({@code U&"..."}, which could spell any of those), and a query
 * that writes {@code into} a new table. Functions an operator defined (the org's logins cannot
 * define any) are trusted like the rest of the database.
 */
final class SessionEffects {
  private static final Set<String> PLAIN =
      Set.of("select", "with", "insert", "update", "delete", "values", "table", "merge");
  private static final Pattern CHANGING_CALL =
      Pattern.compile("set_config|advisory|pg_temp|dblink|u&");
  private static final Pattern INTO = Pattern.compile("\\binto\\b");

  private SessionEffects() {}

  static boolean mayChange(String sql) {
    String text = sql.toLowerCase(Locale.ROOT);
    if (CHANGING_CALL.matcher(text).find()) return true;
    for (String piece : text.split(";", -1)) {
      String word = firstWord(piece);
      if (word.isEmpty()) continue;
      if (!PLAIN.contains(word)) return true;
      // SELECT ... INTO makes a table; an INSERT's "into" (or MERGE's) names an existing one
      if (!word.equals("insert") && !word.equals("merge") && INTO.matcher(piece).find())
        return true;
    }
    return false;
  }

  /**
   * The piece's first word, past whitespace, comments and opening brackets; empty when there is
   * none.
   */
  private static String firstWord(String piece) {
    int i = 0;
    int n = piece.length();
    while (i < n) {
      char c = piece.charAt(i);
      if (Character.isWhitespace(c) || c == '(') {
        i++;
      } else if (piece.startsWith("--", i)) {
        int end = piece.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
      } else if (piece.startsWith("/*", i)) {
        // PostgreSQL nests block comments; ending at the first "*/" can only make the rest look
        // unlike a query
        int end = piece.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else {
        break;
      }
    }
    int start = i;
    while (i < n && Character.isLetter(piece.charAt(i))) i++;
    if (start == n) return "";
    // a piece that begins with no word (a quote, a dollar, a digit) is not a known query
    return i == start ? "?" : piece.substring(start, i);
  }
}
