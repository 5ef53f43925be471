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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

  /**
   * A file where the store's directory (or one of its parents) should be: the error names the file
   * and the fix (before: "cannot open the embedded online store at P: P", the bare message of a
   * FileAlreadyExistsException).
   */
  @Test
  void aFileInPlaceOfTheDirectoryIsAClearError() throws Exception {
    Path file = dir.resolve("in-the-way");
    java.nio.file.Files.writeString(file, "not a directory");
    for (Path p : List.of(file, file.resolve("db"))) {
      assertThatThrownBy(() -> OnlineStores.open(config(p)))
          .isInstanceOf(dev.quiver.online.OnlineStoreException.class)
          .hasMessageStartingWith("cannot open the embedded online store at " + p + ": ")
          .hasMessageContaining(file + " is a file, not a directory")
          .hasMessageContaining(
              "set online.embedded.path (--set online.embedded.path=DIR) to a directory this"
                  + " process can write, or fix this one (move the file away)");
    }
    java.nio.file.Files.delete(file);
    try (OnlineStore s = OnlineStores.open(config(file.resolve("db")))) {
      assertThat(s).isNotNull();
    }
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
  void aLargeBatchInRandomEntityOrderKeepsTheLastWriteOfEveryRepeatedCell() {
    // The store inserts a batch's cells in key order; writes of one cell must still land in batch
    // order. 3,000 writes over 200 entities x 3 cells (so most cells repeat within the batch, far
    // apart), each a distinct value: the last write of each cell wins.
    Random random = new Random(42);
    List<OnlineWrite> batch = new ArrayList<>();
    Map<String, String> expected = new HashMap<>();
    long ts = System.currentTimeMillis();
    for (int i = 0; i < 3_000; i++) {
      String entity = "shuffled-" + random.nextInt(200);
      String q = List.of("f", "g", "count(*)@5m@0").get(random.nextInt(3));
      String value = "v" + i;
      batch.add(
          new OnlineWrite(
              TABLE,
              entity.getBytes(StandardCharsets.UTF_8),
              q,
              ts,
              value.getBytes(StandardCharsets.UTF_8)));
      expected.put(entity + "/" + q, value);
    }
    store.multiPut(batch).join();
    for (Map.Entry<String, String> e : expected.entrySet()) {
      String[] eq = e.getKey().split("/", 2);
      byte[] k = eq[0].getBytes(StandardCharsets.UTF_8);
      byte[] got =
          store
              .multiGet(List.of(OnlineRead.latest(TABLE, k, List.of(eq[1]))))
              .join()
              .get(0)
              .cells()
              .get(eq[1])
              .value();
      assertThat(new String(got, StandardCharsets.UTF_8)).as(e.getKey()).isEqualTo(e.getValue());
    }
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
  void concurrentInlineAndAsyncReadsOfDifferentQualifierListsGetTheSerialAnswers()
      throws Exception {
    // Each thread keeps its own read buffers and last qualifier plan: threads that interleave
    // reads of different lists (and lists of different lengths) must not see each other's state.
    long now = System.currentTimeMillis();
    java.util.Random rnd = new java.util.Random(11);
    List<OnlineWrite> writes = new java.util.ArrayList<>();
    List<byte[]> keys = new java.util.ArrayList<>();
    for (int e = 0; e < 50; e++) {
      byte[] k = ("concurrent-" + e).getBytes(StandardCharsets.UTF_8);
      keys.add(k);
      for (int q = 0; q < 30; q++) {
        if (rnd.nextInt(3) > 0) {
          writes.add(
              new OnlineWrite(
                  TABLE, k, "q" + q, now - rnd.nextInt(100_000), new byte[] {(byte) e, (byte) q}));
        }
      }
    }
    store.multiPut(writes).join();
    List<List<String>> lists = new java.util.ArrayList<>();
    for (int l = 0; l < 6; l++) {
      List<String> qs = new java.util.ArrayList<>();
      for (int q = 0; q < 30; q++) {
        if (rnd.nextInt(6) <= l) {
          qs.add("q" + q);
        }
      }
      lists.add(List.copyOf(qs));
    }
    Map<String, String> serial = new java.util.HashMap<>();
    for (int l = 0; l < lists.size(); l++) {
      for (int e = 0; e < keys.size(); e++) {
        serial.put(l + "/" + e, render(read(keys.get(e), lists.get(l), false)));
      }
    }
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int seed = t;
        done.add(
            pool.submit(
                () -> {
                  java.util.Random r = new java.util.Random(seed);
                  for (int i = 0; i < 2_000; i++) {
                    int l = r.nextInt(lists.size());
                    int e = r.nextInt(keys.size());
                    assertThat(render(read(keys.get(e), lists.get(l), r.nextBoolean())))
                        .as("list %d, entity %d", l, e)
                        .isEqualTo(serial.get(l + "/" + e));
                  }
                }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void inlineReadsOnOneThreadSeeEveryEarlierWriteThroughTheirReusedIterator() {
    // Inline reads reuse one iterator per thread and table (refreshed per call): each read must see
    // every write made before it, exactly as a fresh iterator (the async path) and a plain model
    // do.
    java.util.Random rnd = new java.util.Random(42);
    Map<String, long[]> model = new java.util.HashMap<>(); // key -> {ts, value}
    long base = System.currentTimeMillis() - 60_000;
    for (int step = 0; step < 2_000; step++) {
      String k = "reuse-" + rnd.nextInt(20);
      byte[] key = k.getBytes(StandardCharsets.UTF_8);
      if (rnd.nextInt(3) > 0) {
        long[] cur = model.get(k);
        // newer, same-timestamp rewrite, or an older (late) version
        long ts =
            cur == null
                ? base
                : cur[0]
                    + switch (rnd.nextInt(3)) {
                      case 0 -> 1 + rnd.nextInt(100);
                      case 1 -> 0;
                      default -> -1 - rnd.nextInt(100);
                    };
        byte value = (byte) rnd.nextInt(100);
        store.multiPut(List.of(new OnlineWrite(TABLE, key, "f", ts, new byte[] {value}))).join();
        if (cur == null || ts >= cur[0]) {
          model.put(k, new long[] {ts, value});
        }
      }
      Map<String, dev.quiver.online.OnlineCell> inline = read(key, List.of("f"), true);
      Map<String, dev.quiver.online.OnlineCell> fresh = read(key, List.of("f"), false);
      assertThat(render(inline)).as("step %d key %s", step, k).isEqualTo(render(fresh));
      // The map-free inline path (the lookup server's single-key reads) through the same iterator:
      // aligned with its qualifiers, null for one never written.
      dev.quiver.online.OnlineCell[] cells =
          store.multiGetInlineCells(List.of(OnlineRead.latest(TABLE, key, List.of("g", "f"))))[0];
      assertThat(cells).as("step %d key %s", step, k).hasSize(2);
      assertThat(cells[0]).as("step %d key %s", step, k).isNull();
      Map<String, dev.quiver.online.OnlineCell> asMap = new java.util.LinkedHashMap<>();
      if (cells[1] != null) {
        asMap.put("f", cells[1]);
      }
      assertThat(render(asMap)).as("step %d key %s", step, k).isEqualTo(render(fresh));
      long[] want = model.get(k);
      if (want == null) {
        assertThat(inline).as("step %d key %s", step, k).isEmpty();
      } else {
        assertThat(inline.get("f").ts()).as("step %d key %s", step, k).isEqualTo(want[0]);
        assertThat(inline.get("f").value())
            .as("step %d key %s", step, k)
            .containsExactly((byte) want[1]);
      }
    }
  }

  private static Map<String, dev.quiver.online.OnlineCell> read(
      byte[] key, List<String> qualifiers, boolean inline) {
    List<OnlineRead> reads = List.of(OnlineRead.latest(TABLE, key, qualifiers));
    return (inline ? store.multiGetInline(reads) : store.multiGet(reads).join()).get(0).cells();
  }

  private static String render(Map<String, dev.quiver.online.OnlineCell> cells) {
    StringBuilder b = new StringBuilder();
    cells.forEach(
        (q, c) ->
            b.append(q)
                .append('=')
                .append(java.util.Arrays.toString(c.value()))
                .append('@')
                .append(c.ts())
                .append(';'));
    return b.toString();
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
