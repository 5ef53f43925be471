package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.KafkaBroker;
import dev.quiver.jobs.testing.OnlineReference;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import dev.quiver.online.hbase.HBaseMiniClusterFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The materialization job writing to a real HBase (mini-cluster, in process): online values read
 * back through the FeatureReader equal the plain reference, and Iceberg rows too.
 */
class HBaseMaterializationITCase {
  static KafkaBroker kafka;
  static HBaseMiniClusterFixture hbase;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    kafka = KafkaBroker.start();
    MaterializationITCase.kafka = kafka;
    // The HBase test utility points java.io.tmpdir at its own test-data directory and deletes it
    // on shutdown; Flink's planner loader extracts its jar (once per JVM) into java.io.tmpdir, so
    // keep the JVM's own tmpdir for the test classes that run after this one in the same JVM.
    String tmpdir = System.getProperty("java.io.tmpdir");
    hbase = HBaseMiniClusterFixture.start();
    System.setProperty("java.io.tmpdir", tmpdir);
  }

  @AfterAll
  static void stop() throws Exception {
    if (hbase != null) {
      hbase.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void hbaseOnlineAndIcebergEqualTheReference() throws Exception {
    String topic = "txn-hbase";
    kafka.createTopic(topic, 1);
    kafka.createTopic(topic + ".dlq", 1);
    List<Reference.Sent> log = MaterializationITCase.produce(topic, Transactions.generate(800, 99));
    Reference ref =
        new Reference(
            log, Transactions.WATERMARK_DELAY.toMillis(), Transactions.LATENESS.toMillis());
    MaterializationITCase.assertAdversarial(log, ref);

    QuiverConfig storeConfig = hbase.config("quiver_jobs_it");
    Map<String, String> online = new LinkedHashMap<>();
    storeConfig.asMap().forEach((k, v) -> online.put("store." + k, v));
    FeatureView view = Transactions.view(topic, true, true);
    Path warehouse = tmp.resolve("warehouse");
    JobClient job =
        MaterializationITCase.start(
            view, MaterializationITCase.config(tmp), warehouse, online, null);
    try (HadoopCatalog catalog = MaterializationITCase.catalog(warehouse)) {
      Table table = catalog.loadTable(TableIdentifier.of(Namespace.of("default"), "user_txn_v1"));
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> MaterializationITCase.icebergRows(table).size() >= ref.accepted.size());
      job.cancel().get();
      assertThat(MaterializationITCase.icebergRows(table))
          .isEqualTo(MaterializationITCase.expectedRows(ref));
    }
    try (OnlineStore store = OnlineStores.open(storeConfig)) {
      int compared =
          OnlineReference.assertOnlineEqualsReference(
              store, view, ref.accepted, OnlineReference.readTimes(ref.accepted));
      assertThat(compared).isGreaterThan(1000);
    }
  }
}
