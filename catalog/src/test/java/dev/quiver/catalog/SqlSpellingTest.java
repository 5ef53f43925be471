package dev.quiver.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecProblem;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Spec problems shown in the words of the CREATE TABLE that caused them. */
class SqlSpellingTest {
  private final FeatureView view =
      FeatureView.builder("v")
          .namespace("ml")
          .entities(List.of("user"))
          .ttl(Duration.ofDays(1))
          .features(
              List.of(
                  new Feature("amount", FeatureType.INT32, "", null, null, Map.of()),
                  new Feature(
                      "pages_1h",
                      FeatureType.arrayOf(FeatureType.Scalar.STRING),
                      "",
                      null,
                      new Aggregation("page", AggregationFunction.LAST_N, Duration.ofHours(1), 0),
                      Map.of())))
          .build();

  private String describe(String path, String message, String hint) {
    return SqlSpelling.describe(
        new SpecProblem(SpecProblem.Severity.ERROR, null, path, 0, message, hint), view);
  }

  @Test
  void specPathsBecomeColumnsAndOptions() {
    assertThat(SqlSpelling.element("features[0].dtype", view)).isEqualTo("column 'amount'");
    assertThat(SqlSpelling.element("features[0].expr", view))
        .isEqualTo("option 'quiver.feature.amount.expression'");
    assertThat(SqlSpelling.element("features[1].aggregation.n", view))
        .isEqualTo("option 'quiver.feature.pages_1h.aggregation'");
    assertThat(SqlSpelling.element("features[1].tags.team", view))
        .isEqualTo("option 'quiver.feature.pages_1h.tags.team'");
    assertThat(SqlSpelling.element("ttl_seconds", view)).isEqualTo("option 'quiver.ttl'");
    assertThat(SqlSpelling.element("tile_size", view)).isEqualTo("option 'quiver.tile-size'");
    assertThat(SqlSpelling.element("entities[0]", view)).isEqualTo("option 'quiver.entities'");
    assertThat(SqlSpelling.element("tags.serving.max_staleness_ms", view))
        .isEqualTo("option 'quiver.tags.serving.max_staleness_ms'");
    assertThat(SqlSpelling.element("transformations[1].language", view))
        .isEqualTo("option 'quiver.transformation.2'");
  }

  @Test
  void specTypesKeysAndFixesBecomeSql() {
    assertThat(
            describe(
                "features[0].dtype",
                "'INT32' but source column 'amount' is INT64",
                "write dtype: INT64, or convert with expr: CAST(amount AS INT)"))
        .isEqualTo(
            "column 'amount': 'INT' but source column 'amount' is BIGINT; declare the column as"
                + " BIGINT, or convert with 'quiver.feature.amount.expression'='CAST(amount AS"
                + " INT)'");
    assertThat(describe("tile_size", "0s (expected: > 0)", "e.g. tile_size: 5m (the default)"))
        .isEqualTo(
            "option 'quiver.tile-size': 0s (expected: > 0); e.g. 'quiver.tile-size'='5m'"
                + " (the default)");
    assertThat(
            describe(
                "sla_freshness_seconds", "-1s (expected: >= 0)", "e.g. sla_freshness_seconds: 60"))
        .isEqualTo(
            "option 'quiver.sla.freshness': -1s (expected: >= 0); e.g."
                + " 'quiver.sla.freshness'='1m'");
    assertThat(
            describe(
                "features[1].aggregation.n",
                "missing (last_n needs it)",
                "write n: 10 (how many most recent values to keep, 1..1000)"))
        .isEqualTo(
            "option 'quiver.feature.pages_1h.aggregation': missing (last_n needs it); write"
                + " 'last_n(page, 10) over 1h' (how many most recent values to keep, 1..1000)");
    assertThat(describe("features[1].dtype", "'ARRAY<STRING>' is not ARRAY<FLOAT64>", ""))
        .isEqualTo("column 'pages_1h': 'ARRAY<STRING>' is not ARRAY<DOUBLE>");
  }
}
