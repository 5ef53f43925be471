package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.Transactions;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.junit.jupiter.api.Test;

/**
 * How long the job keeps its state: dedup keys for {@code jobs.dedup-ttl}, tile accumulators at
 * least as long as the longest tile (the 1d rollup) can still receive events. Session 12 QA pass:
 * the tile floor used the fine tile (2 × (1m + 5s + 10s) here), so with {@code jobs.dedup-ttl: 1h}
 * a 1d rollup tile's state expired while its day was still open, and the next event of the day
 * rewrote the online tile with that event alone.
 */
class StateRetentionTest {
  @Test
  void tileStateOutlivesTheLongestTileDedupKeysTheConfiguredTtl() {
    FeatureView view = Transactions.view("t", true, true);
    QuiverConfig config = QuiverConfig.of(Map.of(JobOptions.DEDUP_TTL.key(), "1h"));
    StreamTableEnvironment tEnv =
        StreamTableEnvironment.create(StreamExecutionEnvironment.getExecutionEnvironment());
    StreamingPipeline.configureTables(tEnv, view, config);
    Duration day = Duration.ofDays(1);
    Duration open = day.plus(Transactions.WATERMARK_DELAY).plus(Transactions.LATENESS);
    assertThat(tEnv.getConfig().getIdleStateRetention()).isEqualTo(open.multipliedBy(2));
    assertThat(StreamingPipeline.stateTtl(view, config)).isEqualTo(Duration.ofHours(1));
    // a configured TTL above the floor is kept for both
    QuiverConfig week = QuiverConfig.of(Map.of(JobOptions.DEDUP_TTL.key(), "7d"));
    StreamingPipeline.configureTables(tEnv, view, week);
    assertThat(tEnv.getConfig().getIdleStateRetention()).isEqualTo(Duration.ofDays(7));
  }
}
