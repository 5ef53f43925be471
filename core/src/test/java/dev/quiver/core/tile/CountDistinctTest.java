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

  /**
   * Each reader's Java type for a column hashes as the same canonical bytes (DistinctValues): the
   * streaming job gets Instant and Float where the export gets epoch millis and Float or Double.
   */
  @Test
  void equalValuesHashEquallyWhateverJavaTypeCarriesThem() {
    java.time.Instant i = java.time.Instant.parse("2024-01-01T00:00:00.123456Z");
    TileState s = a.empty();
    s = a.add(s, i, 0, 0);
    s = a.add(s, i.toEpochMilli(), 1, 1);
    s = a.add(s, java.time.LocalDateTime.ofInstant(i, java.time.ZoneOffset.UTC), 2, 2);
    assertThat(a.finish(s)).isEqualTo(1L);
    s = a.empty();
    for (Object v : new Object[] {0.0, -0.0, 0f, -0f, Double.NaN, Float.NaN, 0.5f, 0.5}) {
      s = a.add(s, v, 0, 0);
    }
    assertThat(a.finish(s)).as("0, NaN, 0.5").isEqualTo(3L);
    s = a.empty();
    for (Object v : new Object[] {7, 7L, (short) 7, "7", 8}) {
      s = a.add(s, v, 0, 0);
    }
    assertThat(a.finish(s)).isEqualTo(2L);
    assertThat(DistinctValues.bytes(new byte[] {1, 2}))
        .isEqualTo(DistinctValues.bytes(java.nio.ByteBuffer.wrap(new byte[] {0, 1, 2}, 1, 2)));
  }

  /**
   * An empty STRING or BYTES value is a value, not a null (COUNT(DISTINCT s) in SQL counts ''):
   * DataSketches' {@code HllSketch.update(byte[])} ignores an empty array, so the empty string was
   * never counted, online nor offline. Compared with a plain set of the values.
   */
  @Test
  void anEmptyStringOrEmptyBytesIsCountedAsAValue() {
    Object[][] cases = {
      {"", "a"},
      {""},
      {"", "", "a", "b"},
      {new byte[0], new byte[] {1}},
      {java.nio.ByteBuffer.allocate(0), new byte[0], new byte[] {0}},
      {"a", "b", "c"}
    };
    for (Object[] values : cases) {
      java.util.Set<Object> reference = new java.util.HashSet<>();
      TileState s = a.empty();
      for (Object v : values) {
        reference.add(
            v instanceof byte[] b
                ? java.util.List.of(java.util.Arrays.toString(b))
                : v instanceof java.nio.ByteBuffer buf
                    ? java.util.List.of(java.util.Arrays.toString(new byte[buf.remaining()]))
                    : v);
        s = a.add(s, v, 0, 0);
      }
      assertThat(a.finish(a.decode(a.encode(s))))
          .as(java.util.Arrays.deepToString(values))
          .isEqualTo((long) reference.size());
    }
  }

  @Test
  void aValueOfAnotherKindIsRefusedNamingItsType() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> a.add(a.empty(), java.util.List.of(1), 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("count_distinct: value of type")
        .hasMessageContaining("expected: a scalar feature value");
  }
}
