package dev.quiver.core.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
  private static final List<String> FEATURES = features();

  private static List<String> features() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      names.add("user_txn_count_" + i + "d");
    }
    return names;
  }

  @Test
  void typosCaseAndShortenedNamesAreSuggested() {
    assertThat(Suggestions.closest("user_txn_cuont_7d", FEATURES)).contains("user_txn_count_7d");
    assertThat(Suggestions.closest("USER_TXN_COUNT_7D", FEATURES)).contains("user_txn_count_7d");
    // a shortened name: the candidate it is a prefix of (the shortest, then by name)
    assertThat(Suggestions.closest("user_txn_count_1", FEATURES)).contains("user_txn_count_1d");
    assertThat(Suggestions.closest("merchant_risk", FEATURES)).isEmpty();
  }

  /**
   * A lookup's "did you mean" for an unknown feature of 4 MB (the request size limit) computed a
   * Levenshtein table of 4M x 20 cells per candidate, twice: seconds of a registry thread's CPU,
   * and the request answered 503 TIMEOUT instead of 404. A name that long is no typo of a short
   * one.
   */
  @Test
  void aHugeNameCostsNoQuadraticWork() {
    String huge = "f".repeat(4_000_000);
    assertThat(assertTimeoutPreemptively(Duration.ofSeconds(2), () -> closest(huge))).isEmpty();
    // still an affix: a huge name that starts with a feature's name suggests it, cheaply
    String longer = "user_txn_count_7d" + "x".repeat(4_000_000);
    assertThat(assertTimeoutPreemptively(Duration.ofSeconds(2), () -> closest(longer)))
        .contains("user_txn_count_7d");
  }

  /** View names (the registry's "did you mean", which had a copy of its own). */
  @Test
  void viewNamesAreSuggestedByTheSameRule() {
    List<String> views = List.of("user_activity_metrics", "merchant_risk");
    assertThat(Suggestions.closest("user_activty_metrics", views))
        .contains("user_activity_metrics");
    assertThat(Suggestions.closest("MERCHANT_RISK", views)).contains("merchant_risk");
    assertThat(Suggestions.closest("session", views)).isEmpty();
    // a shortened name, which the registry's copy (edits only) did not suggest
    assertThat(Suggestions.closest("user_activity", views)).contains("user_activity_metrics");
  }

  /** The catalog's text quotes the name, as Flink SQL's messages do. */
  @Test
  void theQuotedTextQuotesTheName() {
    List<String> options = List.of("quiver.ttl", "quiver.version", "quiver.entities");
    assertThat(Suggestions.didYouMeanQuoted("quiver.tll", options))
        .isEqualTo("; did you mean 'quiver.ttl'?");
    assertThat(Suggestions.didYouMean("quiver.tll", options))
        .isEqualTo("; did you mean quiver.ttl?");
    assertThat(Suggestions.didYouMeanQuoted("connector.type", options)).isEmpty();
  }

  private static java.util.Optional<String> closest(String name) {
    return Suggestions.closest(name, FEATURES);
  }
}
