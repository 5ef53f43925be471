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
 * builds (nothing runs): the dedup map state and one tile accumulator per (entity, resolution,
 * tile), and nothing else. A {@code SinkUpsertMaterializer} (the planner adds one when an upsert
 * sink's primary key differs from the query's upsert key) or a {@code ChangelogNormalize} would
 * each be another RocksDB read and write per row: the tiles sink's primary key is the GROUP BY key,
 * so neither is planned, and this test fails if a change to the SQL brings one in.
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
    // in the order the operators were added (getStreamNodes() is a HashMap's values: past its
    // capacity in ids, its order is not the graph's)
    List<String> keyed =
        env.getStreamGraph(false).getStreamNodes().stream()
            .sorted(java.util.Comparator.comparingInt(StreamNode::getId))
            .filter(n -> n.getStatePartitioners().length > 0)
            .map(StreamNode::getOperatorName)
            .toList();

    assertThat(keyed).hasSize(2);
    assertThat(keyed.get(0)).isEqualTo("dedup:txn_id");
    assertThat(keyed.get(1)).startsWith("GroupAggregate[");
    assertThat(operators)
        .noneMatch(n -> n.contains("SinkMaterializer"))
        .noneMatch(n -> n.contains("ChangelogNormalize"))
        .noneMatch(n -> n.contains("Deduplicate"))
        .noneMatch(n -> n.contains("Join"));
    assertThat(plan.sqlText()).contains(JobPlanner.TILE_FUNCTION + "(");
  }
}
