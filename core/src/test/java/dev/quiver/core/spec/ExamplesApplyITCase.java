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
    }
  }
}
