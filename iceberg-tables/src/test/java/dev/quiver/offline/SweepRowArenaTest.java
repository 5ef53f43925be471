package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The sweep's buffer hands back every row, unchanged, grouped by key-hash prefix in hash order and
 * in arrival order within a group: over chunk boundaries, with rows larger than a chunk, with keys
 * whose hashes collide (interleaved rows of two keys in one group) and with null keys.
 */
class SweepRowArenaTest {
  @Test
  void returnsEveryRowGroupedByHashInArrivalOrder() {
    Random rnd = new Random(7);
    SweepRowArena arena = new SweepRowArena();
    Map<Long, List<String>> expected = new LinkedHashMap<>();
    int n = 60_000;
    for (int i = 0; i < n; i++) {
      String key = rnd.nextInt(50) == 0 ? null : "k" + rnd.nextInt(3000);
      // a few keys forced onto one hash: colliding keys share a group
      long hash = key == null ? 0 : key.endsWith("7") ? 42L << 40 : KeyCodec.hash64(key);
      Object[] values =
          rnd.nextInt(5000) == 0
              ? new Object[] {"x".repeat(SweepRowArena.MAX_CHUNK + 10)} // larger than a chunk
              : new Object[] {rnd.nextDouble(), (long) i, key == null ? "n" + i : key + i};
      SweepRow r = SweepRow.event(key, 0, rnd.nextLong(), i, i, values);
      arena.add(r, hash);
      expected.computeIfAbsent(hash, h -> new ArrayList<>()).add(render(r));
    }
    assertThat(arena.size()).isEqualTo(n);
    List<List<String>> groups = new ArrayList<>();
    arena.forEachKeyGroup(g -> groups.add(g.stream().map(SweepRowArenaTest::render).toList()));
    assertThat(groups).hasSize(expected.size());
    List<Long> sorted = new ArrayList<>(expected.keySet());
    sorted.sort(Long::compareUnsigned);
    for (int i = 0; i < sorted.size(); i++) {
      assertThat(groups.get(i)).isEqualTo(expected.get(sorted.get(i)));
    }
    assertThat(arena.size()).isZero();
  }

  /**
   * The rows' bytes live in a few slabs of {@link SweepRowArena#SLAB} bytes (under G1, one heap
   * region: humongous, never copied by a young collection), not in thousands of small per-bucket
   * chunks; a row larger than a slab gets an array of its own; every row comes back unchanged from
   * the raw groups too.
   */
  @Test
  void keepsRowsInSlabsOfARegion() throws Exception {
    Random rnd = new Random(11);
    SweepRowArena arena = new SweepRowArena();
    Map<Long, List<String>> expected = new LinkedHashMap<>();
    int n = 200_000;
    int oversized = 0;
    for (int i = 0; i < n; i++) {
      String key = "k" + rnd.nextInt(20_000);
      long hash = KeyCodec.hash64(key);
      boolean big = i % 50_000 == 7;
      oversized += big ? 1 : 0;
      Object[] values =
          big
              ? new Object[] {"y".repeat(SweepRowArena.SLAB + 10)}
              : new Object[] {rnd.nextDouble(), (long) i, key + i};
      SweepRow r = SweepRow.event(key, 0, rnd.nextLong(), i, i, values);
      arena.add(r, hash);
      expected.computeIfAbsent(hash, h -> new ArrayList<>()).add(render(r));
    }
    long bytes = arena.bytes();
    java.util.Set<byte[]> arrays =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    Map<Long, List<String>> actual = new LinkedHashMap<>();
    arena.forEachRawKeyGroup(
        (chunks, rows, count) -> {
          for (int i = 0; i < count; i++) {
            arrays.add(chunks[(int) (rows[i] >>> 32)]);
          }
          for (SweepRow r : SweepRowArena.deserialize(chunks, rows, count)) {
            actual.computeIfAbsent(KeyCodec.hash64(r.key), h -> new ArrayList<>()).add(render(r));
          }
        });
    assertThat(actual).isEqualTo(expected);
    assertThat(SweepRowArena.SLAB).isGreaterThan(SweepRowArena.MAX_CHUNK);
    assertThat(arrays.stream().filter(a -> a.length == SweepRowArena.SLAB).count())
        .isBetween(1L, bytes / SweepRowArena.SLAB + 2);
    assertThat(arrays.stream().filter(a -> a.length != SweepRowArena.SLAB).count())
        .isEqualTo(oversized);
    if (java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
        .anyMatch(gc -> gc.getName().startsWith("G1"))) {
      long region =
          Long.parseLong(
              java.lang.management.ManagementFactory.getPlatformMXBean(
                      com.sun.management.HotSpotDiagnosticMXBean.class)
                  .getVMOption("G1HeapRegionSize")
                  .getValue());
      // humongous (more than half a region), and whole regions less room for the array's header
      assertThat((long) SweepRowArena.SLAB).isGreaterThan(region / 2);
      assertThat((SweepRowArena.SLAB + 64) % region).isZero();
    }
  }

