package dev.quiver.core.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FeatureRefTest {
  @ParameterizedTest
  @CsvSource(
      nullValues = "-",
      value = {
        "user_7d_txn_count, -, -, user_7d_txn_count",
        "user_7d_txn_count:v3, -, v3, user_7d_txn_count",
        "user_7d_txn_count:v3.1, -, v3.1, user_7d_txn_count",
        "user_activity_metrics.user_7d_txn_count, user_activity_metrics, -, user_7d_txn_count",
        "user_activity_metrics:v3.user_7d_txn_count, user_activity_metrics, v3, user_7d_txn_count",
        "user_activity_metrics:v3.2.user_7d_txn_count, user_activity_metrics, v3.2, user_7d_txn_count",
        "m:latest.f, m, latest, f",
      })
  void parsesEveryFormAndPrintsItBack(String text, String view, String version, String feature) {
    FeatureRef ref = FeatureRef.parse(text);
    assertThat(ref).isEqualTo(new FeatureRef(view, version, feature));
    assertThat(ref.toString()).isEqualTo(text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a.b.c", "a:", ":v3", "a:vx.b", "a..b", "a:v3.", ".a"})
  void rejectsMalformedReferencesNamingTheForms(String text) {
    assertThatThrownBy(() -> FeatureRef.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "feature reference: '"
                + text
                + "' (expected: feature, feature:v3, view.feature or view:v3.feature)");
  }

  /**
   * Feast writes a feature {@code view:feature}; here ':' pins a version, and the generic error did
   * not say how to write it. Now the error names the Quiver spelling.
   */
  @org.junit.jupiter.api.Test
  void aFeastStyleReferenceIsAnsweredWithTheQuiverSpelling() {
    assertThatThrownBy(() -> FeatureRef.parse("user_activity:user_txn_count_1h"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "feature reference: 'user_activity:user_txn_count_1h' (expected: feature, feature:v3,"
                + " view.feature or view:v3.feature; ':' pins a version: for feature"
                + " user_txn_count_1h of view user_activity write user_activity.user_txn_count_1h,"
                + " where Feast writes view:feature)");
  }

  /** {@code latest} in any case, as the object form {"version": "LATEST"} and v/V take it. */
  @org.junit.jupiter.api.Test
  void latestIsCaseInsensitive() {
    assertThat(FeatureRef.parse("f:LATEST")).isEqualTo(new FeatureRef(null, "latest", "f"));
    assertThat(FeatureRef.parse("m:Latest.f")).isEqualTo(new FeatureRef("m", "latest", "f"));
  }
}
