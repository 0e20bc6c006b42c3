package dev.slipway.sandbox;

import java.util.ArrayDeque;
import java.util.Set;

/**
 * How deeply a JavaScript or TypeScript source nests brackets ({@code ( [ {} and a template's
 * {@code ${}), outside strings, comments, template text and regular expressions. SWC, native
 * code, recurses once per level as it parses and prints, and prints every level on lines of their
 * own, so a source of a few kilobytes of brackets would overflow its stack or print hundreds of
 * megabytes; a source nested deeper than {@link SwcStripper} allows never reaches it.
 *
 * <p>A slash is taken for a regular expression where an expression may begin (after an operator,
 * an opening bracket, a comma or a keyword such as {@code return}) and for division after a
 * name, a number or a closing bracket other than that of {@code if (...)}, {@code while (...)},
 * {@code for (...)} or {@code with (...)}, as JavaScript's own tokenizers guess. Where that guess
 * is wrong (a regular expression right after a block's closing brace) the count can be off; what
 * SWC then meets is still bounded by the stack it runs on and by the worker it runs in.
 */
final class Nesting {

  private static final Set<String> BEFORE_EXPRESSION =
      Set.of(
          "return",
          "typeof",
          "instanceof",
          "in",
          "of",
          "new",
          "delete",
          "void",
          "throw",
          "case",
          "do",
          "else",
          "yield",
          "await");

  private static final Set<String> CONTROL = Set.of("if", "while", "for", "with");

  private Nesting() {}

  /** The deepest level reached, and the line (from 1) where it was first reached. */
  record Depth(int levels, int line) {}

  static Depth of(String source) {
    // open brackets; '$' is a template's ${, after whose } the template's text goes on
    var open = new ArrayDeque<Character>();
    int deepest = 0;
    int deepestLine = 1;
    int line = 1;
    // whether a slash here would begin a regular expression
    boolean expressionMayBegin = true;
    // whether the last word was if, while, for or with, so the next '(' is theirs
    boolean afterControlKeyword = false;
    int i = 0;
    int n = source.length();
    while (i < n) {
      char c = source.charAt(i);
      boolean control = afterControlKeyword;
      if (!Character.isWhitespace(c)
          && !(c == '/'
              && i + 1 < n
              && (source.charAt(i + 1) == '/' || source.charAt(i + 1) == '*'))) {
        afterControlKeyword = false;
      }
      if (c == '\n') {
        line++;
        i++;
      } else if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
        while (i < n && source.charAt(i) != '\n') i++;
      } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
        int end = source.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
        line += newlines(source, i, end);
        i = end;
      } else if (c == '\'' || c == '"') {
        int end = skipQuoted(source, i + 1, c);
        line += newlines(source, i, end);
        i = end;
        expressionMayBegin = false;
      } else if (c == '`' || (c == '}' && !open.isEmpty() && open.peek() == '$')) {
        if (c == '}') open.pop();
        // template text up to its end or its next ${
        int j = i + 1;
        while (j < n
            && source.charAt(j) != '`'
            && !(source.charAt(j) == '$' && j + 1 < n && source.charAt(j + 1) == '{')) {
          j += source.charAt(j) == '\\' ? 2 : 1;
        }
        line += newlines(source, i, Math.min(j, n));
        if (j < n && source.charAt(j) == '$') {
          open.push('$');
          if (open.size() > deepest) {
            deepest = open.size();
            deepestLine = line;
          }
          i = j + 2;
          expressionMayBegin = true;
        } else {
          i = j + 1;
          expressionMayBegin = false;
        }
      } else if (c == '(' || c == '[' || c == '{') {
        // after the ')' of if, while, for or with, a statement begins: a slash there is a regular
        // expression
        open.push(c == '(' && control ? 'c' : c);
        if (open.size() > deepest) {
          deepest = open.size();
          deepestLine = line;
        }
        i++;
        expressionMayBegin = true;
      } else if (c == ')' || c == ']' || c == '}') {
        Character closed = open.poll();
        i++;
        expressionMayBegin = closed != null && closed == 'c';
      } else if (c == '/' && expressionMayBegin) {
        int end = skipRegularExpression(source, i + 1);
        i = end;
        expressionMayBegin = false;
      } else if (Character.isJavaIdentifierPart(c)) {
        int start = i;
        while (i < n && Character.isJavaIdentifierPart(source.charAt(i))) i++;
        String word = source.substring(start, i);
        expressionMayBegin = BEFORE_EXPRESSION.contains(word);
        afterControlKeyword = CONTROL.contains(word);
        continue;
      } else {
        // an operator or other punctuation: an expression may follow
        i++;
        expressionMayBegin =
            !(c == '.' && i < n && Character.isJavaIdentifierStart(source.charAt(i)));
      }
    }
    return new Depth(deepest, deepestLine);
  }

  private static int skipQuoted(String source, int from, char quote) {
    int i = from;
    while (i < source.length()) {
      char c = source.charAt(i);
      if (c == '\\') {
        i += 2;
      } else if (c == quote || c == '\n') {
        return i + 1;
      } else {
        i++;
      }
    }
    return source.length();
  }

  private static int skipRegularExpression(String source, int from) {
    boolean inClass = false;
    int i = from;
    while (i < source.length()) {
      char c = source.charAt(i);
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '\n') return i;
      if (c == '[') inClass = true;
      else if (c == ']') inClass = false;
      else if (c == '/' && !inClass) return i + 1;
      i++;
    }
    return source.length();
  }

  private static int newlines(String source, int from, int to) {
    int count = 0;
    for (int i = from; i < Math.min(to, source.length()); i++) {
      if (source.charAt(i) == '\n') count++;
    }
    return count;
  }
}
