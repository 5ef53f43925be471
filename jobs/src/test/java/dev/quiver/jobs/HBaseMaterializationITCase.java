package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.KillScenario;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.online.FeatureWriter;
import dev.quiver.online.RowKeys;
import dev.quiver.online.ViewTableId;
import dev.quiver.online.hbase.HBaseMiniClusterFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Future;
import org.apache.flink.core.execution.JobClient;
import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.CellUtil;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.RegionLocator;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
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
    FeatureView view = Transactions.view("txn-hbase", true, true);
    Reference ref =
        harness.assertMaterializesLikeTheReference(view, records, tmp, online, storeConfig);
    assertHBaseLayout(view, ref);
  }

  /**
   * Must show 2 on HBase: the task manager is killed while events arrive; the job restarts from its
   * last checkpoint and replays into the same HBase table, whose upserts make the replay harmless.
   */
  @Test
  void exactlyOnceOnHBaseAcrossATaskManagerFailure() throws Exception {
    ExactlyOnceITCase.taskManagerFailureMidStream(harness, killScenario("txn-hbase-tm"));
  }

  /** Must show 2 on HBase: a full stop mid-stream and a new job restored from the checkpoint. */
  @Test
  void exactlyOnceOnHBaseAcrossAFullStopAndRestore() throws Exception {
    ExactlyOnceITCase.fullStopMidStreamAndRestore(killScenario("txn-hbase-restore"));
  }

  /**
   * HBase stopped while events arrive, and started again: the sink's writes fail, the job restarts
   * from its last checkpoint with quiver materialize's restarts, and ends equal to the reference.
   */
  @Test
  void hbaseStoppedAndRestartedMidStreamEndsEqualToTheReference() throws Exception {
    KillScenario s = killScenario("txn-hbase-outage");
    JobClient job = s.startLocal(null);
    s.produceFirstHalf();
    s.awaitSomeCommitted();
    Future<Void> rest = s.produceSecondHalfSlowly();
    s.awaitMidSecondHalf();
    long t0 = System.nanoTime();
    hbase.stopHBase();
    long stopped = System.nanoTime();
    hbase.startHBase();
    long started = System.nanoTime();
    System.out.printf(
        "HBase outage: stop took %d ms, start %d ms%n",
        (stopped - t0) / 1_000_000, (started - stopped) / 1_000_000);
    rest.get();
    s.awaitAll();
    int attempts = 0;
    for (var v :
        harness.flink().getExecutionGraph(job.getJobID()).get().getAllExecutionVertices()) {
      attempts = Math.max(attempts, v.getCurrentExecutionAttempt().getAttemptNumber());
    }
    System.out.println(
        "job status after the outage: " + job.getJobStatus().get() + ", restarts " + attempts);
    assertThat(attempts).as("restarts of quiver materialize's 10").isBetween(1, 9);
    MaterializationHarness.stop(job);
    s.assertEqualsReference();
  }

  /** A scenario writing to its own HBase table (the view's family would be shared otherwise). */
  private KillScenario killScenario(String topic) throws Exception {
    Map<String, String> online = new LinkedHashMap<>();
    hbase
        .config("quiver_" + topic.replace('-', '_'))
        .asMap()
        .forEach((k, v) -> online.put("store." + k, v));
    return new KillScenario(harness, topic, tmp, online, KillScenario.CHECKPOINT_INTERVAL);
  }

  /**
   * The layout the guide promises, read with the raw HBase client: the view major's column family
   * has the table TTL (the view's 30 days, longer than its longest window plus a day), and each
   * entity's row (salted key) holds one version of a row feature per accepted event time of that
   * entity: cell timestamp = event time; each tile is one cell stamped with the newest event time
   * in it; and the salt spreads the entities over every pre-split region.
   */
  private static void assertHBaseLayout(FeatureView view, Reference ref) throws Exception {
    TableName name = TableName.valueOf("quiver_jobs_it");
    byte[] family = Bytes.toBytes(ViewTableId.of(view).familyName());
    var admin = hbase.admin();
    assertThat(admin.getDescriptor(name).getColumnFamily(family).getTimeToLive())
        .isEqualTo(30 * 24 * 3600)
        .isEqualTo(FeatureWriter.storeTtl(view).toSeconds());
    Map<String, TreeSet<Long>> eventTimes = new TreeMap<>();
    ref.accepted.forEach(
        a -> eventTimes.computeIfAbsent(a.txn().userId(), u -> new TreeSet<>()).add(a.txn().ts()));
    byte[][] starts;
    try (RegionLocator locator = admin.getConnection().getRegionLocator(name)) {
      starts = locator.getStartKeys();
    }
    Set<Integer> regions = new TreeSet<>();
    try (Table table = admin.getConnection().getTable(name)) {
      for (var user : eventTimes.entrySet()) {
        byte[] entity = EntityKeyCodec.encode(Transactions.keys(), List.of(user.getKey()));
        byte[] row = RowKeys.rowKey(entity);
        assertThat(Arrays.copyOfRange(row, RowKeys.SALT_BYTES, row.length)).isEqualTo(entity);
        Result r =
            table.get(
                new Get(row).addColumn(family, Bytes.toBytes("last_amount")).readAllVersions());
        TreeSet<Long> stamps = new TreeSet<>();
        r.listCells().forEach(c -> stamps.add(c.getTimestamp()));
        assertThat(stamps).as(user.getKey()).isEqualTo(user.getValue());
        // tiles: one cell per 1-minute tile of the user's events, its newest version (the complete
        // partial aggregate, upserted) stamped with the newest event time in the tile
        Map<Long, Long> newestInTile = new TreeMap<>();
        for (long ts : user.getValue()) {
          newestInTile.merge(Math.floorDiv(ts, 60_000L) * 60_000L, ts, Math::max);
        }
        Map<Long, Long> tileStamps = new TreeMap<>();
        for (Cell c : table.get(new Get(row).addFamily(family)).listCells()) {
          String q = Bytes.toString(CellUtil.cloneQualifier(c));
          if (q.startsWith("tiles@1m@")) {
            tileStamps.put(Long.parseLong(q.substring("tiles@1m@".length())), c.getTimestamp());
          }
        }
        assertThat(tileStamps).as(user.getKey() + " 1m tiles").isEqualTo(newestInTile);
        regions.add(regionOf(starts, row));
      }
    }
    // salted keys: the 30 users' rows are spread over every pre-split region (4)
    assertThat(starts.length).as("pre-split regions").isEqualTo(4);
    assertThat(regions).as("regions holding the users' rows").hasSize(4);
  }

  private static int regionOf(byte[][] startKeys, byte[] row) {
    int region = 0;
    for (int i = 0; i < startKeys.length; i++) {
      if (Bytes.compareTo(startKeys[i], row) <= 0) {
        region = i;
      }
    }
    return region;
  }
}
