package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.IcebergRows;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.offline.OfflineTables;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.Table;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TIMESTAMP value with digits below the millisecond (ISO-8601 text such as {@code
 * 2026-...:05.123456Z}) is the same value online and offline: the online store keeps epoch
 * milliseconds, so the Iceberg row must hold {@code .123}, not {@code .123456}.
 */
class TimestampPrecisionITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  @TempDir Path tmp;

  @Test
  void aSubMillisecondTimestampIsTheSameValueOnlineAndOffline() throws Exception {
    String topic = "txn-micros";
    harness.createTopics(topic);
    Instant t = Transactions.T0.plusMillis(123).plusNanos(456_789);
    String json =
        "{\"txn_id\":\"p1\",\"user_id\":\"u1\",\"merchant\":\"m\",\"amount\":1.0,\"ts\":\""
            + t
            + "\"}";
    harness.produce(
        topic,
        List.of(
            new Transactions.Record(
                json.getBytes(StandardCharsets.UTF_8),
                new Transactions.Txn("p1", "u1", "m", 1.0, t.toEpochMilli()),
                null)));
    FeatureView view =
        FeatureView.builder("ts_precision")
            .entities(List.of("user"))
            .source(Transactions.source(topic))
            .features(
                List.of(new Feature("seen_at", FeatureType.TIMESTAMP, "", "ts", null, Map.of())))
            .ttl(Duration.ofDays(30))
            .allowedLateness(Transactions.LATENESS)
            .tileSize(Transactions.TILE)
            .build();
    Path warehouse = tmp.resolve("warehouse");
    Map<String, String> online = MaterializationHarness.embedded(tmp.resolve("online"));
    JobClient job = harness.start(view, harness.config(tmp), warehouse, online, null);
    Instant millis = Instant.ofEpochMilli(t.toEpochMilli()); // the reference: .123
    try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
      Table table = catalog.loadTable(OfflineTables.identifier(view));
      MaterializationHarness.awaitRows(table, 1, Duration.ofSeconds(60));
      MaterializationHarness.stop(job);
      assertThat(
              IcebergRows.read(
                  table,
                  null,
                  null,
                  r -> String.valueOf(((OffsetDateTime) r.getField("seen_at")).toInstant())))
          .containsExactly(millis.toString());
    }
    try (OnlineStore store = OnlineStores.open(MaterializationHarness.storeConfig(online))) {
      Object got =
          new FeatureReader(store, Clock.systemUTC())
              .read(
                  view,
                  List.of("seen_at"),
                  List.of(EntityKeyCodec.encode(Transactions.keys(), List.of("u1"))),
                  t.toEpochMilli() + 1)
              .get()
              .get(0)
              .features()
              .get("seen_at")
              .value();
      assertThat(got).isEqualTo(millis);
    }
  }
}
