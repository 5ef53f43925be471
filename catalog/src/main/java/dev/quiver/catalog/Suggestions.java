package dev.quiver.catalog;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;

/** "did you mean" for misspelt option keys and column names. */
final class Suggestions {
  private Suggestions() {}

  /**
   * {@code "; did you mean 'x'?"} for the closest candidate within a small edit distance, or "".
   */
  static String didYouMean(String word, Collection<String> candidates) {
    return candidates.stream()
        .min(Comparator.comparingInt(c -> distance(word, c)))
        .filter(c -> distance(word, c) <= Math.max(2, c.length() / 4))
        .map(c -> "; did you mean '" + c + "'?")
        .orElse("");
  }

  /** Levenshtein distance, case-insensitive. */
  static int distance(String a, String b) {
    String x = a.toLowerCase(Locale.ROOT);
    String y = b.toLowerCase(Locale.ROOT);
    int[] prev = new int[y.length() + 1];
    int[] cur = new int[y.length() + 1];
    for (int j = 0; j <= y.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= x.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= y.length(); j++) {
        int sub = prev[j - 1] + (x.charAt(i - 1) == y.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[y.length()];
  }
}
