package dev.quiver.udfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.tile.TileAggregator;
import dev.quiver.core.tile.TileAggregators;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TileStateAggregateTest {
  private static Object finish(String fn, String column, int n, FeatureType dtype, byte[] state) {
    Feature f =
        new Feature(
            "f",
            dtype,
            "",
            null,
            new Aggregation(
                column, AggregationFunction.parse(fn).orElseThrow(), Duration.ofHours(1), n),
            Map.of());
    TileAggregator agg = TileAggregators.forFeature(f);
    return agg.finish(agg.decode(state));
  }

  @Test
  void sumAvgAndCountOfOneTile() {
    TileStateAggregate udaf = new TileStateAggregate();
    var sum = udaf.createAccumulator();
    var avg = udaf.createAccumulator();
    var count = udaf.createAccumulator();
    double[] amounts = {1.5, 2.25, 10.0};
    for (int i = 0; i < amounts.length; i++) {
      udaf.accumulate(sum, "sum", "amount", 0, "FLOAT64", amounts[i], 1000L + i, (long) i);
      udaf.accumulate(avg, "avg", "amount", 0, "FLOAT64", amounts[i], 1000L + i, (long) i);
      udaf.accumulate(count, "count", "*", 0, "INT64", 1, 1000L + i, (long) i);
    }
    assertThat(finish("sum", "amount", 0, FeatureType.FLOAT64, udaf.getValue(sum)))
        .isEqualTo(13.75);
    assertThat(finish("avg", "amount", 0, FeatureType.FLOAT64, udaf.getValue(avg)))
        .isEqualTo(13.75 / 3);
    assertThat(finish("count", "*", 0, FeatureType.INT64, udaf.getValue(count))).isEqualTo(3L);
  }

  @Test
  void lastNOrdersByEventTimeThenSeqWhateverTheArrivalOrder() {
    TileStateAggregate udaf = new TileStateAggregate();
    var acc = udaf.createAccumulator();
    FeatureType dtype = FeatureType.arrayOf(FeatureType.Scalar.STRING);
    // arrival order differs from event order; "c" and "d" tie on event time, d has the higher seq
    udaf.accumulate(acc, "last_n", "m", 2, dtype.toString(), "d", 2000L, 9L);
    udaf.accumulate(acc, "last_n", "m", 2, dtype.toString(), "a", 1000L, 1L);
    udaf.accumulate(acc, "last_n", "m", 2, dtype.toString(), "c", 2000L, 3L);
    assertThat(finish("last_n", "m", 2, dtype, udaf.getValue(acc))).isEqualTo(List.of("d", "c"));
  }

  @Test
  void readsAndRestoresBetweenEventsGiveTheStateOfOneUninterruptedFold() {
    // Flink reads the accumulator back (getState) and restores it into a fresh one (setState)
    // between events or batches; the decoded state cached in the accumulator must not leak.
    TileStateAggregate udaf = new TileStateAggregate();
    FeatureType dtype = FeatureType.arrayOf(FeatureType.Scalar.STRING);
    String type = dtype.toString();
    var whole = udaf.createAccumulator();
    var pieces = udaf.createAccumulator();
    var sum = udaf.createAccumulator();
    java.util.Random r = new java.util.Random(7);
    for (int i = 0; i < 200; i++) {
      String v = "m" + r.nextInt(5);
      long ts = 1000L + r.nextInt(50);
      udaf.accumulate(whole, "last_n", "m", 3, type, v, ts, (long) i);
      udaf.accumulate(pieces, "last_n", "m", 3, type, v, ts, (long) i);
      udaf.accumulate(sum, "sum", "amount", 0, "FLOAT64", (double) i, ts, (long) i);
      if (r.nextInt(3) == 0) {
        byte[] read = udaf.getValue(pieces);
        pieces = udaf.createAccumulator();
        pieces.setState(read.clone());
      }
    }
    assertThat(udaf.getValue(pieces)).isEqualTo(udaf.getValue(whole));
    assertThat(finish("sum", "amount", 0, FeatureType.FLOAT64, sum.getState()))
        .isEqualTo(199 * 200 / 2.0);
  }

  @Test
  void unknownFunctionIsNamed() {
    TileStateAggregate udaf = new TileStateAggregate();
    assertThatThrownBy(
            () ->
                udaf.accumulate(udaf.createAccumulator(), "median", "x", 0, "FLOAT64", 1.0, 1L, 1L))
        .hasMessageContaining("function: 'median'");
  }
}
