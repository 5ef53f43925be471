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
}
