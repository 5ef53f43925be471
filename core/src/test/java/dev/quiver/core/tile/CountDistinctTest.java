package dev.quiver.core.tile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.FeatureType;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The documented error bound of count_distinct: exact when small, within 3 RSE when large. */
class CountDistinctTest {
  private final TileAggregator a =
      TileAggregators.of(
          new Aggregation("m", AggregationFunction.COUNT_DISTINCT, Duration.ofDays(1), 0),
          FeatureType.STRING);

  @Test
  void exactForSmallCardinalities() {
    for (int n : new int[] {0, 1, 2, 10, 100, 200}) {
      TileState x = a.empty();
      TileState y = a.empty();
      for (int i = 0; i < n; i++) {
        x = a.add(x, "user-" + i, i, i);
        y = a.add(y, "user-" + (i / 2), i, i); // overlapping halves across tiles
      }
      assertThat(a.finish(a.merge(a.decode(a.encode(x)), y))).as("n=" + n).isEqualTo((long) n);
    }
  }

  @Test
  void withinThreeStandardErrorsForLargeCardinalities() {
    double rse = 1.04 / Math.sqrt(1 << CountDistinctAggregator.LG_K);
    for (int n : new int[] {5_000, 50_000, 300_000}) {
      TileState acc = a.empty();
      TileState tile = a.empty();
      for (int i = 0; i < n; i++) {
        tile = a.add(tile, "id-" + i * 7919L, i, i);
        if (i % 10_000 == 9_999) {
          acc = a.merge(acc, a.decode(a.encode(tile)));
          tile = a.empty();
        }
      }
      long est = (Long) a.finish(a.merge(acc, tile));
      assertThat((double) Math.abs(est - n)).as("n=" + n + " est=" + est).isLessThan(3 * rse * n);
    }
  }

  @Test
  void sameValueOfDifferentTypesHashesByType() {
    TileState s = a.empty();
    s = a.add(s, 7L, 0, 0);
    s = a.add(s, 7L, 1, 1);
    s = a.add(s, "7", 2, 2);
    assertThat(a.finish(s)).isEqualTo(2L);
  }
}
