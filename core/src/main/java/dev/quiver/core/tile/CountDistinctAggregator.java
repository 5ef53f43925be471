package dev.quiver.core.tile;

import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;

/**
 * count_distinct: an Apache DataSketches HLL sketch with {@code lgK = 12} (4,096 registers, HLL_4,
 * at most ~2.6 KB per tile). Relative standard error of a merged sketch: {@code 1.04 / sqrt(4096) =
 * 1.63%} (so within 3.3% at 95% confidence and 4.9% at 99.7%). Below a few hundred distinct values
 * the sketch is in its LIST/SET (coupon) mode and the estimate is exact up to rare 26-bit
 * hash-coupon collisions; {@code CountDistinctTest} checks both ranges.
 *
 * <p>Values are hashed by type: integral numbers, booleans (0/1) and timestamps (epoch millis) as
 * longs, floating numbers as doubles, strings as UTF-8, byte arrays as is, so online and offline
 * hash the same value identically.
 */
final class CountDistinctAggregator implements TileAggregator {
  /** log2 of the number of HLL registers. */
  static final int LG_K = 12;

  private static final byte TAG = 8;

  /** The state: an updatable HLL sketch (mutated in place by {@link #add}). */
  record Distinct(HllSketch sketch) implements TileState {}

  @Override
  public TileState empty() {
    return new Distinct(new HllSketch(LG_K, TgtHllType.HLL_4));
  }

  @Override
  public TileState add(TileState state, Object value, long eventTime, long seq) {
    if (value == null) {
      return state;
    }
    HllSketch s = ((Distinct) state).sketch();
    if (value instanceof Long || value instanceof Integer) {
      s.update(((Number) value).longValue());
    } else if (value instanceof Double || value instanceof Float) {
      s.update(((Number) value).doubleValue());
    } else if (value instanceof String str) {
      s.update(str);
    } else if (value instanceof byte[] b) {
      s.update(b);
    } else if (value instanceof Instant i) {
      s.update(i.toEpochMilli());
    } else if (value instanceof Boolean b) {
      s.update(b ? 1L : 0L);
    } else {
      throw new IllegalArgumentException(
          "count_distinct: value of type "
              + value.getClass().getSimpleName()
              + " (expected: a scalar feature value)");
    }
    return state;
  }

  @Override
  public TileState merge(TileState a, TileState b) {
    HllSketch x = ((Distinct) a).sketch();
    HllSketch y = ((Distinct) b).sketch();
    if (y.isEmpty()) {
      return a;
    }
    Union u = new Union(LG_K);
    u.update(x);
    u.update(y);
    return new Distinct(u.getResult(TgtHllType.HLL_4));
  }

  @Override
  public Object finish(TileState state) {
    return Math.round(((Distinct) state).sketch().getEstimate());
  }

  @Override
  public byte[] encode(TileState state) {
    return new StateBytes.Writer(TAG)
        .writeBlob(((Distinct) state).sketch().toCompactByteArray())
        .toBytes();
  }

  @Override
  public TileState decode(byte[] bytes) {
    ByteBuffer in = StateBytes.reader(TAG, "count_distinct", bytes);
    byte[] sketch = StateBytes.readBlob(in);
    StateBytes.requireEnd(in);
    try {
      return new Distinct(HllSketch.heapify(sketch));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("count_distinct state: " + e.getMessage(), e);
    }
  }
}
