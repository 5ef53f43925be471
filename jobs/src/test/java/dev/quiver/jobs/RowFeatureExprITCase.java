package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.IcebergRows;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.offline.OfflineTables;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.Table;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Row-feature expressions that throw on some event in Flink (an integer division and a MOD by zero,
 * a CAST of text that does not convert) yield null for that event: the job keeps running and the
 * later events materialize. Before the rewrite (SafeExpression), the first event failed the job.
 */
class RowFeatureExprITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  @TempDir Path tmp;

  static FeatureView view(String topic) {
    List<Feature> features =
        List.of(
            new Feature(
                "per_unit", FeatureType.INT64, "", "100 / CAST(amount AS BIGINT)", null, Map.of()),
            new Feature(
                "rest", FeatureType.INT64, "", "MOD(100, CAST(amount AS BIGINT))", null, Map.of()),
            new Feature(
                "merchant_no", FeatureType.INT64, "", "CAST(merchant AS BIGINT)", null, Map.of()));
    return FeatureView.builder("expr_guard")
        .entities(List.of("user"))
        .source(Transactions.source(topic))
        .features(features)
        .ttl(Duration.ofDays(30))
        .allowedLateness(Transactions.LATENESS)
        .tileSize(Transactions.TILE)
        .build();
  }

  @Test
  void anEventThatWouldDivideByZeroGetsNullAndLaterEventsMaterialize() throws Exception {
    String topic = "txn-expr";
    harness.createTopics(topic);
    long t0 = Transactions.T0.toEpochMilli();
    harness.produce(
        topic,
        List.of(
            txn("z1", "u1", "m-a", 0.5, t0), // divisor 0, merchant not a number
            txn("z2", "u2", "42", 4.0, t0 + 1000),
            txn("z3", "u1", "7", 3.0, t0 + 2000)));
    FeatureView view = view(topic);
    Path warehouse = tmp.resolve("warehouse");
    Map<String, String> online = MaterializationHarness.embedded(tmp.resolve("online"));
    JobClient job = harness.start(view, harness.config(tmp), warehouse, online, null);
    try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
      Table table = catalog.loadTable(OfflineTables.identifier(view));
      MaterializationHarness.awaitRows(table, 3, Duration.ofSeconds(60));
      assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
      MaterializationHarness.stop(job);
      assertThat(
              IcebergRows.read(
                  table,
                  null,
                  null,
                  r ->
                      r.getField("user_id")
                          + "|"
                          + IcebergRows.millis(r, "event_time")
                          + "|"
                          + r.getField("per_unit")
                          + "|"
                          + r.getField("rest")
                          + "|"
                          + r.getField("merchant_no")))
          .containsExactly(
              "u1|" + t0 + "|null|null|null",
              "u1|" + (t0 + 2000) + "|33|1|7",
              "u2|" + (t0 + 1000) + "|25|0|42");
    }
  }

  private static Transactions.Record txn(
      String id, String user, String merchant, double amount, long ts) {
    String json =
        "{\"txn_id\":\""
            + id
            + "\",\"user_id\":\""
            + user
            + "\",\"merchant\":\""
            + merchant
            + "\",\"amount\":"
            + amount
            + ",\"ts\":"
            + ts
            + "}";
    return new Transactions.Record(
        json.getBytes(StandardCharsets.UTF_8),
        new Transactions.Txn(id, user, merchant, amount, ts),
        null);
  }
}
