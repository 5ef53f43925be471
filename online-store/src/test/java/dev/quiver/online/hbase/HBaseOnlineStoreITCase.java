package dev.quiver.online.hbase;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.online.FeatureReaderContract;
import dev.quiver.online.OnlineRead;
import dev.quiver.online.OnlineReadResult;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStoreContract;
import dev.quiver.online.OnlineStores;
import dev.quiver.online.OnlineWrite;
import dev.quiver.online.UnknownTableException;
import dev.quiver.online.ViewTableId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.hbase.io.encoding.DataBlockEncoding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The contract suite on a real HBase mini-cluster (one per class). */
class HBaseOnlineStoreITCase extends OnlineStoreContract {
  private static HBaseMiniClusterFixture hbase;
  private static OnlineStore store;

  @BeforeAll
  static void start() throws Exception {
    hbase = HBaseMiniClusterFixture.start();
    store = OnlineStores.open(hbase.config("quiver_contract"));
    createTables(store);
  }

  @AfterAll
  static void stop() throws Exception {
    if (store != null) {
      store.close();
    }
    if (hbase != null) {
      hbase.close();
    }
  }

  @Override
  protected OnlineStore store() {
    return store;
  }

  /** FeatureReader end to end on HBase, on the same mini-cluster. */
  @Nested
  class FeatureReads extends FeatureReaderContract {
    @Override
    protected OnlineStore store() {
      return store;
    }
  }

  @Test
  void ensureTableUpdatesTheTtlOfAnExistingFamily() {
    store.ensureTable(SHORT_TTL, Duration.ofHours(2));
    long now = System.currentTimeMillis();
    byte[] k = {42};
    store
        .multiPut(
            List.of(
                new OnlineWrite(
                    SHORT_TTL, k, "f", now - Duration.ofMinutes(90).toMillis(), new byte[] {1})))
        .join();
    assertThat(
            store
                .multiGet(List.of(OnlineRead.latest(SHORT_TTL, k, List.of("f"))))
                .join()
                .get(0)
                .cells())
        .containsKey("f");
    store.ensureTable(SHORT_TTL, Duration.ofHours(1));
    assertThat(
            store
                .multiGet(List.of(OnlineRead.latest(SHORT_TTL, k, List.of("f"))))
                .join()
                .get(0)
                .cells())
        .isEmpty();
  }

  /**
   * Every start of a job calls ensureTable (once per sink writer, on every restart too): a family
   * whose settings are unchanged costs two admin reads (exists, descriptor) and no modification
   * (which reopens the table's regions, stalling reads and writes). A changed TTL does modify it.
   */
  @Test
  void ensureTableOfAnUnchangedFamilyModifiesNothing() throws Exception {
    ViewTableId view = new ViewTableId("contract", "restarted", 1);
    store.ensureTable(view, Duration.ofDays(2));
    int before = modifications();
    for (int i = 0; i < 3; i++) {
      store.ensureTable(view, Duration.ofDays(2));
    }
    assertThat(modifications()).isEqualTo(before);
    store.ensureTable(view, Duration.ofDays(1));
    assertThat(modifications()).isEqualTo(before + 1);
  }

  /** The master's table modifications so far (finished procedures are kept for 15 min). */
  private static int modifications() throws Exception {
    String procedures = hbase.admin().getProcedures();
    return procedures.split("master.procedure.ModifyTableProcedure", -1).length - 1;
  }

  @Test
  void ensureTableSetsTheDataBlockEncodingOfNewAndExistingFamilies() throws Exception {
    ViewTableId view = new ViewTableId("contract", "encoded", 1);
    org.apache.hadoop.hbase.TableName table =
        org.apache.hadoop.hbase.TableName.valueOf("quiver_contract");
    byte[] family = view.familyName().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (OnlineStore plain =
        OnlineStores.open(
            hbase.config("quiver_contract").with("online.hbase.data-block-encoding", "none"))) {
      plain.ensureTable(view, Duration.ofDays(1));
    }
    assertThat(hbase.admin().getDescriptor(table).getColumnFamily(family).getDataBlockEncoding())
        .isEqualTo(DataBlockEncoding.NONE);
    store.ensureTable(view, Duration.ofDays(1)); // the default: ROW_INDEX_V1
    assertThat(hbase.admin().getDescriptor(table).getColumnFamily(family).getDataBlockEncoding())
        .isEqualTo(DataBlockEncoding.ROW_INDEX_V1);
    // data written and flushed with the new encoding reads back
    long now = System.currentTimeMillis();
    store.multiPut(List.of(new OnlineWrite(view, new byte[] {7}, "f", now, new byte[] {9}))).join();
    hbase.flushAndCompact("quiver_contract");
    assertThat(
            store
                .multiGet(List.of(OnlineRead.latest(view, new byte[] {7}, List.of("f"))))
                .join()
                .get(0)
                .cells()
                .get("f")
                .value())
        .containsExactly(9);
  }

