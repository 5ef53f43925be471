package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The output sink's time order against a plain sort, on the packed and on the fallback path. */
class OrderedParquetSinkTest {

  @Test
  void packedOrderSortsByTime() {
    SplittableRandom rnd = new SplittableRandom(7);
    long[] times = new long[10_000];
    for (int i = 0; i < times.length; i++) {
      // epoch millis with many ties, a few negative times
      times[i] = 1_714_521_600_000L + rnd.nextLong(-5_000, 5_000) * (rnd.nextInt(10) == 0 ? -1 : 1);
    }
    assertSortedByTime(times);
  }

  @Test
  void extremeTimesFallBackToTheBoxedSort() {
    // a label without time sorts first as Long.MIN_VALUE: the span overflows the packing
    long[] times = {5, Long.MIN_VALUE, Long.MAX_VALUE, -3, 5, 0, Long.MIN_VALUE, 1};
    assertSortedByTime(times);
    assertThat(OrderedParquetSink.timeOrder(new long[0], 0)).isEmpty();
    assertThat(OrderedParquetSink.timeOrder(new long[] {42}, 1)).containsExactly(0);
  }

  private static void assertSortedByTime(long[] times) {
    int[] order = OrderedParquetSink.timeOrder(times, times.length);
    long[] sorted = times.clone();
    Arrays.sort(sorted);
    long[] byOrder = Arrays.stream(order).mapToLong(i -> times[i]).toArray();
    assertThat(byOrder).containsExactly(sorted);
    assertThat(Arrays.stream(order).sorted().toArray())
        .containsExactly(java.util.stream.IntStream.range(0, times.length).toArray());
  }
}
