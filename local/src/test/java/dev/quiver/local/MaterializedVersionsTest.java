package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecParser;
import dev.quiver.core.spec.ViewStatus;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Which view versions {@code quiver local} materializes when a view has several majors: every major
 * still served (ACTIVE or DEPRECATED), each at its newest revision. Only the view's newest version
 * was considered before: a DRAFT v2 left the ACTIVE v1 without a job, and an ACTIVE v2 stopped v1,
 * which pinned consumers still read.
 */
class MaterializedVersionsTest {
  private static final AtomicInteger DB = new AtomicInteger();

  private static final String SOURCE =
      """
      kind: kafka
      name: transactions
      schema: {user_id: STRING, amount: DOUBLE, event_time: TIMESTAMP}
      event_time_field: event_time
      options: {topic: transactions, format: json}
      ---
      kind: entity
      name: user
      join_keys: [{name: user_id, type: STRING}]
      """;

  private static String view(int major, String status, String... features) {
    StringBuilder f = new StringBuilder();
    for (String name : features) {
      f.append("  - {name: ")
          .append(name)
          .append(", aggregation: {column: amount, function: sum,")
          .append(" window: 1h}}\n");
    }
    return "name: spend\nversion: v"
        + major
        + "\nstatus: "
        + status
        + "\nentities: [user]\nsource: transactions\nttl: 1d\nfeatures:\n"
        + f;
  }

  private static FeatureRegistry registry() {
    return FeatureRegistries.open(
        QuiverConfig.of(
            Map.of("registry.path", "mem:materialized-versions-" + DB.incrementAndGet())));
  }

  private static void apply(FeatureRegistry r, String text) {
    r.apply(SpecParser.parse(SOURCE + "---\n" + text, "spec.yaml").bundle(), "t", false);
  }

  private static List<String> versions(FeatureRegistry r) {
    return LocalRuntime.materializedVersions(r).stream()
        .map(FeatureView::version)
        .map(Object::toString)
        .toList();
  }

  @Test
  void aDraftSuccessorKeepsTheActiveMajorMaterialized() {
    try (FeatureRegistry r = registry()) {
      apply(r, view(1, "ACTIVE", "spend_1h"));
      apply(r, view(2, "DRAFT", "spend_1h"));
      assertThat(versions(r)).containsExactly("v1");
    }
  }

  @Test
  void everyServedMajorRunsAJobAtItsNewestRevision() {
    try (FeatureRegistry r = registry()) {
      apply(r, view(1, "ACTIVE", "spend_1h"));
      apply(r, view(1, "ACTIVE", "spend_1h", "spend_again_1h")); // compatible: v1.1
      apply(r, view(2, "ACTIVE", "spend_1h"));
      assertThat(versions(r)).containsExactly("v1.1", "v2");

      r.setStatus("default", "spend", "v1", ViewStatus.DEPRECATED, null, "t");
      assertThat(versions(r)).containsExactly("v1.1", "v2");

      r.setStatus("default", "spend", "v1", ViewStatus.RETIRED, null, "t");
      assertThat(versions(r)).containsExactly("v2");
    }
  }
}