  @Test
  void anUnknownDataBlockEncodingIsRejectedWithTheChoices() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                OnlineStores.open(
                    hbase
                        .config("quiver_contract")
                        .with("online.hbase.data-block-encoding", "FAST")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("online.hbase.data-block-encoding: FAST")
        .hasMessageContaining("ROW_INDEX_V1");
  }

  /**
   * A fresh deployment whose servers start before any job created the HBase table: reads and writes
   * are an unknown table (lookups answer NOT_FOUND, the health probe counts it as an answer), not a
   * store failure. A TableNotFoundException was a failure: every lookup STALE, the breaker open and
   * /v1/health 503 until a job created the table.
   */
  @Test
  void aTableThatDoesNotExistYetIsAnUnknownTableNotAFailure() {
    try (OnlineStore fresh = OnlineStores.open(hbase.config("quiver_not_created_yet"))) {
      OnlineReadResult read =
          fresh
              .multiGet(List.of(OnlineRead.latest(TABLE, new byte[] {1}, List.of("f"))))
              .join()
              .get(0);
      assertThat(read.error()).isInstanceOf(UnknownTableException.class);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  fresh
                      .multiPut(
                          List.of(
                              new OnlineWrite(
                                  TABLE,
                                  new byte[] {1},
                                  "f",
                                  System.currentTimeMillis(),
                                  new byte[] {1})))
                      .join())
          .hasCauseInstanceOf(UnknownTableException.class);
    }
  }

  /**
   * A new major version of a view adds a column family to the live table (an online schema change:
   * HBase closes and reopens each region, 2 s and more here). Reads and writes of the current major
   * ride it out on the recommended client settings (10 retries, 100 ms pause: the client retries
   * until the operation timeout, here 20 s for a loaded 2-core machine); with 3 retries they failed
   * after ~0.6 s ("is closing"). The new family has its own TTL and the old one keeps its data.
   */
  @Test
  void aNewMajorVersionAddsAFamilyWhileTheCurrentOneServes() throws Exception {
    try (OnlineStore patient =
        OnlineStores.open(
            hbase.config("quiver_contract").with("online.hbase.operation-timeout", "20s"))) {
      addAFamilyWhileServing(patient);
    }
  }

  private void addAFamilyWhileServing(OnlineStore store) throws Exception {
    ViewTableId v1 = new ViewTableId("contract", "evolving", 1);
    ViewTableId v2 = new ViewTableId("contract", "evolving", 2);
    store.ensureTable(v1, Duration.ofDays(7));
    long now = System.currentTimeMillis();
    byte[] k = {11, 22};
    store.multiPut(List.of(new OnlineWrite(v1, k, "f", now - 1_000, new byte[] {1}))).join();
    java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicInteger reads =
        new java.util.concurrent.atomic.AtomicInteger();
    Thread reader =
        new Thread(
            () -> {
              while (!done.get()) {
                try {
                  OnlineReadResult r =
                      store.multiGet(List.of(OnlineRead.latest(v1, k, List.of("f")))).join().get(0);
                  if (r.error() != null) {
                    errors.add(r.error());
                  } else if (!r.cells().containsKey("f")) {
                    errors.add(new AssertionError("v1 cell missing: " + r.cells()));
                  }
                  store
                      .multiPut(
                          List.of(new OnlineWrite(v1, new byte[] {12}, "f", now, new byte[] {2})))
                      .join();
                  reads.incrementAndGet();
                } catch (RuntimeException e) {
                  errors.add(e);
                }
              }
            });
    reader.start();
    long addMs;
    try {
      Thread.sleep(200);
      long t0 = System.nanoTime();
      store.ensureTable(v2, Duration.ofHours(6));
      addMs = (System.nanoTime() - t0) / 1_000_000;
      Thread.sleep(500);
    } finally {
      done.set(true);
      reader.join();
    }
    System.out.printf(
        "new family added in %d ms, %d v1 reads and writes meanwhile%n", addMs, reads.get());
    assertThat(errors).as("v1 reads and writes during the schema change").isEmpty();
    assertThat(reads.get()).isGreaterThan(5);
    org.apache.hadoop.hbase.TableName table =
        org.apache.hadoop.hbase.TableName.valueOf("quiver_contract");
    var descriptor = hbase.admin().getDescriptor(table);
    assertThat(descriptor.getColumnFamily(family(v2)).getTimeToLive()).isEqualTo(6 * 3600);
    assertThat(descriptor.getColumnFamily(family(v1)).getTimeToLive()).isEqualTo(7 * 24 * 3600);
    store.multiPut(List.of(new OnlineWrite(v2, k, "g", now, new byte[] {3}))).join();
    assertThat(store.multiGet(List.of(OnlineRead.latest(v2, k, List.of()))).join().get(0).cells())
        .containsOnlyKeys("g");
    assertThat(store.multiGet(List.of(OnlineRead.latest(v1, k, List.of()))).join().get(0).cells())
        .containsOnlyKeys("f");
  }

  /**
   * Sink writers starting at once (a job's parallel subtasks, a restart, a second job or a backfill
   * beside it), in one process and in several, each calling ensureTable with a view's changed TTL
   * and with a new major's family: every call succeeds and the table ends with every family at its
   * TTL. Before, each writer opened its own connection and the master refused all but one of the
   * concurrent modifications (ConcurrentTableModificationException), failing the other writers.
   */
  @Test
  void concurrentWritersChangingTtlsAndAddingFamiliesAllSucceed() throws Exception {
    ViewTableId view = new ViewTableId("contract", "raced", 1);
    store.ensureTable(view, Duration.ofDays(1));
    int processes = 3;
    int writers = 8;
    List<OnlineStore> stores = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      // a client setting that differs stands for another process: a connection of its own
      stores.add(
          OnlineStores.open(
              hbase
                  .config("quiver_contract")
                  .with(
                      "online.hbase.properties.hbase.client.pause",
                      Integer.toString(100 + i % processes))));
    }
    // one connection per "process", the class's store sharing the first (same settings)
    assertThat(SharedHBaseConnection.openConnections()).isEqualTo(processes);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CyclicBarrier go = new CyclicBarrier(writers);
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        OnlineStore s = stores.get(i);
        int major = 2 + i % 3;
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  s.ensureTable(view, Duration.ofDays(2));
                  s.ensureTable(
                      new ViewTableId("contract", "raced", major), Duration.ofHours(major));
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
      for (OnlineStore s : stores) {
        s.close();
      }
    }
    assertThat(SharedHBaseConnection.openConnections()).as("the class's store's").isEqualTo(1);
    var descriptor =
        hbase.admin().getDescriptor(org.apache.hadoop.hbase.TableName.valueOf("quiver_contract"));
    assertThat(descriptor.getColumnFamily(family(view)).getTimeToLive()).isEqualTo(2 * 86_400);
    for (int major = 2; major <= 4; major++) {
      assertThat(
              descriptor
                  .getColumnFamily(family(new ViewTableId("contract", "raced", major)))
                  .getTimeToLive())
          .isEqualTo(major * 3600);
    }
    // the writers' stores are closed; the class's store, on the same cluster, still answers
    long now = System.currentTimeMillis();
    store.multiPut(List.of(new OnlineWrite(view, new byte[] {7}, "f", now, new byte[] {1}))).join();
    assertThat(
            store
                .multiGet(List.of(OnlineRead.latest(view, new byte[] {7}, List.of("f"))))
                .join()
                .get(0)
                .cells())
        .containsKey("f");
  }

  private static byte[] family(ViewTableId view) {
    return view.familyName().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
