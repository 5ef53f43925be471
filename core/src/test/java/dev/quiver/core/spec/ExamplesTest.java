package dev.quiver.core.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ExamplesTest {
  static final Path EXAMPLES = Path.of("..", "examples");

  @Test
  void examplesDirectoryParsesAsOneBundle() {
    SpecParser.ParseResult r;
    try {
      r = SpecParser.parsePath(EXAMPLES);
    } catch (SpecException e) {
      throw new AssertionError(e.getMessage(), e);
    }
    r.warnings().forEach(System.out::println);
    SpecBundle b = r.bundle();
    assertThat(b.entities())
        .extracting(Entity::name)
        .containsExactly("user", "merchant", "session");
    assertThat(b.sources())
        .extracting(Source::name)
        .containsExactly("transactions", "page_views", "sessions");
    assertThat(b.views())
        .extracting(v -> v.name() + ":" + v.version())
        .containsExactly(
            "merchant_risk:v1",
            "session_activity:v1",
            "user_engagement:v1",
            "user_session_history:v1",
            "user_activity:v1",
            "user_activity_metrics:v3");
    assertThat(b.services())
        .extracting(FeatureService::name)
        .containsExactly("fraud_model", "user_risk_profile", "ranking_model");
    // The PRD view names no source; its SQL reads the declared transactions source.
    FeatureView prd = b.views().get(5);
    assertThat(prd.source().name()).isEqualTo("transactions");
    assertThat(r.warnings())
        .extracting(SpecProblem::path)
        .containsExactly("transformations[0].code");
    assertThat(r.warnings().get(0).file()).endsWith("user_activity_metrics.yaml");
  }
}
