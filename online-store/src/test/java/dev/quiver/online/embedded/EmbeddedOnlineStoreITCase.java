package dev.quiver.online.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.online.OnlineRead;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStoreContract;
import dev.quiver.online.OnlineStores;
import dev.quiver.online.OnlineWrite;
import dev.quiver.online.ViewTableId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract suite on a real RocksDB, plus what only the embedded store does. */
class EmbeddedOnlineStoreITCase extends OnlineStoreContract {
  @TempDir static Path dir;
  private static OnlineStore store;

  @BeforeAll
  static void open() {
    store = OnlineStores.open(config(dir.resolve("db")));
    createTables(store);
  }

  @AfterAll
  static void close() {
    store.close();
  }

  private static QuiverConfig config(Path path) {
    return QuiverConfig.of(
        Map.of("online.type", "embedded", "online.embedded.path", path.toString()));
  }

  @Override
  protected OnlineStore store() {
    return store;
  }

  @Test
  void twoOpenersOfOnePathShareOneInstanceAndSeeEachOthersWrites() {
    try (OnlineStore second = OnlineStores.open(config(dir.resolve("db")))) {
      byte[] k = "shared-instance".getBytes(StandardCharsets.UTF_8);
      second
          .multiPut(
              List.of(new OnlineWrite(TABLE, k, "f", System.currentTimeMillis(), new byte[] {7})))
          .join();
      assertThat(
              store
                  .multiGet(List.of(OnlineRead.latest(TABLE, k, List.of("f"))))
                  .join()
                  .get(0)
                  .cells()
                  .get("f")
                  .value())
          .containsExactly(7);
    }
    // closing the second opener leaves the first working
    assertThat(
            store.multiGet(List.of(OnlineRead.latest(TABLE, new byte[] {1}, List.of("f")))).join())
        .hasSize(1);
  }

  @Test
  void tablesAndTheirTtlSurviveAReopen() {
    Path p = dir.resolve("reopen");
    ViewTableId t = new ViewTableId("ns", "v", 2);
    byte[] k = {1, 2, 3};
    try (OnlineStore s = OnlineStores.open(config(p))) {
      s.ensureTable(t, Duration.ofDays(3));
      s.multiPut(List.of(new OnlineWrite(t, k, "f", System.currentTimeMillis(), new byte[] {9})))
          .join();
    }
    try (OnlineStore s = OnlineStores.open(config(p))) {
      assertThat(s.multiGet(List.of(OnlineRead.latest(t, k, List.of("f")))).join().get(0).cells())
          .containsKey("f");
    }
  }

  @Test
  void compactionDropsExpiredCells() {
    Path p = dir.resolve("expiry");
    ViewTableId t = new ViewTableId("ns", "expiring", 1);
    try (EmbeddedOnlineStore s = (EmbeddedOnlineStore) OnlineStores.open(config(p))) {
      s.ensureTable(t, Duration.ofHours(1));
      long now = System.currentTimeMillis();
      s.multiPut(
              List.of(
                  new OnlineWrite(
                      t, new byte[] {1}, "f", now - Duration.ofHours(2).toMillis(), new byte[] {1}),
                  new OnlineWrite(
                      t, new byte[] {1}, "f", now - Duration.ofHours(3).toMillis(), new byte[] {2}),
                  new OnlineWrite(t, new byte[] {1}, "f", now, new byte[] {3})))
          .join();
      assertThat(s.countVersions(t)).isEqualTo(3);
      s.compact(t);
      assertThat(s.countVersions(t)).isEqualTo(1);
    }
  }

  @Test
  void unknownStoreTypeListsTheAvailableOnes() {
    assertThatThrownBy(() -> OnlineStores.open(QuiverConfig.of(Map.of("online.type", "redis"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("online.type: 'redis' (expected one of: embedded, hbase)");
  }

  @Test
  void unknownOnlineOptionsAreRejected() {
    assertThatThrownBy(
            () -> OnlineStores.open(QuiverConfig.of(Map.of("online.embedded.pth", "/tmp/x"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Unsupported options: online.embedded.pth (supported: ");
  }
}
