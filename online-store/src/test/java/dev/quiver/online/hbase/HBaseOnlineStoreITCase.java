package dev.quiver.online.hbase;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.online.FeatureReaderContract;
import dev.quiver.online.OnlineRead;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStoreContract;
import dev.quiver.online.OnlineStores;
import dev.quiver.online.OnlineWrite;
import dev.quiver.online.ViewTableId;
import java.time.Duration;
import java.util.List;
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
}
