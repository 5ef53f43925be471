package dev.quiver.jobs;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.online.hbase.HBaseMiniClusterFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The materialization job writing to a real HBase (mini-cluster, in process): online values read
 * back through the FeatureReader equal the plain reference, and Iceberg rows and dead letters too.
 */
class HBaseMaterializationITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();
  static HBaseMiniClusterFixture hbase;

  @TempDir Path tmp;

  @BeforeAll
  static void startHBase() throws Exception {
    // The HBase test utility points java.io.tmpdir at its own test-data directory and deletes it
    // on shutdown; Flink's planner loader extracts its jar (once per JVM) into java.io.tmpdir, so
    // keep the JVM's own tmpdir for the test classes that run after this one in the same JVM.
    String tmpdir = System.getProperty("java.io.tmpdir");
    hbase = HBaseMiniClusterFixture.start();
    System.setProperty("java.io.tmpdir", tmpdir);
  }

  @AfterAll
  static void stopHBase() throws Exception {
    if (hbase != null) {
      hbase.close();
    }
  }

  @Test
  void hbaseOnlineAndIcebergEqualTheReference() throws Exception {
    QuiverConfig storeConfig = hbase.config("quiver_jobs_it");
    Map<String, String> online = new LinkedHashMap<>();
    storeConfig.asMap().forEach((k, v) -> online.put("store." + k, v));
    // an event whose key is longer than an HBase row key may be (32,767 bytes): a malformed dead
    // letter, and the job keeps running (the HBase client threw on it and failed the job forever)
    List<Transactions.Record> records = new ArrayList<>(Transactions.generate(800, 99));
    int at = records.size() / 2;
    records.add(at, Transactions.longKey(records, at, 40_000));
    harness.assertMaterializesLikeTheReference(
        Transactions.view("txn-hbase", true, true), records, tmp, online, storeConfig);
  }
}
