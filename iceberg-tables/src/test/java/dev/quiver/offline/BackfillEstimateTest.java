package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.quiver.core.config.QuiverConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A dry run's estimated time (issue 5): it was 5 s plus the rows to append at one rate, so a narrow
 * range over a long history (whose files the job reads whole) and a rerun that appends nothing both
 * said about 5 s. It is now a start-up plus the history records read plus the rows written, each at
 * its own rate.
 */
class BackfillEstimateTest {
  private static final QuiverConfig DEFAULTS = QuiverConfig.of(Map.of());

  @Test
  void aRerunThatAppendsNothingStillPaysForReadingItsHistory() {
    double rerun = Backfill.estimatedSeconds(DEFAULTS, 10_000_000, 0);
    assertThat(rerun).isCloseTo(Backfill.START_UP_SECONDS + 10_000_000 / 250_000.0, within(1e-9));
    assertThat(rerun).isGreaterThan(40);
  }

  @Test
  void aNarrowRangeOverALongHistoryCostsTheHistoryNotTheRange() {
    double narrow = Backfill.estimatedSeconds(DEFAULTS, 10_000_000, 1_000);
    double whole = Backfill.estimatedSeconds(DEFAULTS, 10_000_000, 10_000_000);
    double small = Backfill.estimatedSeconds(DEFAULTS, 1_000, 1_000);
    assertThat(narrow).isGreaterThan(small + 35).isLessThan(whole);
  }

  @Test
  void theDefaultsMatchBackfillBenchEndToEnd() {
    // BackfillBench: 1M events from Parquet, each read once and written once, in ~16.5 s
    double bench = Backfill.estimatedSeconds(DEFAULTS, 1_000_000, 1_000_000);
    assertThat(bench).isCloseTo(16.5, within(1.0));
  }

  @Test
  void eachPartUsesItsOwnConfiguredRateAndUnknownCountsAreZero() {
    QuiverConfig c =
        QuiverConfig.of(
            Map.of(
                "offline.backfill.estimated-read-rate", "1000",
                "offline.backfill.estimated-write-rate", "100"));
    assertThat(Backfill.estimatedSeconds(c, 2_000, 300))
        .isCloseTo(Backfill.START_UP_SECONDS + 2 + 3, within(1e-9));
    assertThat(Backfill.estimatedSeconds(c, -1, 0)).isEqualTo(Backfill.START_UP_SECONDS);
  }

  @Test
  void theEstimateIsInTenthsOfASecond() {
    // 5 s + 10 / 250,000 s + 5 / 125,000 s printed as 5.000079999999999
    assertThat(Backfill.estimatedSeconds(DEFAULTS, 10, 5)).isEqualTo(5.0);
    assertThat(Backfill.estimatedSeconds(DEFAULTS, 30_000, 0)).isEqualTo(5.1);
  }

  @Test
  void aRateThatIsNotPositiveIsRefusedNamingItsOption() {
    QuiverConfig c = QuiverConfig.of(Map.of("offline.backfill.estimated-write-rate", "0"));
    assertThatThrownBy(() -> Backfill.estimatedSeconds(c, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "offline.backfill.estimated-write-rate: 0.0 (expected: a finite rate > 0, e.g."
                + " 125000.0)");
  }
}
