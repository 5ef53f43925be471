package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The sweep is keyed by a 64-bit hash of the join key; rows of keys whose hashes collide reach the
 * same sweep call and must be swept apart, as if each key were alone.
 */
class SweepFunctionTest {
  static final ViewPlan VIEW =
      new ViewPlan(0, "default.v:1", new int[] {0}, List.of(), 0, 1000, 60_000, 0);

  @Test
  void collidingKeysAreSweptApart() {
    PointInTimeSweep sweep = new PointInTimeSweep(List.of(VIEW), false);
    Random rnd = new Random(3);
    List<SweepRow> mixed = new ArrayList<>();
    for (String key : List.of("a", "b", "c")) {
      for (int i = 0; i < 50; i++) {
        mixed.add(SweepRow.event(key, 0, rnd.nextInt(5000), i, 0, new Object[] {key + i}));
        mixed.add(SweepRow.label(key, rnd.nextInt(5000), new Object[] {key, i}, 1));
      }
    }
    java.util.Collections.shuffle(mixed, rnd);

    List<SweepRow> together = new ArrayList<>();
    SweepFunction.sweepByKey(sweep, null, copy(mixed), together::add);
    List<SweepRow> apart = new ArrayList<>();
    for (String key : List.of("a", "b", "c")) {
      sweep.sweep(copy(mixed).stream().filter(r -> r.key.equals(key)).toList(), apart::add);
    }
    assertThat(render(together)).isEqualTo(render(apart)).hasSize(150);
    // a value of another key never leaks in
    for (SweepRow r : together) {
      Object v = r.features[0];
      if (v != null) {
        assertThat((String) v).startsWith(r.key);
      }
    }
    assertThat(together.stream().filter(r -> r.features[0] != null).count()).isGreaterThan(50);
  }

  @Test
  void hashIsStableAndSpreads() {
    assertThat(KeyCodec.hash64("u1")).isEqualTo(KeyCodec.hash64("u1"));
    java.util.Set<Long> seen = new java.util.HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      seen.add(KeyCodec.hash64("u" + i));
    }
    assertThat(seen).hasSize(100_000);
  }

  private static List<SweepRow> copy(List<SweepRow> rows) {
    return rows.stream().map(SweepRowSerializer.INSTANCE::copy).toList();
  }

  private static List<String> render(List<SweepRow> rows) {
    return rows.stream()
        .sorted(
            Comparator.comparing((SweepRow r) -> r.key)
                .thenComparingLong(r -> r.time)
                .thenComparing(r -> String.valueOf(r.values[1])))
        .map(r -> r.key + "@" + r.time + "#" + r.values[1] + "=" + r.features[0])
        .toList();
  }
}
