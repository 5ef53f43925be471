package dev.quiver.online;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link OnlineStore} must have. Subclasses provide one store per test class
 * ({@link #store()}); each test uses its own entity keys so tests share the tables.
 */
public abstract class OnlineStoreContract {
  protected static final ViewTableId TABLE = new ViewTableId("contract", "txn", 1);
  protected static final ViewTableId SHORT_TTL = new ViewTableId("contract", "short_ttl", 1);
  private static final AtomicInteger KEYS = new AtomicInteger();

  /** The store under test; tables {@link #TABLE} (ttl 30d) and {@link #SHORT_TTL} (1h) exist. */
  protected abstract OnlineStore store();

  protected static void createTables(OnlineStore store) {
    store.ensureTable(TABLE, Duration.ofDays(30));
    store.ensureTable(TABLE, Duration.ofDays(30)); // idempotent
    store.ensureTable(SHORT_TTL, Duration.ofHours(1));
  }

  private static byte[] key(String name) {
    return (name + "-" + KEYS.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String str(OnlineCell c) {
    return c == null ? null : new String(c.value(), StandardCharsets.UTF_8);
  }

  private static final long T0 = System.currentTimeMillis() - Duration.ofDays(1).toMillis();

  private void put(OnlineWrite... writes) {
    store().multiPut(List.of(writes)).join();
  }

  private OnlineReadResult get(OnlineRead read) {
    List<OnlineReadResult> r = store().multiGet(List.of(read)).join();
    assertThat(r).hasSize(1);
    assertThat(r.get(0).error()).isNull();
    return r.get(0);
  }

  @Test
  void readsBackWhatWasWritten() {
    byte[] k = key("rw");
    put(
        new OnlineWrite(TABLE, k, "a", T0, bytes("1")),
        new OnlineWrite(TABLE, k, "b", T0 + 1, bytes("2")));
    OnlineReadResult r = get(OnlineRead.latest(TABLE, k, List.of("a", "b", "c")));
    assertThat(str(r.cells().get("a"))).isEqualTo("1");
    assertThat(r.cells().get("a").ts()).isEqualTo(T0);
    assertThat(str(r.cells().get("b"))).isEqualTo("2");
    assertThat(r.cells()).doesNotContainKey("c");
  }

  @Test
  void replayIsIdempotent() {
    byte[] k = key("replay");
    List<OnlineWrite> batch = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      batch.add(new OnlineWrite(TABLE, k, "f", T0 + i, bytes("v" + i)));
    }
    store().multiPut(batch).join();
    OnlineReadResult before = get(new OnlineRead(TABLE, k, List.of("f"), T0 + 7, 0));
    store().multiPut(batch).join();
    store().multiPut(batch.subList(5, 12)).join();
    assertThat(str(get(OnlineRead.latest(TABLE, k, List.of("f"))).cells().get("f")))
        .isEqualTo("v19");
    OnlineReadResult after = get(new OnlineRead(TABLE, k, List.of("f"), T0 + 7, 0));
    assertThat(str(after.cells().get("f"))).isEqualTo(str(before.cells().get("f"))).isEqualTo("v7");
  }

  @Test
  void lateOlderWriteNeverOverwritesNewer() {
    byte[] k = key("late");
    put(new OnlineWrite(TABLE, k, "f", T0 + 200, bytes("new")));
    put(new OnlineWrite(TABLE, k, "f", T0 + 100, bytes("old")));
    OnlineReadResult r = get(OnlineRead.latest(TABLE, k, List.of("f")));
    assertThat(str(r.cells().get("f"))).isEqualTo("new");
    assertThat(r.cells().get("f").ts()).isEqualTo(T0 + 200);
  }

  @Test
  void asOfReturnsNewestVersionAtOrBeforeTheBound() {
    byte[] k = key("asof");
    put(
        new OnlineWrite(TABLE, k, "f", T0 + 100, bytes("a")),
        new OnlineWrite(TABLE, k, "f", T0 + 200, bytes("b")),
        new OnlineWrite(TABLE, k, "f", T0 + 300, bytes("c")));
    assertThat(get(new OnlineRead(TABLE, k, List.of("f"), T0 + 99, 0)).cells()).isEmpty();
    assertThat(str(get(new OnlineRead(TABLE, k, List.of("f"), T0 + 100, 0)).cells().get("f")))
        .isEqualTo("a");
    assertThat(str(get(new OnlineRead(TABLE, k, List.of("f"), T0 + 299, 0)).cells().get("f")))
        .isEqualTo("b");
    assertThat(str(get(new OnlineRead(TABLE, k, List.of("f"), T0 + 300, 0)).cells().get("f")))
        .isEqualTo("c");
    // minTs excludes older versions rather than falling back to them
    assertThat(get(new OnlineRead(TABLE, k, List.of("f"), T0 + 250, T0 + 201)).cells()).isEmpty();
    assertThat(
            str(get(new OnlineRead(TABLE, k, List.of("f"), T0 + 250, T0 + 200)).cells().get("f")))
        .isEqualTo("b");
  }

  @Test
  void oneBatchOfManyCellsPerEntityKeepsEveryVersionAndTheLastWriteOfACell() {
    // Writers send an entity's cells together; stores may group them (one HBase Put per entity).
    byte[] a = key("batch-a");
    byte[] b = key("batch-b");
    String q = "sum(amount)@5m@0";
    put(
        new OnlineWrite(TABLE, a, "f", T0 + 100, bytes("a1")),
        new OnlineWrite(TABLE, a, q, T0 + 100, bytes("tile-1")),
        new OnlineWrite(TABLE, a, "f", T0 + 200, bytes("a2")),
        new OnlineWrite(TABLE, b, "f", T0 + 150, bytes("b1")),
        new OnlineWrite(TABLE, a, q, T0 + 200, bytes("tile-2")),
        // a late event: the tile's complete new state at the same newest event time
        new OnlineWrite(TABLE, a, q, T0 + 200, bytes("tile-3")),
        new OnlineWrite(TABLE, b, q, T0 + 150, bytes("tile-b")));
    assertThat(str(get(OnlineRead.latest(TABLE, a, List.of("f"))).cells().get("f")))
        .isEqualTo("a2");
    assertThat(str(get(new OnlineRead(TABLE, a, List.of("f"), T0 + 199, 0)).cells().get("f")))
        .isEqualTo("a1");
    assertThat(str(get(OnlineRead.latest(TABLE, a, List.of(q))).cells().get(q)))
        .isEqualTo("tile-3");
    assertThat(str(get(new OnlineRead(TABLE, a, List.of(q), T0 + 199, 0)).cells().get(q)))
        .isEqualTo("tile-1");
    assertThat(str(get(OnlineRead.latest(TABLE, b, List.of("f"))).cells().get("f")))
        .isEqualTo("b1");
    assertThat(str(get(OnlineRead.latest(TABLE, b, List.of(q))).cells().get(q)))
        .isEqualTo("tile-b");
  }

  @Test
  void aReadOfManySparseQualifiersMatchesAReferenceAndPointReads() {
    // Dense tile-like cells of several entities (so an entity's neighbours in key order hold
    // cells too), each cell with 0-4 versions around the read bounds; reads ask for a random,
    // sparse, unordered subset with long gaps, absent cells and qualifiers that are prefixes of
    // others, several entities in one batch.
    java.util.Random rnd = new java.util.Random(42);
    List<byte[]> entities = new ArrayList<>();
    List<Map<String, java.util.TreeMap<Long, String>>> stored = new ArrayList<>();
    List<String> universe = new ArrayList<>(List.of("a", "ab", "b", "tiles@1d@1", "tiles@1d@10"));
    for (int i = 0; i < 400; i++) {
      universe.add("tiles@5m@" + (1_700_000_000_000L + i * 300_000L));
    }
    for (int i = 0; i < 60; i++) {
      universe.add("tiles@1h@" + (1_700_000_000_000L + i * 3_600_000L));
    }
    List<OnlineWrite> writes = new ArrayList<>();
    for (int e = 0; e < 6; e++) {
      byte[] k = key("sparse");
      entities.add(k);
      Map<String, java.util.TreeMap<Long, String>> cells = new java.util.HashMap<>();
      for (String q : universe) {
        int versions = rnd.nextInt(10) < 3 ? 0 : 1 + rnd.nextInt(4);
        for (int v = 0; v < versions; v++) {
          long ts = T0 + rnd.nextInt(1000); // distinct ts per version: last write is kept
          String value = q + "/" + e + "/" + ts;
          if (cells.computeIfAbsent(q, x -> new java.util.TreeMap<>()).put(ts, value) == null) {
            writes.add(new OnlineWrite(TABLE, k, q, ts, bytes(value)));
          }
        }
      }
      stored.add(cells);
    }
    java.util.Collections.shuffle(writes, rnd);
    store().multiPut(writes).join();
    long[][] bounds = {{Long.MAX_VALUE, 0}, {T0 + 500, 0}, {T0 + 700, T0 + 300}, {T0 - 1, 0}};
    for (int round = 0; round < 8; round++) {
      long[] b = bounds[round % bounds.length];
      List<OnlineRead> reads = new ArrayList<>();
      List<Map<String, String>> expected = new ArrayList<>();
      for (int e = 0; e < entities.size(); e++) {
        List<String> qs = new ArrayList<>(universe);
        java.util.Collections.shuffle(qs, rnd);
        qs = new ArrayList<>(qs.subList(0, 2 + rnd.nextInt(80)));
        qs.add("absent-" + round); // never written
        reads.add(new OnlineRead(TABLE, entities.get(e), qs, b[0], b[1]));
        Map<String, String> want = new java.util.HashMap<>();
        for (String q : qs) {
          java.util.TreeMap<Long, String> versions = stored.get(e).get(q);
          Map.Entry<Long, String> v = versions == null ? null : versions.floorEntry(b[0]);
          if (v != null && v.getKey() >= b[1]) {
            want.put(q, v.getValue() + "@" + v.getKey());
          }
        }
        expected.add(want);
      }
      List<OnlineReadResult> results = store().multiGet(reads).join();
      for (int e = 0; e < reads.size(); e++) {
        OnlineRead r = reads.get(e);
        Map<String, String> got = new java.util.HashMap<>();
        results.get(e).cells().forEach((q, c) -> got.put(q, str(c) + "@" + c.ts()));
        assertThat(got).as("entity %d, round %d", e, round).isEqualTo(expected.get(e));
        for (String q : r.qualifiers().subList(0, Math.min(5, r.qualifiers().size()))) {
          OnlineCell point =
              get(new OnlineRead(TABLE, r.entityKey(), List.of(q), r.asOf(), r.minTs()))
                  .cells()
                  .get(q);
          assertThat(point == null ? null : str(point) + "@" + point.ts()).isEqualTo(got.get(q));
        }
      }
    }
  }

  @Test
  void manyQualifierPointAndWholeRowReadsAgreeWithAReferenceOnGeneratedData() {
    // Generated cells on the 1h-TTL table: 0-4 versions per cell, some expired (ts up to 3h ago),
    // qualifiers longer than 256 bytes, values over 4 KiB, an entity key over 256 bytes, and
    // neighbouring entities with cells. Each read is answered three ways (one read of many
    // qualifiers, one read per qualifier, the whole row) and compared with a TreeMap reference.
    java.util.Random rnd = new java.util.Random(7);
    long now = System.currentTimeMillis();
    long hour = Duration.ofHours(1).toMillis();
    List<String> universe = new ArrayList<>(List.of("f", "f2", "g", "x".repeat(300), "tiles@1d@1"));
    for (int i = 0; i < 40; i++) {
      universe.add("tiles@5m@" + (1_700_000_000_000L + i * 300_000L));
    }
    List<byte[]> entities = new ArrayList<>();
    List<Map<String, java.util.TreeMap<Long, String>>> stored = new ArrayList<>();
    List<OnlineWrite> writes = new ArrayList<>();
    for (int e = 0; e < 8; e++) {
      byte[] k = e == 0 ? key("long-" + "k".repeat(300)) : key("gen");
      entities.add(k);
      Map<String, java.util.TreeMap<Long, String>> cells = new java.util.HashMap<>();
      for (String q : universe) {
        int versions = rnd.nextInt(10) < 3 ? 0 : 1 + rnd.nextInt(4);
        for (int v = 0; v < versions; v++) {
          // ts in [now - 3h, now - 2min], never within a minute of the TTL bound (now - 1h)
          long ts = now - 2 * 60_000 - rnd.nextInt((int) (3 * hour - 2 * 60_000));
          if (Math.abs(ts - (now - hour)) < 60_000) {
            continue;
          }
          String value = q.length() > 20 ? "v" : q + "/" + e + "/" + ts;
          if (rnd.nextInt(20) == 0) {
            value = value + "#".repeat(5000);
          }
          if (cells.computeIfAbsent(q, x -> new java.util.TreeMap<>()).put(ts, value) == null) {
            writes.add(new OnlineWrite(SHORT_TTL, k, q, ts, bytes(value)));
          }
        }
      }
      stored.add(cells);
    }
    java.util.Collections.shuffle(writes, rnd);
    store().multiPut(writes).join();
    long[][] bounds = {
      {Long.MAX_VALUE, 0},
      {now - hour / 2, 0},
      {now - hour / 4, now - hour / 2},
      {now - 2 * hour, 0}
    };
    for (int round = 0; round < 8; round++) {
      long[] b = bounds[round % bounds.length];
      List<String> shuffled = new ArrayList<>(universe);
      java.util.Collections.shuffle(shuffled, rnd);
      // one list instance for every entity of the batch
      List<String> shared = List.copyOf(shuffled.subList(0, 1 + rnd.nextInt(30)));
      List<OnlineRead> reads = new ArrayList<>();
      for (byte[] k : entities) {
        reads.add(new OnlineRead(SHORT_TTL, k, shared, b[0], b[1]));
      }
      List<OnlineReadResult> many = store().multiGet(reads).join();
      List<OnlineReadResult> rows =
          store()
              .multiGet(
                  entities.stream()
                      .map(k -> new OnlineRead(SHORT_TTL, k, List.of(), b[0], b[1]))
                      .toList())
              .join();
      for (int e = 0; e < entities.size(); e++) {
        Map<String, String> want = new java.util.HashMap<>();
        for (String q : shared) {
          java.util.TreeMap<Long, String> versions = stored.get(e).get(q);
          Map.Entry<Long, String> v = versions == null ? null : versions.floorEntry(b[0]);
          if (v != null && v.getKey() >= b[1] && v.getKey() > now - hour) {
            want.put(q, v.getValue() + "@" + v.getKey());
          }
        }
        Map<String, String> got = new java.util.HashMap<>();
        many.get(e).cells().forEach((q, c) -> got.put(q, str(c) + "@" + c.ts()));
        assertThat(got).as("many qualifiers, entity %d, round %d", e, round).isEqualTo(want);
        Map<String, String> whole = new java.util.HashMap<>();
        rows.get(e)
            .cells()
            .forEach(
                (q, c) -> {
                  if (shared.contains(q)) {
                    whole.put(q, str(c) + "@" + c.ts());
                  }
                });
        assertThat(whole).as("whole row, entity %d, round %d", e, round).isEqualTo(want);
        for (String q : shared) {
          OnlineCell point =
              get(new OnlineRead(SHORT_TTL, entities.get(e), List.of(q), b[0], b[1]))
                  .cells()
                  .get(q);
          assertThat(point == null ? null : str(point) + "@" + point.ts())
              .as("point read of %s, entity %d, round %d", q, e, round)
              .isEqualTo(want.get(q));
        }
      }
    }
  }

  @Test
  void wholeRowReadReturnsEveryQualifierAsOf() {
    byte[] k = key("row");
    put(
        new OnlineWrite(TABLE, k, "x", T0 + 10, bytes("x1")),
        new OnlineWrite(TABLE, k, "x", T0 + 20, bytes("x2")),
        new OnlineWrite(TABLE, k, "y", T0 + 15, bytes("y1")),
        new OnlineWrite(TABLE, k, "yy", T0 + 30, bytes("yy1")));
    Map<String, OnlineCell> now = get(OnlineRead.latest(TABLE, k, List.of())).cells();
    assertThat(now.keySet()).containsExactlyInAnyOrder("x", "y", "yy");
    assertThat(str(now.get("x"))).isEqualTo("x2");
    Map<String, OnlineCell> past = get(new OnlineRead(TABLE, k, List.of(), T0 + 16, 0)).cells();
    assertThat(past.keySet()).containsExactlyInAnyOrder("x", "y");
    assertThat(str(past.get("x"))).isEqualTo("x1");
  }

  @Test
  void keysThatArePrefixesOfEachOtherStayApart() {
    byte[] a = bytes("prefix-" + KEYS.incrementAndGet());
    byte[] ab = (new String(a, StandardCharsets.UTF_8) + "b").getBytes(StandardCharsets.UTF_8);
    put(
        new OnlineWrite(TABLE, a, "q", T0, bytes("A")),
        new OnlineWrite(TABLE, ab, "q", T0, bytes("AB")),
        new OnlineWrite(TABLE, a, "qq", T0, bytes("A-qq")));
    assertThat(str(get(OnlineRead.latest(TABLE, a, List.of("q"))).cells().get("q"))).isEqualTo("A");
    assertThat(get(OnlineRead.latest(TABLE, ab, List.of())).cells().keySet()).containsExactly("q");
    assertThat(get(OnlineRead.latest(TABLE, a, List.of())).cells().keySet())
        .containsExactlyInAnyOrder("q", "qq");
  }

  @Test
  void cellsOlderThanTheTtlAreNotReturned() {
    byte[] k = key("ttl");
    long now = System.currentTimeMillis();
    put(
        new OnlineWrite(SHORT_TTL, k, "old", now - Duration.ofHours(2).toMillis(), bytes("o")),
        new OnlineWrite(SHORT_TTL, k, "f", now - Duration.ofHours(3).toMillis(), bytes("f-old")),
        new OnlineWrite(SHORT_TTL, k, "f", now - Duration.ofMinutes(5).toMillis(), bytes("f-new")));
    Map<String, OnlineCell> cells =
        get(OnlineRead.latest(SHORT_TTL, k, List.of("old", "f"))).cells();
    assertThat(cells).doesNotContainKey("old");
    assertThat(str(cells.get("f"))).isEqualTo("f-new");
    // as_of into the expired past finds nothing rather than the expired version
    assertThat(
            get(new OnlineRead(
                    SHORT_TTL, k, List.of("f"), now - Duration.ofMinutes(30).toMillis(), 0))
                .cells())
        .isEmpty();
  }

  @Test
  void tileUpsertReplacesThePartialAggregate() {
    byte[] k = key("tile");
    String q = "count(*)@5m@0";
    put(new OnlineWrite(TABLE, k, q, T0 + 10, bytes("state-2-events")));
    put(new OnlineWrite(TABLE, k, q, T0 + 12, bytes("state-3-events")));
    // a late event (time 11) arrives: the complete new state is written at the newest event time
    put(new OnlineWrite(TABLE, k, q, T0 + 12, bytes("state-4-events")));
    // a replay of an older state at its old time does not hide the newer state
    put(new OnlineWrite(TABLE, k, q, T0 + 10, bytes("state-2-events")));
    OnlineReadResult r = get(OnlineRead.latest(TABLE, k, List.of(q)));
    assertThat(str(r.cells().get(q))).isEqualTo("state-4-events");
    assertThat(str(get(new OnlineRead(TABLE, k, List.of(q), T0 + 11, 0)).cells().get(q)))
        .isEqualTo("state-2-events");
  }

  @Test
  void oneBadReadDoesNotFailTheBatch() {
    byte[] k = key("bad");
    put(new OnlineWrite(TABLE, k, "f", T0, bytes("ok")));
    ViewTableId missing = new ViewTableId("contract", "never_created", 9);
    List<OnlineReadResult> r =
        store()
            .multiGet(
                List.of(
                    OnlineRead.latest(TABLE, k, List.of("f")),
                    OnlineRead.latest(missing, k, List.of("f")),
                    OnlineRead.latest(TABLE, bytes("no-such-entity"), List.of("f"))))
            .join();
    assertThat(r).hasSize(3);
    assertThat(str(r.get(0).cells().get("f"))).isEqualTo("ok");
    assertThat(r.get(1).ok()).isFalse();
    assertThat(r.get(1).error()).isInstanceOf(UnknownTableException.class);
    assertThat(r.get(1).error().getMessage()).contains("contract.never_created.v9");
    assertThat(r.get(2).ok()).isTrue();
    assertThat(r.get(2).cells()).isEmpty();
  }

  @Test
  void concurrentWritersConverge() throws Exception {
    byte[] k = key("concurrent");
    int writers = 4;
    int perWriter = 200;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<CompletableFuture<Void>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int id = w;
        done.add(
            CompletableFuture.runAsync(
                () -> {
                  for (int i = 0; i < perWriter; i += 20) {
                    List<OnlineWrite> batch = new ArrayList<>();
                    for (int j = i; j < i + 20; j++) {
                      batch.add(new OnlineWrite(TABLE, k, "w" + id, T0 + j, bytes(id + ":" + j)));
                      // every writer also writes the same shared cells (a replayed stream)
                      batch.add(new OnlineWrite(TABLE, k, "shared", T0 + j, bytes("s" + j)));
                    }
                    store().multiPut(batch).join();
                  }
                },
                pool));
      }
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    Map<String, OnlineCell> cells = get(OnlineRead.latest(TABLE, k, List.of())).cells();
    assertThat(cells).hasSize(writers + 1);
    for (int w = 0; w < writers; w++) {
      assertThat(str(cells.get("w" + w))).isEqualTo(w + ":" + (perWriter - 1));
    }
    assertThat(str(cells.get("shared"))).isEqualTo("s" + (perWriter - 1));
    assertThat(
            str(get(new OnlineRead(TABLE, k, List.of("shared"), T0 + 50, 0)).cells().get("shared")))
        .isEqualTo("s50");
  }

  @Test
  void writesToAnUnknownTableFailWithAClearError() {
    ViewTableId missing = new ViewTableId("contract", "missing", 1);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                store()
                    .multiPut(List.of(new OnlineWrite(missing, key("w"), "f", T0, bytes("x"))))
                    .join())
        .hasCauseInstanceOf(UnknownTableException.class)
        .hasMessageContaining("unknown online table contract.missing.v1");
  }

  @Test
  void emptyBatchesAreFine() {
    assertThat(store().multiGet(List.of()).join()).isEmpty();
    store().multiPut(List.of()).join();
  }
}
