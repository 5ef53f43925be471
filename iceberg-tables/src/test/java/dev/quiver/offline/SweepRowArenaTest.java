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