  /**
   * An arena filled again after its drain, and a new one after an arena whose raw groups grew the
   * pooled {@link SweepRowArena.HashGroups} (a bucket of many keys and rows, then small ones), hand
   * back exactly their own rows: nothing of an earlier fill or of the pool's earlier use leaks in.
   */
  @Test
  void aRefilledArenaAndAPooledGroupingHandBackOnlyTheirOwnRows() {
    SweepRowArena first = new SweepRowArena();
    for (int round = 0; round < 2; round++) {
      Random rnd = new Random(round);
      Map<Long, List<String>> expected = new LinkedHashMap<>();
      // round 0: ~600 keys and ~1,200 rows a bucket (the pooled arrays grow); round 1: a few rows
      int n = round == 0 ? 1_200_000 : 300;
      int keys = round == 0 ? 600 * SweepRowArena.BUCKETS : 50;
      for (int i = 0; i < n; i++) {
        String key = "r" + round + "k" + rnd.nextInt(keys);
        long hash = KeyCodec.hash64(key);
        SweepRow r =
            SweepRow.event(key, 0, rnd.nextLong(), i, i, new Object[] {1.0, (long) i, key});
        first.add(r, hash);
        expected.computeIfAbsent(hash, h -> new ArrayList<>()).add(render(r));
      }
      assertThat(rawGroups(first)).isEqualTo(expected);
      assertThat(first.size()).isZero();
    }
    SweepRowArena second = new SweepRowArena();
    Map<Long, List<String>> expected = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      String key = "s" + (i % 7);
      long hash = KeyCodec.hash64(key);
      SweepRow r = SweepRow.event(key, 0, i, i, i, new Object[] {2.0, (long) i, key});
      second.add(r, hash);
      expected.computeIfAbsent(hash, h -> new ArrayList<>()).add(render(r));
    }
    assertThat(rawGroups(second)).isEqualTo(expected);
  }

  /** The raw groups by hash, each group's rows in the order handed over. */
  private static Map<Long, List<String>> rawGroups(SweepRowArena arena) {
    Map<Long, List<String>> actual = new LinkedHashMap<>();
    arena.forEachRawKeyGroup(
        (chunks, rows, count) -> {
          List<String> group = new ArrayList<>();
          for (SweepRow r : SweepRowArena.deserialize(chunks, rows, count)) {
            group.add(render(r));
          }
          assertThat(actual.put(KeyCodec.hash64(keyOf(group)), group))
              .as("each hash is handed over once")
              .isNull();
        });
    return actual;
  }

  private static String keyOf(List<String> group) {
    return group.get(0).substring(0, group.get(0).indexOf('@'));
  }

  private static String render(SweepRow r) {
    Object[] v = r.values;
    String first = v[0] instanceof String s ? s.length() + "chars" : String.valueOf(v[0]);
    return r.key
        + "@"
        + r.time
        + "#"
        + r.seq
        + "/"
        + r.ingestedAt
        + "="
        + first
        + ","
        + v.length
        + (v.length > 1 ? "," + v[1] + "," + v[2] : "");
  }
}
