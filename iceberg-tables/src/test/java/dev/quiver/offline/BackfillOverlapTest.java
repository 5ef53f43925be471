package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Backfill#streamingOverlap}: a range that ends where the streaming job still accepts events
 * is warned about (before: a backfill to the end of the current hour beside quiver local appended
 * rows the job then committed again).
 */
class BackfillOverlapTest {
  private static final Instant NOW = Instant.parse("2026-11-28T15:00:00Z");

  private static FeatureView view(Duration lateness) {
    return FeatureView.builder("user_rows")
        .entities(List.of("user"))
        .source(TestViews.txnSource().withWatermarkDelay(Duration.ofSeconds(30)))
        .ttl(Duration.ofDays(1))
        .allowedLateness(lateness)
        .features(List.of(Feature.row("amount", FeatureType.FLOAT64)))
        .build();
  }

  @Test
  void aRangeEndingWhereTheJobStillWritesIsWarnedAbout() {
    FeatureView v = view(Duration.ofMinutes(10));
    // the job accepts events down to now - 30s - 10m = 14:49:30
    assertThat(Backfill.streamingOverlap(v, Instant.parse("2026-11-28T14:49:30Z"), NOW)).isNull();
    assertThat(Backfill.streamingOverlap(v, Instant.parse("2026-11-28T14:49:31Z"), NOW))
        .isEqualTo(
            "the range ends at 2026-11-28T14:49:31Z, after 2026-11-28T14:49:30Z (now less the"
                + " watermark delay 30s and the allowed lateness 10m of default.user_rows): its"
                + " streaming job, if one runs, still writes events of this range, and an event it"
                + " had not committed when this backfill read the table is appended by both, so"
                + " the table holds it twice (docs/backfills.md); end the range at or before that"
                + " time");
  }

  @Test
  void aViewWithoutAStreamingSourceIsNotWarnedAbout() {
    FeatureView batch =
        FeatureView.builder("user_rows")
            .entities(List.of("user"))
            .source(TestViews.txnSource().withKind("parquet"))
            .ttl(Duration.ofDays(1))
            .features(List.of(Feature.row("amount", FeatureType.FLOAT64)))
            .build();
    assertThat(Backfill.streamingOverlap(batch, NOW, NOW)).isNull();
  }
}
