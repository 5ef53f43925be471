package dev.quiver.core.spec;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import org.apache.commons.text.similarity.LevenshteinDistance;

/** "Did you mean" for misspelt keys, types, functions, columns and features. */
final class Suggestions {
  private static final LevenshteinDistance DISTANCE = LevenshteinDistance.getDefaultInstance();

  private Suggestions() {}

  /**
   * The candidate closest to {@code wrong} (case-insensitive), if it is close enough to be a typo:
   * at most 2 edits, or a third of the word's length for longer words.
   */
  static Optional<String> closest(String wrong, Collection<String> candidates) {
    if (wrong == null || wrong.isEmpty()) {
      return Optional.empty();
    }
    String w = wrong.toLowerCase(Locale.ROOT);
    int limit = Math.max(2, w.length() / 3);
    return candidates.stream()
        .filter(c -> distance(w, c) <= limit)
        .min(Comparator.comparingInt((String c) -> distance(w, c)).thenComparing(c -> c));
  }

  /** {@code "; did you mean X?"} or the empty string. */
  static String didYouMean(String wrong, Collection<String> candidates) {
    return closest(wrong, candidates).map(c -> "; did you mean " + c + "?").orElse("");
  }

  private static int distance(String wrong, String candidate) {
    return DISTANCE.apply(wrong, candidate.toLowerCase(Locale.ROOT));
  }
}
