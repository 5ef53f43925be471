package dev.quiver.jobs.plan;

import static dev.quiver.jobs.plan.SqlTransformation.AGGREGATES;
import static dev.quiver.jobs.plan.SqlTransformation.AGG_FIX;
import static dev.quiver.jobs.plan.SqlTransformation.TUMBLE_AUXILIARY;
import static dev.quiver.jobs.plan.SqlTransformation.WINDOWS;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scan of one SQL statement that knows string literals, quoted identifiers and parentheses: its
 * words with their nesting depth, for {@link SqlTransformation}'s checks. Errors name the spec
 * field ({@code transformations[i].code}), what is wrong and the fix.
 */
final class SqlScan {
  record Token(String text, int start, int end, int depth) {
    String upper() {
      return text.toUpperCase(Locale.ROOT);
    }
  }

  final String text;
  final String field;
  final List<Token> words = new ArrayList<>();

  SqlScan(String raw, String field) {
    this.field = field;
    String t = raw.strip();
    List<String> statements = splitTopLevel(t, ';');
    List<String> nonEmpty = statements.stream().filter(x -> !x.isBlank()).toList();
    if (nonEmpty.size() > 1) {
      throw refuse(
          "holds " + nonEmpty.size() + " statements",
          "keep one SELECT; the materialization job runs a single statement");
    }
    this.text = nonEmpty.isEmpty() ? "" : nonEmpty.get(0).strip();
    int depth = 0;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '\'' || c == '`') {
        i = closing(text, i);
      } else if (c == '(') {
        depth++;
        i++;
      } else if (c == ')') {
        depth--;
        i++;
      } else if (Character.isLetter(c) || c == '_') {
        int j = i;
        while (j < text.length()
            && (Character.isLetterOrDigit(text.charAt(j)) || text.charAt(j) == '_')) {
          j++;
        }
        boolean qualified = i > 0 && text.charAt(i - 1) == '.';
        if (!qualified) {
          words.add(new Token(text.substring(i, j), i, j, depth));
        }
        i = j;
      } else {
        i++;
      }
    }
  }

  List<Token> topLevelWords() {
    return words.stream().filter(w -> w.depth() == 0).toList();
  }

  /** Subqueries and window/aggregate calls anywhere in the text. */
  void refuseNested() {
    for (Token w : words) {
      if (w.depth() > 0 && w.upper().equals("SELECT")) {
        throw refuse(
            "holds a subquery", "keep one SELECT over the view's source; move the rest upstream");
      }
      if (w.upper().equals("OVER")) {
        throw refuse("OVER (an over-window aggregation) is not supported", AGG_FIX);
      }
    }
  }

  /** Aggregate and window function calls in {@code expr} (allowed when {@code grouped}). */
  void refuseCalls(String expr, boolean grouped) {
    Matcher m = Pattern.compile("\\b([A-Za-z_]\\w*)\\s*\\(").matcher(expr);
    while (m.find()) {
      String fn = m.group(1).toUpperCase(Locale.ROOT);
      if (grouped && (AGGREGATES.contains(fn) || TUMBLE_AUXILIARY.contains(fn))) {
        continue;
      }
      if (AGGREGATES.contains(fn)) {
        throw refuse(
            fn
                + "(...) is an aggregate: it needs GROUP BY, which the materialization job does"
                + " not run",
            AGG_FIX);
      }
      if (WINDOWS.contains(fn)) {
        throw refuse(
            fn + "(...) is a group window, which the materialization job does not run", AGG_FIX);
      }
    }
  }

  IllegalArgumentException refuse(String what, String fix) {
    return new IllegalArgumentException(field + ": " + what + " (expected: " + fix + ")");
  }

  /** Index just past the literal or quoted identifier opening at {@code i}. */
  static int closing(String s, int i) {
    char q = s.charAt(i);
    int j = i + 1;
    while (j < s.length()) {
      if (s.charAt(j) == q) {
        if (j + 1 < s.length() && s.charAt(j + 1) == q) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      j++;
    }
    return s.length();
  }

  /** Splits at {@code sep} outside parentheses, literals and quoted identifiers. */
  static List<String> splitTopLevel(String s, char sep) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    int from = 0;
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\'' || c == '`') {
        i = closing(s, i);
        continue;
      }
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == sep && depth == 0) {
        out.add(s.substring(from, i));
        from = i + 1;
      }
      i++;
    }
    out.add(s.substring(from));
    return out;
  }
}
