package dev.quiver.jobs.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Rewrites a row feature's {@code expr} so that it cannot throw on one event: the right operand of
 * {@code /} and {@code %} and the second argument of {@code MOD(a, b)} become {@code NULLIF(b, 0)}
 * (unless it is a number literal other than zero), and {@code CAST(} becomes {@code TRY_CAST(}. An
 * integer or decimal division by zero, a MOD by zero and a CAST of text that does not convert then
 * yield null for that event instead of failing the streaming job on it after every restart (like
 * Spark's non-ANSI mode). An expression without these operators is returned unchanged, so its plan
 * text (and the job's state) is unchanged.
 *
 * <p>The rewrite inserts text at token positions and keeps everything else as written (spacing,
 * case, comments, string literals, backticked identifiers), so {@code quiver plan} still shows the
 * author's expression. It needs only operand boundaries: in Flink SQL (Calcite) {@code /} and
 * {@code %} bind tighter than every binary operator but {@code *} and {@code ||} (same level, left
 * associative), so the right operand is one term: unary signs, then a literal, an identifier, a
 * call, a parenthesized expression, {@code CASE ... END} or a typed literal, then {@code .field}
 * and {@code [index]} accessors. An expression that is not valid SQL is left for Flink to refuse.
 */
public final class SafeExpression {
  private SafeExpression() {}

  private static final Set<String> INTERVAL_UNITS =
      Set.of(
          "YEAR",
          "YEARS",
          "QUARTER",
          "MONTH",
          "MONTHS",
          "WEEK",
          "DAY",
          "DAYS",
          "HOUR",
          "HOURS",
          "MINUTE",
          "MINUTES",
          "SECOND",
          "SECONDS",
          "MILLISECOND",
          "MICROSECOND",
          "NANOSECOND",
          "TO");
  private static final Set<String> TYPED_LITERALS = Set.of("DATE", "TIME", "TIMESTAMP");

  private enum Kind {
    WORD, // identifier or keyword
    QUOTED, // `identifier`
    STRING, // '...'
    NUMBER,
    SYMBOL
  }

  private record Token(Kind kind, String text, int start, int end) {
    boolean is(String symbol) {
      return kind == Kind.SYMBOL && text.equals(symbol);
    }

    boolean word(String keyword) {
      return kind == Kind.WORD && text.equalsIgnoreCase(keyword);
    }
  }

  private record Insert(int at, String text, int order) {}

  /** {@code expr} with divisors guarded by {@code NULLIF(.., 0)} and {@code CAST} as TRY_CAST. */
  public static String rewrite(String expr) {
    List<Token> tokens;
    try {
      tokens = tokenize(expr);
    } catch (IllegalStateException unterminated) {
      return expr; // Flink reports the error in the author's words
    }
    List<Insert> inserts = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      Token t = tokens.get(i);
      boolean afterDot = i > 0 && tokens.get(i - 1).is(".");
      boolean call = i + 1 < tokens.size() && tokens.get(i + 1).is("(");
      if ((t.is("/") || t.is("%")) && i + 1 < tokens.size()) {
        int end = term(tokens, i + 1);
        if (end > i + 1 && !nonZeroNumber(tokens.get(end - 1), end - (i + 1))) {
          guard(inserts, tokens.get(i + 1).start(), tokens.get(end - 1).end());
        }
      } else if (t.word("CAST") && call && !afterDot) {
        inserts.add(new Insert(t.start(), "TRY_", 1));
      } else if (t.word("MOD") && call && !afterDot) {
        int close = matching(tokens, i + 1);
        int comma = -1;
        for (int j = i + 2; j < close; j++) {
          Token a = tokens.get(j);
          if (a.is("(") || a.is("[")) {
            j = matching(tokens, j);
          } else if (a.word("CASE")) {
            j = caseEnd(tokens, j) - 1;
          } else if (a.is(",")) {
            comma = j;
            break;
          }
        }
        if (comma > 0 && comma + 1 < close && close < tokens.size()) {
          guard(inserts, tokens.get(comma + 1).start(), tokens.get(close - 1).end());
        }
      }
    }
    if (inserts.isEmpty()) {
      return expr;
    }
    inserts.sort(Comparator.comparingInt(Insert::at).thenComparingInt(Insert::order));
    StringBuilder out = new StringBuilder();
    int from = 0;
    for (Insert in : inserts) {
      out.append(expr, from, in.at()).append(in.text());
      from = in.at();
    }
    return out.append(expr.substring(from)).toString();
  }

  /** A divisor that is a number literal other than zero ({@code x / 100}) needs no guard. */
  private static boolean nonZeroNumber(Token last, int termTokens) {
    if (last.kind() != Kind.NUMBER || termTokens != 1) {
      return false;
    }
    try {
      return new java.math.BigDecimal(last.text()).signum() != 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static void guard(List<Insert> inserts, int start, int end) {
    inserts.add(new Insert(start, "NULLIF(", 1));
    inserts.add(new Insert(end, ", 0)", 0)); // a close before an open at the same position
  }

  /** The index after the term that starts at {@code i}, or {@code i} when there is none. */
  private static int term(List<Token> tokens, int i) {
    int n = tokens.size();
    while (i < n && (tokens.get(i).is("-") || tokens.get(i).is("+"))) {
      i++;
    }
    if (i >= n) {
      return i;
    }
    Token t = tokens.get(i);
    if (t.is("(")) {
      i = matching(tokens, i) + 1;
    } else if (t.kind() == Kind.STRING || t.kind() == Kind.NUMBER) {
      i++;
      while (i < n && tokens.get(i).kind() == Kind.STRING) {
        i++; // 'a' 'b' continues the literal
      }
    } else if (t.word("CASE")) {
      i = caseEnd(tokens, i);
    } else if (t.word("INTERVAL")) {
      i = term(tokens, i + 1);
      while (i < n
          && (INTERVAL_UNITS.contains(tokens.get(i).text().toUpperCase(Locale.ROOT))
                  && tokens.get(i).kind() == Kind.WORD
              || tokens.get(i).is("("))) {
        i = tokens.get(i).is("(") ? matching(tokens, i) + 1 : i + 1;
      }
    } else if (t.kind() == Kind.WORD
        && TYPED_LITERALS.contains(t.text().toUpperCase(Locale.ROOT))
        && i + 1 < n
        && tokens.get(i + 1).kind() == Kind.STRING) {
      i += 2;
    } else if (t.kind() == Kind.WORD || t.kind() == Kind.QUOTED) {
      i++;
      if (i < n && tokens.get(i).is("(")) {
        i = matching(tokens, i) + 1;
      }
    } else {
      return i; // not a term: leave it to Flink
    }
    // accessors: a.b, f(x).c, arr[1], m['k']
    while (i < n) {
      Token a = tokens.get(i);
      if (a.is(".") && i + 1 < n) {
        i += 2;
        if (i < n && tokens.get(i).is("(")) {
          i = matching(tokens, i) + 1;
        }
      } else if (a.is("[")) {
        i = matching(tokens, i) + 1;
      } else {
        break;
      }
    }
    return Math.min(i, n);
  }

  /** The index after the END that closes the CASE at {@code i}. */
  private static int caseEnd(List<Token> tokens, int i) {
    int depth = 0;
    for (int j = i; j < tokens.size(); j++) {
      if (tokens.get(j).word("CASE")) {
        depth++;
      } else if (tokens.get(j).word("END") && --depth == 0) {
        return j + 1;
      }
    }
    return tokens.size();
  }

  /** The index of the bracket closing the one at {@code open}, or the last token's index. */
  private static int matching(List<Token> tokens, int open) {
    int depth = 0;
    for (int j = open; j < tokens.size(); j++) {
      Token t = tokens.get(j);
      if (t.is("(") || t.is("[")) {
        depth++;
      } else if ((t.is(")") || t.is("]")) && --depth == 0) {
        return j;
      }
    }
    return tokens.size() - 1;
  }

  private static List<Token> tokenize(String s) {
    List<Token> out = new ArrayList<>();
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      int start = i;
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '-' && i + 1 < n && s.charAt(i + 1) == '-') {
        while (i < n && s.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
        int close = s.indexOf("*/", i + 2);
        if (close < 0) {
          throw new IllegalStateException("unterminated comment");
        }
        i = close + 2;
      } else if (c == '\'' || c == '`' || c == '"') {
        i = quoted(s, i, c);
        out.add(new Token(c == '\'' ? Kind.STRING : Kind.QUOTED, s.substring(start, i), start, i));
      } else if (Character.isDigit(c)
          || (c == '.' && i + 1 < n && Character.isDigit(s.charAt(i + 1)))) {
        while (i < n
            && (Character.isLetterOrDigit(s.charAt(i))
                || s.charAt(i) == '.'
                || ((s.charAt(i) == '+' || s.charAt(i) == '-')
                    && (s.charAt(i - 1) == 'e' || s.charAt(i - 1) == 'E')))) {
          i++;
        }
        out.add(new Token(Kind.NUMBER, s.substring(start, i), start, i));
      } else if (Character.isLetter(c) || c == '_' || c == '$') {
        while (i < n
            && (Character.isLetterOrDigit(s.charAt(i))
                || s.charAt(i) == '_'
                || s.charAt(i) == '$')) {
          i++;
        }
        if (i < n && s.charAt(i) == '\'' && isStringPrefix(s.substring(start, i))) {
          i = quoted(s, i, '\''); // N'..', X'..', _UTF8'..'
          out.add(new Token(Kind.STRING, s.substring(start, i), start, i));
        } else {
          out.add(new Token(Kind.WORD, s.substring(start, i), start, i));
        }
      } else {
        i++;
        out.add(new Token(Kind.SYMBOL, String.valueOf(c), start, i));
      }
    }
    return out;
  }

  private static boolean isStringPrefix(String word) {
    return word.equalsIgnoreCase("N") || word.equalsIgnoreCase("X") || word.startsWith("_");
  }

  /** The index after the quote closing the one at {@code i}; a doubled quote is an escape. */
  private static int quoted(String s, int i, char quote) {
    int j = i + 1;
    while (j < s.length()) {
      if (s.charAt(j) == quote) {
        if (j + 1 < s.length() && s.charAt(j + 1) == quote) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      j++;
    }
    throw new IllegalStateException("unterminated " + quote);
  }
}
