package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.FeatureType;
import org.junit.jupiter.api.Test;

/**
 * The offline window state takes every column type the spec allows for count(column) and
 * count_distinct ("any scalar"), as the streaming job does (it casts the input to STRING in SQL).
 * Before: a BOOL or BYTES input reached the STRING normalization as it was read from Iceberg, and
 * the point-in-time export failed with "expected STRING".
 */
class WindowStateTest {
  private static final long HOUR = 3_600_000L;

  private static WindowState window(AggregationFunction fn) {
    return new WindowState(
        new ViewPlan.AggPlan(fn, "flag", HOUR, 0, 0, FeatureType.Scalar.INT64, false), 60_000L);
  }

  @Test
  void windowEdgeRuleOfMaterializationMd() {
    // docs/materialization.md: a read at t covers a(t) <= event_time <= t, a(t) = floor(t/s)*s + s
    // - W; here s = 1m, W = 1h, t = 10:07:30 -> a(t) = 09:08:00
    long t = 10 * HOUR + 7 * 60_000L + 30_000;
    long a = 9 * HOUR + 8 * 60_000L;
    WindowState w = window(AggregationFunction.COUNT);
    w.add(a - 1, 1, Boolean.TRUE);
    w.add(a, 2, Boolean.TRUE);
    w.add(t, 3, Boolean.TRUE);
    assertThat(w.value(t)).isEqualTo(2L);
    assertThat(w.value(t + 59 * 60_000L)).as("a(t) moved past a").isEqualTo(1L);
  }

  @Test
  void countAndCountDistinctTakeBooleans() {
    for (AggregationFunction fn :
        new AggregationFunction[] {AggregationFunction.COUNT, AggregationFunction.COUNT_DISTINCT}) {
      WindowState w = window(fn);
      w.add(1_000, 1, Boolean.TRUE);
      w.add(2_000, 2, Boolean.FALSE);
      w.add(3_000, 3, Boolean.TRUE);
      w.add(4_000, 4, null);
      assertThat(w.value(10_000)).as("%s", fn).isEqualTo(fn == AggregationFunction.COUNT ? 3L : 2L);
    }
  }

  @Test
  void countAndCountDistinctTakeBytes() {
    for (AggregationFunction fn :
        new AggregationFunction[] {AggregationFunction.COUNT, AggregationFunction.COUNT_DISTINCT}) {
      WindowState w = window(fn);
      w.add(1_000, 1, new byte[] {1, 2});
      w.add(2_000, 2, new byte[] {1, 2});
      w.add(3_000, 3, java.nio.ByteBuffer.wrap(new byte[] {3}));
      assertThat(w.value(10_000)).as("%s", fn).isEqualTo(fn == AggregationFunction.COUNT ? 3L : 2L);
    }
  }
}
