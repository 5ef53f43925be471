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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.Table;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A row feature over an event time ({@code HOUR(ts)}, {@code DATE_FORMAT(ts, ...)}) is computed in
 * UTC by the streaming job whatever the machine's time zone, as backfills compute it. Before: only
 * views with a tumbling window ran in UTC; the others took the JVM's zone, so on a machine at
 * +05:30 the streaming job wrote hour 1 of the next day where a backfill of the same event wrote
 * hour 20. Real KRaft broker, Flink MiniCluster, Iceberg on a temp dir.
 */
class TimeZoneITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  @TempDir Path tmp;

  @Test
  void rowFeaturesOverTimesAreUtcWhateverTheMachineZone() throws Exception {
    TimeZone machine = TimeZone.getDefault();
    TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kolkata"));
    try {
      String topic = "txn-zone";
      harness.createTopics(topic);
      long t = Instant.parse("2026-11-27T20:10:00Z").toEpochMilli(); // 01:40 on the 28th at +05:30
      String json =
          "{\"txn_id\":\"z1\",\"user_id\":\"u1\",\"merchant\":\"m\",\"amount\":1.0,\"ts\":"
              + t
              + "}";
      harness.produce(
          topic,
          List.of(
              new Transactions.Record(
                  json.getBytes(StandardCharsets.UTF_8),
                  new Transactions.Txn("z1", "u1", "m", 1.0, t),
                  null)));
      FeatureView view =
          FeatureView.builder("zoned")
              .entities(List.of("user"))
              .source(Transactions.source(topic))
              .features(
                  List.of(
                      new Feature("ts_hour", FeatureType.INT64, "", "HOUR(ts)", null, Map.of()),
                      new Feature(
                          "ts_day",
                          FeatureType.STRING,
                          "",
                          "DATE_FORMAT(ts, 'yyyy-MM-dd')",
                          null,
                          Map.of())))
              .ttl(Duration.ofDays(30))
              .build();
      Path warehouse = tmp.resolve("warehouse");
      JobClient job = harness.start(view, harness.config(tmp), warehouse, Map.of(), null);
      try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
        Table table = catalog.loadTable(OfflineTables.identifier(view));
        MaterializationHarness.awaitRows(table, 1, Duration.ofSeconds(60));
        MaterializationHarness.stop(job);
        assertThat(
                IcebergRows.read(
                    table, null, null, r -> r.getField("ts_hour") + "|" + r.getField("ts_day")))
            .containsExactly("20|2026-11-27");
      }
    } finally {
      TimeZone.setDefault(machine);
    }
  }
}
