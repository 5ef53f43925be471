package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
    long[] inOrder = new long[times.length];
    int[] order = OrderedParquetSink.timeOrder(times, times.length, inOrder);
    long[] sorted = times.clone();
    Arrays.sort(sorted);
    assertThat(inOrder).containsExactly(sorted);
    long[] byOrder = Arrays.stream(order).mapToLong(i -> times[i]).toArray();
    assertThat(byOrder).containsExactly(sorted);
    assertThat(Arrays.stream(order).sorted().toArray())
        .containsExactly(java.util.stream.IntStream.range(0, times.length).toArray());
  }

  @Test
  void localizeGroupsRowsByTimeRangeAndKeepsEveryRow() throws Exception {
    java.util.Random rnd = new java.util.Random(11);
    OrderedParquetSink sink = new OrderedParquetSink(new org.apache.iceberg.Schema(), "unused", 1);
    sink.initBuffer();
    List<String> in = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      // clustered and tied times, labels of varying length
      long t = 1_700_000_000_000L + (rnd.nextInt(3) == 0 ? 5 : rnd.nextInt(1_000_000));
      SweepRow r =
          SweepRow.label("k" + rnd.nextInt(300), t, new Object[] {"x".repeat(i % 40), i}, 2);
      r.features[0] = rnd.nextDouble();
      in.add(render(r));
      sink.processElement(new org.apache.flink.streaming.runtime.streamrecord.StreamRecord<>(r));
    }
    sink.seal();
    int[] ends = sink.localize(64);
    assertThat(ends.length).isGreaterThan(50);
    assertThat(ends[ends.length - 1]).isEqualTo(5_000);
    List<String> out = new ArrayList<>();
    var des = new org.apache.flink.core.memory.DataInputDeserializer();
    long prevMax = Long.MIN_VALUE;
    int from = 0;
    for (int to : ends) {
      long min = Long.MAX_VALUE;
      long max = Long.MIN_VALUE;
      for (int row = from; row < to; row++) {
        SweepRow r = sink.read(des, row, true);
        assertThat(r.time).isEqualTo(sink.times[row]);
        min = Math.min(min, r.time);
        max = Math.max(max, r.time);
        out.add(render(r));
      }
      // buckets are time ranges in order: equal times never span two buckets
      if (to > from) {
        assertThat(min).isGreaterThan(prevMax);
        prevMax = max;
      }
      from = to;
    }
    assertThat(out).containsExactlyInAnyOrderElementsOf(in);
  }

  private static String render(SweepRow r) {
    return r.key + "@" + r.time + Arrays.deepToString(r.values) + Arrays.deepToString(r.features);
  }

  /** A cancel stops the sorted write within a few thousand rows, not when the part is written. */
  @Test
  void cancelStopsTheSortedWrite() throws Exception {
    OrderedParquetSink sink = new OrderedParquetSink(new org.apache.iceberg.Schema(), "unused", 1);
    sink.initBuffer();
    int rows = 50_000;
    for (int i = 0; i < rows; i++) {
      SweepRow r = SweepRow.label("k" + (i % 97), 1_000L * (i % 5_000), new Object[] {"v", i}, 1);
      sink.processElement(new org.apache.flink.streaming.runtime.streamrecord.StreamRecord<>(r));
    }
    sink.seal();
    int[] ends = sink.localize(OrderedParquetSink.ROWS_PER_BUCKET);
    java.util.concurrent.atomic.AtomicBoolean cancelled =
        new java.util.concurrent.atomic.AtomicBoolean();
    sink.cancel = new CancelCheck(cancelled::get);
    int[] written = {0};
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                sink.writeAll(
                    ends,
                    new org.apache.flink.core.memory.DataInputDeserializer(),
                    (row, decoded) -> {
                      written[0]++;
                      cancelled.set(true); // the task is cancelled after the first row
                    }))
        .isInstanceOf(org.apache.flink.runtime.execution.CancelTaskException.class);
    assertThat(written[0]).isLessThan(2 * CancelCheck.EVERY);
  }
}
