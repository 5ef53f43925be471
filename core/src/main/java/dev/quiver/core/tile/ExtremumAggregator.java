package dev.quiver.core.tile;

import dev.quiver.core.spec.FeatureType;
import java.nio.ByteBuffer;

/**
 * min / max over comparable scalar values (numbers, strings, timestamps, booleans). Strings compare
 * by Unicode code point — the order of their UTF-8 bytes, which Flink SQL's {@code MIN}/{@code MAX}
 * (a tumbling-window view's SQL), Spark, Iceberg's column bounds and Python use — not by Java's
 * UTF-16 units, which put U+E000..U+FFFF (e.g. 'ﬀ', U+FFFD) above every character beyond the BMP
 * (e.g. an emoji).
 */
final class ExtremumAggregator implements TileAggregator {
  private static final byte TAG = 5;

  /** The state: the extreme value so far, null when empty. */
  record Extremum(Object value) implements TileState {}

  private final FeatureType type;
  private final boolean max;

  ExtremumAggregator(FeatureType type, boolean max) {
    if (type.array() || type.scalar() == FeatureType.Scalar.BYTES) {
      throw new IllegalArgumentException(
          (max ? "max" : "min") + ": input type " + type + " (expected: a comparable scalar)");
    }
    this.type = type;
    this.max = max;
  }

  @Override
  public TileState empty() {
    return new Extremum(null);
  }

  @Override
  public TileState add(TileState state, Object value, long eventTime, long seq) {
    return value == null ? state : merge(state, new Extremum(value));
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public TileState merge(TileState a, TileState b) {
    Object x = ((Extremum) a).value();
    Object y = ((Extremum) b).value();
    if (x == null) {
      return b;
    }
    if (y == null) {
      return a;
    }
    int c =
        x instanceof String s && y instanceof String t
            ? compareCodePoints(s, t)
            : ((Comparable) x).compareTo(y);
    return (max ? c >= 0 : c <= 0) ? a : b;
  }

  /** {@code a} vs {@code b} by Unicode code point (= by their UTF-8 bytes, unsigned). */
  static int compareCodePoints(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        // the first differing unit: a surrogate (beyond the BMP) sorts above any other unit
        boolean sx = Character.isSurrogate(x);
        boolean sy = Character.isSurrogate(y);
        return sx == sy ? Character.compare(x, y) : sx ? 1 : -1;
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  @Override
  public Object finish(TileState state) {
    return ((Extremum) state).value();
  }

  @Override
  public byte[] encode(TileState state) {
    return new StateBytes.Writer(TAG).writeValue(type, ((Extremum) state).value()).toBytes();
  }

  @Override
  public TileState decode(byte[] bytes) {
    ByteBuffer in = StateBytes.reader(TAG, max ? "max" : "min", bytes);
    Extremum e = new Extremum(StateBytes.readValue(in, type));
    StateBytes.requireEnd(in);
    return e;
  }
}
