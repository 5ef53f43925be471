package dev.quiver.online.hbase;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.online.OnlineRead;
import dev.quiver.online.OnlineReadResult;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import dev.quiver.online.OnlineWrite;
import dev.quiver.online.ViewTableId;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HBase stopped under a live store: reads fail per key within the operation timeout (never hang),
 * and the same store instance serves again after HBase restarts. Also exercises the fixture's
 * stop/restart that the serving fault test relies on.
 */
class HBaseOnlineStoreFaultITCase {
  private static final ViewTableId TABLE = new ViewTableId("fault", "txn", 1);
  private static HBaseMiniClusterFixture hbase;
  private static OnlineStore store;

  @BeforeAll
  static void start() throws Exception {
    hbase = HBaseMiniClusterFixture.start();
    store = OnlineStores.open(hbase.config("quiver_fault"));
    store.ensureTable(TABLE, Duration.ofDays(1));
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

  @Test
  void readsFailFastWhileHBaseIsDownAndRecoverAfterARestart() throws Exception {
    byte[] k = {1, 2, 3};
    long now = System.currentTimeMillis();
    store.multiPut(List.of(new OnlineWrite(TABLE, k, "f", now, new byte[] {42}))).join();
    List<OnlineRead> reads = List.of(OnlineRead.latest(TABLE, k, List.of("f")));
    assertThat(store.multiGet(reads).join().get(0).cells().get("f").value()).containsExactly(42);

    hbase.stopHBase();
    long t0 = System.nanoTime();
    // the batch completes (no hang) with a per-key error, within the 5 s operation timeout + slack
    OnlineReadResult down = store.multiGet(reads).get(30, TimeUnit.SECONDS).get(0);
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(down.ok()).isFalse();
    assertThat(tookMs).isLessThan(15_000);

    hbase.startHBase();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    OnlineReadResult up = null;
    while (System.nanoTime() < deadline) {
      up = store.multiGet(reads).get(30, TimeUnit.SECONDS).get(0);
      if (up.ok()) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(up).isNotNull();
    assertThat(up.error()).isNull();
    assertThat(up.cells().get("f").value()).containsExactly(42);
  }
}
