package dev.quiver.core.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.ApplyResult;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.RegistrySpecContext;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples, parsed, applied to a real embedded registry (H2 on a temporary directory), and read
 * back: what the registry holds prints and re-parses to the same views.
 */
class ExamplesApplyITCase {
  @TempDir Path dir;

  @Test
  void examplesApplyAndReadBackThroughTheWriter() {
    SpecParser.ParseResult parsed = SpecParser.parsePath(Path.of("..", "examples"));
    QuiverConfig config =
        QuiverConfig.of(Map.of("registry.type", "embedded", "registry.path", dir.toString()));
    try (FeatureRegistry registry = FeatureRegistries.open(config)) {
      ApplyResult dry = registry.apply(parsed.bundle(), "test", true);
      assertThat(dry.changes()).isNotEmpty();
      assertThat(
              registry.listViews(
                  new dev.quiver.core.registry.ViewQuery("default", null, null, null, null, 100)))
          .isEmpty();

      registry.apply(parsed.bundle(), "test", false);
      FeatureView prd = parsed.bundle().views().get(5);
      assertThat(registry.getView("default", "user_activity_metrics", "v3").view()).isEqualTo(prd);
      assertThat(registry.getView("default", "user_activity_metrics", "latest").view())
          .isEqualTo(prd);
      ApplyResult reapplied = registry.apply(parsed.bundle(), "test", false);
      assertThat(reapplied.changes()).allMatch(c -> c.action().equals("UNCHANGED"));
      assertThat(registry.listServices("default"))
          .extracting(FeatureService::name)
          .contains("fraud_model", "ranking_model");

      SpecParser.Context context = new RegistrySpecContext(registry);
      for (FeatureView v : parsed.bundle().views()) {
        FeatureView stored =
            registry.getView(v.namespace(), v.name(), v.version().toString()).view();
        String printed = SpecWriter.yaml(stored);
        SpecParser.ParseResult again = SpecParser.parse(printed, "describe.yaml", context);
        assertThat(again.bundle().views()).containsExactly(stored);
        assertThat(again.warnings()).noneMatch(p -> p.path().startsWith("entities"));
      }

      // a misspelt source that the registry holds gets a "did you mean" (it had none: only the
      // files' own sources were suggested, as the spec reference promises for both)
      SpecException e =
          catchThrowableOfType(
              SpecException.class,
              () ->
                  SpecParser.parse(
                      """
                      name: mine
                      entities: [user]
                      source: transaction
                      ttl: 1d
                      features:
                        - {name: n_1h, aggregation: {column: '*', function: count, window: 1h}}
                      """,
                      "mine.yaml",
                      context));
      assertThat(e.problems())
          .filteredOn(p -> p.path().equals("source"))
          .singleElement()
          .satisfies(
              p -> {
                assertThat(p.message()).isEqualTo("'transaction' is not a declared source");
                assertThat(p.hint())
                    .startsWith("did you mean transactions? ")
                    .endsWith("Sources: page_views, sessions, transactions");
              });

      // A feature service's bad references to what the registry holds are all reported at once,
      // each at its line, with the file's other problems: they used to surface one apply later,
      // from the registry, without file:line (only the unknown feature of a view the parser could
      // see was reported first).
      registry.setStatus("default", "merchant_risk", "v1", ViewStatus.DEPRECATED, null, "test");
      registry.setStatus("default", "merchant_risk", "v1", ViewStatus.RETIRED, null, "test");
      SpecException bad =
          catchThrowableOfType(
              SpecException.class,
              () ->
                  SpecParser.parse(
                      """
                      kind: feature_service
                      name: broken
                      features:
                        - user_activity.no_such_feature
                        - user_activity:v9.user_txn_count_1h
                        - user_activty.user_txn_count_1h
                        - merchant_risk:v1.merchant_txn_count
                        - user_activity_metrics:v3.no_such_metric
                        - user_activity.user_txn_count_1h
                      """,
                      "svc.yaml",
                      context));
      assertThat(bad.problems())
          .extracting(SpecProblem::line, SpecProblem::path)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(4, "features[0]"),
              org.assertj.core.groups.Tuple.tuple(5, "features[1]"),
              org.assertj.core.groups.Tuple.tuple(6, "features[2]"),
              org.assertj.core.groups.Tuple.tuple(7, "features[3]"),
              org.assertj.core.groups.Tuple.tuple(8, "features[4]"));
      assertThat(bad.problems().get(0).message())
          .startsWith("unknown feature 'no_such_feature' in view user_activity:v1");
      assertThat(bad.problems().get(1).message())
          .contains("user_activity:v9 does not exist (versions: v1 ACTIVE)");
      assertThat(bad.problems().get(2).message())
          .contains("unknown feature view 'default.user_activty'; did you mean user_activity?");
      assertThat(bad.problems().get(3).message()).contains("merchant_risk:v1 is RETIRED");
      assertThat(bad.problems().get(4).message())
          .startsWith("unknown feature 'no_such_metric' in view user_activity_metrics:v3");
      assertThat(bad.problems()).allMatch(p -> p.hint() != null && !p.hint().isBlank());
    }
  }
}
