package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.jobs.plan.JobPlanner;
import dev.quiver.jobs.plan.MaterializationPlan;
import dev.quiver.jobs.plan.PlannerSettings;
import dev.quiver.jobs.testing.Transactions;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * The keyed state a materialization job keeps per event, read from the stream graph the planner
 * builds (nothing runs): the dedup map state, one tile accumulator per (entity, finest tile) and
 * one bounded rollup set per (entity, coarsest tile) holding its 1h and 1d tiles, and nothing else:
 * two tile-state accesses per event. A {@code SinkUpsertMaterializer} (the planner adds one by
 * default when an upsert sink's primary key differs from the query's upsert key, as the tiles
 * sink's (entity, resolution, start) does from the rollup set's (entity, coarsest tile); the job
 * turns it off, see {@code StreamingPipeline.configureTables}) or a {@code ChangelogNormalize}
 * would each be another RocksDB read and write per row, and this test fails if a change brings one
 * in.
 */
class StateAccessPlanTest {

  @Test
  void onlyDedupAndTileAggregationKeepKeyedState() {
    QuiverConfig config = QuiverConfig.of(Map.of(JobOptions.PARALLELISM.key(), "2"));
    PlannerSettings online =
        new PlannerSettings(
            true, false, Map.of("store.online.type", "embedded"), "quiver_offline", Map.of());
    MaterializationPlan plan =
        new JobPlanner(online).plan(Transactions.view("t", true, false), Transactions.keys());
    StreamExecutionEnvironment env =
        LocalFlink.localEnvironment(LocalFlink.configuration(config, null, false));
    StreamingPipeline.build(env, plan, config);

    List<String> operators =
        env.getStreamGraph(false).getStreamNodes().stream()
            .map(StreamNode::getOperatorName)
            .toList();
    List<String> keyed =
        env.getStreamGraph(false).getStreamNodes().stream()
            .filter(n -> n.getStatePartitioners().length > 0)
            .map(StreamNode::getOperatorName)
            .toList();

    assertThat(keyed).hasSize(3);
    assertThat(keyed.get(0)).isEqualTo("dedup:txn_id");
    assertThat(keyed.subList(1, 3)).allMatch(n -> n.startsWith("GroupAggregate["));
    assertThat(operators)
        .noneMatch(n -> n.contains("SinkMaterializer"))
        .noneMatch(n -> n.contains("ChangelogNormalize"))
        .noneMatch(n -> n.contains("Deduplicate"))
        .noneMatch(n -> n.contains("Join"));
    // The rollup set is exploded into tile cells by a stateless table function chained after it.
    assertThat(operators).anyMatch(n -> n.startsWith("Correlate["));
    assertThat(plan.sqlText())
        .contains(JobPlanner.TILE_FUNCTION + "('")
        .contains("CAST(60000 AS BIGINT) AS `_tile_res`")
        .contains(JobPlanner.TILE_SET_FUNCTION + "('3600000,86400000', ")
        .contains("MOD(`_event_ms`, 86400000) AS `_tile_group`")
        .contains("GROUP BY `user_id`, `_tile_group`")
        .contains("LATERAL TABLE(" + JobPlanner.TILE_ROWS_FUNCTION + "(");
  }
}
