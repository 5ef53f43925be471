package dev.quiver.online.hbase;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.online.FeatureReaderContract;
import dev.quiver.online.OnlineRead;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStoreContract;
import dev.quiver.online.OnlineStores;
import dev.quiver.online.OnlineWrite;
import java.time.Duration;
import java.util.List;
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
}
