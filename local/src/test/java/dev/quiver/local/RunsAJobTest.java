package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.core.spec.ViewStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which views {@code quiver local} materializes: streaming ones that are still served. A view whose
 * only version was deprecated through the API (still served, with a warning) had no job after the
 * next start, and every lookup of it was NOT_FOUND (session 13 QA pass).
 */
class RunsAJobTest {
  private static FeatureView view(String kind, ViewStatus status) {
    Source source =
        new Source(
            "default",
            "transactions",
            kind,
            List.of(
                new SourceField("user_id", FeatureType.STRING),
                new SourceField("event_time", FeatureType.TIMESTAMP)),
            "event_time",
            null,
            Duration.ZERO,
            Map.of("topic", "transactions", "format", "json"));
    return FeatureView.builder("user_activity")
        .entities(List.of("user"))
        .source(source)
        .features(List.of(Feature.row("user_id_copy", FeatureType.STRING)))
        .ttl(Duration.ofDays(1))
        .status(status)
        .build();
  }

  @Test
  void streamingViewsThatAreStillServedRunAJob() {
    assertThat(LocalRuntime.runsAJob(view("kafka", ViewStatus.ACTIVE))).isTrue();
    assertThat(LocalRuntime.runsAJob(view("kafka", ViewStatus.DEPRECATED))).isTrue();
    assertThat(LocalRuntime.runsAJob(view("kafka", ViewStatus.DRAFT))).isFalse();
    assertThat(LocalRuntime.runsAJob(view("kafka", ViewStatus.RETIRED))).isFalse();
    assertThat(LocalRuntime.runsAJob(view("parquet", ViewStatus.ACTIVE))).isFalse();
  }
}
