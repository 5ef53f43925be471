package dev.quiver.udfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.tile.TileAggregator;
import dev.quiver.core.tile.TileAggregators;
import dev.quiver.core.tile.TileBundle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.data.StringData;
import org.junit.jupiter.api.Test;

class TileBundleAggregateTest {
  private static final StringData SUM_AVG_COUNT =
      StringData.fromString("sum|amount|0|FLOAT64;avg|amount|0|FLOAT64;count|*|0|INT64");

  /** Finishes series {@code fn(column)} of a bundle the way the online reader does. */
  private static Object finish(String fn, String column, int n, FeatureType dtype, byte[] bundle) {
    Aggregation a =
        new Aggregation(
            column, AggregationFunction.parse(fn).orElseThrow(), Duration.ofHours(1), n);
    TileAggregator agg = TileAggregators.forFeature(new Feature("f", dtype, "", null, a, Map.of()));
    byte[] state =
        TileBundle.find(bundle, TileAggregators.seriesName(a).getBytes(StandardCharsets.UTF_8));
    return agg.finish(state == null ? agg.empty() : agg.decode(state));
  }

  @Test
  void sumAvgAndCountOfOneTile() {
    TileBundleAggregate udaf = new TileBundleAggregate();
    var acc = udaf.createAccumulator();
    double[] amounts = {1.5, 2.25, 10.0};
    for (int i = 0; i < amounts.length; i++) {
      udaf.accumulate(acc, SUM_AVG_COUNT, 1000L + i, (long) i, amounts[i], amounts[i], 1);
    }
    byte[] bundle = udaf.getValue(acc);
    assertThat(finish("sum", "amount", 0, FeatureType.FLOAT64, bundle)).isEqualTo(13.75);
    assertThat(finish("avg", "amount", 0, FeatureType.FLOAT64, bundle)).isEqualTo(13.75 / 3);
    assertThat(finish("count", "*", 0, FeatureType.INT64, bundle)).isEqualTo(3L);
  }

  /**
   * An INT64 sum beyond the long range does not throw out of the tile aggregation (session 13 QA
   * pass: Math.addExact's ArithmeticException failed the streaming job, and again on the same event
   * after every restart); the tile's sum is null while out of range and exact once back in it.
   */
  @Test
  void anIntegralSumBeyondTheLongRangeIsNullNotAJobFailure() {
    StringData series = StringData.fromString("sum|ns|0|INT64;count|*|0|INT64");
    TileBundleAggregate udaf = new TileBundleAggregate();
    var acc = udaf.createAccumulator();
    udaf.accumulate(acc, series, 1000L, 1L, Long.MAX_VALUE - 1, 1);
    udaf.accumulate(acc, series, 1001L, 2L, 5L, 1);
    byte[] bundle = udaf.getValue(acc);
    assertThat(finish("sum", "ns", 0, FeatureType.INT64, bundle)).isNull();
    assertThat(finish("count", "*", 0, FeatureType.INT64, bundle)).isEqualTo(2L);
    udaf.accumulate(acc, series, 1002L, 3L, -10L, 1);
    bundle = udaf.getValue(acc);
    assertThat(finish("sum", "ns", 0, FeatureType.INT64, bundle)).isEqualTo(Long.MAX_VALUE - 6);
  }

  @Test
  void nullsAreSkippedExceptByCountStar() {
    TileBundleAggregate udaf = new TileBundleAggregate();
    var acc = udaf.createAccumulator();
    udaf.accumulate(acc, SUM_AVG_COUNT, 1000L, 1L, null, null, 1);
    udaf.accumulate(acc, SUM_AVG_COUNT, 1001L, 2L, 4.0, 4.0, 1);
    byte[] bundle = udaf.getValue(acc);
    assertThat(finish("sum", "amount", 0, FeatureType.FLOAT64, bundle)).isEqualTo(4.0);
    assertThat(finish("avg", "amount", 0, FeatureType.FLOAT64, bundle)).isEqualTo(4.0);
    assertThat(finish("count", "*", 0, FeatureType.INT64, bundle)).isEqualTo(2L);
  }

  @Test
  void lastNOrdersByEventTimeThenSeqWhateverTheArrivalOrder() {
    TileBundleAggregate udaf = new TileBundleAggregate();
    var acc = udaf.createAccumulator();
    FeatureType dtype = FeatureType.arrayOf(FeatureType.Scalar.STRING);
    StringData spec = StringData.fromString("last_n|m|2|" + dtype);
    // arrival order differs from event order; "c" and "d" tie on event time, d has the higher seq
    udaf.accumulate(acc, spec, 2000L, 9L, "d");
    udaf.accumulate(acc, spec, 1000L, 1L, "a");
    udaf.accumulate(acc, spec, 2000L, 3L, "c");
    assertThat(finish("last_n", "m", 2, dtype, udaf.getValue(acc))).isEqualTo(List.of("d", "c"));
  }

  @Test
  void readsAndRestoresBetweenEventsGiveTheStateOfOneUninterruptedFold() {
    // Flink reads the accumulator back (getBundle) and restores it into a fresh one (setBundle)
    // between events or batches; the decoded states cached in the accumulator must not leak.
    TileBundleAggregate udaf = new TileBundleAggregate();
    StringData spec =
        StringData.fromString(
            "last_n|m|3|"
                + FeatureType.arrayOf(FeatureType.Scalar.STRING)
                + ";sum|amount|0|FLOAT64");
    var whole = udaf.createAccumulator();
    var pieces = udaf.createAccumulator();
    java.util.Random r = new java.util.Random(7);
    for (int i = 0; i < 200; i++) {
      String v = "m" + r.nextInt(5);
      long ts = 1000L + r.nextInt(50);
      udaf.accumulate(whole, spec, ts, (long) i, v, (double) i);
      udaf.accumulate(pieces, spec, ts, (long) i, v, (double) i);
      if (r.nextInt(3) == 0) {
        byte[] read = udaf.getValue(pieces);
        pieces = udaf.createAccumulator();
        pieces.setBundle(read.clone());
      }
    }
    assertThat(udaf.getValue(pieces)).isEqualTo(udaf.getValue(whole));
    assertThat(finish("sum", "amount", 0, FeatureType.FLOAT64, whole.getBundle()))
        .isEqualTo(199 * 200 / 2.0);
  }

  @Test
  void badSeriesAreNamed() {
    TileBundleAggregate udaf = new TileBundleAggregate();
    assertThatThrownBy(
            () ->
                udaf.accumulate(
                    udaf.createAccumulator(),
                    StringData.fromString("median|x|0|FLOAT64"),
                    1L,
                    1L,
                    1.0))
        .hasMessageContaining("function: 'median'");
    assertThatThrownBy(() -> udaf.accumulate(udaf.createAccumulator(), SUM_AVG_COUNT, 1L, 1L, 1.0))
        .hasMessageContaining("1 values for 3 series");
  }
}
