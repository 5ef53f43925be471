package dev.quiver.core.spec;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * "Did you mean" for misspelt keys, types, functions, columns, features and registry names: the one
 * closeness rule of Quiver (spec, registry, catalog, serving and offline all ask here), so a name
 * close enough to be suggested in one place is suggested in every other.
 */
public final class Suggestions {
  private static final LevenshteinDistance DISTANCE = LevenshteinDistance.getDefaultInstance();

  private Suggestions() {}

  /**
   * The candidate closest to {@code wrong} (case-insensitive), if it is close enough to be a typo:
   * at most 2 edits, or a third of the word's length for longer words.
   */
  public static Optional<String> closest(String wrong, Collection<String> candidates) {
    if (wrong == null || wrong.isEmpty()) {
      return Optional.empty();
    }
    String w = wrong.toLowerCase(Locale.ROOT);
    int limit = Math.max(2, w.length() / 3);
    return candidates.stream()
        .filter(c -> distance(w, c, limit) <= limit || isAffix(w, c.toLowerCase(Locale.ROOT)))
        .min(Comparator.comparingInt((String c) -> distance(w, c, limit)).thenComparing(c -> c));
  }

  /** {@code "; did you mean X?"} or the empty string. */
  public static String didYouMean(String wrong, Collection<String> candidates) {
    return closest(wrong, candidates).map(c -> "; did you mean " + c + "?").orElse("");
  }

  /**
   * {@code "; did you mean 'X'?"} or the empty string: for messages that quote the names they
   * print, as Flink SQL's do ({@code option 'quiver.tll': unknown option; did you mean
   * 'quiver.ttl'?}).
   */
  public static String didYouMeanQuoted(String wrong, Collection<String> candidates) {
    return closest(wrong, candidates).map(c -> "; did you mean '" + c + "'?").orElse("");
  }

  /** {@code amount} for {@code amount_usd}, {@code ts} for {@code ts_ms}: a shortened name. */
  private static boolean isAffix(String a, String b) {
    return Math.min(a.length(), b.length()) >= 2 && (a.startsWith(b) || b.startsWith(a));
  }

  /**
   * The edit distance, without the quadratic work when it cannot matter: an affix is exactly the
   * length difference away, and a length difference over {@code limit} is no typo (a distance is at
   * least the length difference). A 4 MB "feature name" in a lookup took seconds of CPU on a
   * registry thread against every candidate, and the request answered 503 TIMEOUT instead of 404.
   */
  private static int distance(String wrong, String candidate, int limit) {
    String c = candidate.toLowerCase(Locale.ROOT);
    int lengthDifference = Math.abs(wrong.length() - c.length());
    if (isAffix(wrong, c)) {
      return lengthDifference;
    }
    return lengthDifference > limit ? Integer.MAX_VALUE : DISTANCE.apply(wrong, c);
  }
}
