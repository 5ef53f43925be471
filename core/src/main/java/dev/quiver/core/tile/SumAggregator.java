package dev.quiver.core.tile;

import java.math.BigInteger;
import java.nio.ByteBuffer;

/**
 * sum: a long for integral inputs, a double otherwise. The sum of an empty window is 0.
 *
 * <p>An integral sum is exact: beyond the long range the state carries a {@link BigInteger} (kept
 * only while the sum is out of range, so a state's encoding depends on its value alone), so tiles
 * merged in any order give the same state, and a window whose sum comes back into range reads the
 * exact value. A window whose sum is beyond the long range finishes as null (no INT64 can hold it).
 * Before, {@link Math#addExact} threw: in the streaming job's tile aggregation that failed the job,
 * and it failed again on the same event after every restart.
 */
final class SumAggregator implements TileAggregator {
  private static final byte TAG = 2;

  /**
   * The state: an exact long sum ({@code big} null), an exact sum beyond the long range ({@code
   * big}), or a double sum.
   */
  record Sum(long longSum, double doubleSum, BigInteger big) implements TileState {
    Sum(long longSum, double doubleSum) {
      this(longSum, doubleSum, null);
    }

    /** The exact integral sum {@code v}: a long when it fits. */
    static Sum exact(BigInteger v) {
      return v.bitLength() < 64 ? new Sum(v.longValue(), 0.0) : new Sum(0, 0.0, v);
    }

    BigInteger exact() {
      return big != null ? big : BigInteger.valueOf(longSum);
    }
  }

  private static Sum add(Sum x, long y) {
    if (x.big() == null) {
      long r = x.longSum() + y;
      if (((x.longSum() ^ r) & (y ^ r)) >= 0) { // no overflow (Math.addExact's test)
        return new Sum(r, 0.0);
      }
    }
    return Sum.exact(x.exact().add(BigInteger.valueOf(y)));
  }

  private final boolean integral;

  SumAggregator(boolean integral) {
    this.integral = integral;
  }

  @Override
  public TileState empty() {
    return new Sum(0, 0.0);
  }

  @Override
  public TileState add(TileState state, Object value, long eventTime, long seq) {
    if (value == null) {
      return state;
    }
    Sum s = (Sum) state;
    Number n = (Number) value;
    return integral ? add(s, n.longValue()) : new Sum(0, s.doubleSum() + n.doubleValue());
  }

  @Override
  public TileState merge(TileState a, TileState b) {
    Sum x = (Sum) a;
    Sum y = (Sum) b;
    if (!integral) {
      return new Sum(0, x.doubleSum() + y.doubleSum());
    }
    return y.big() == null ? add(x, y.longSum()) : Sum.exact(x.exact().add(y.big()));
  }

  @Override
  public Object finish(TileState state) {
    Sum s = (Sum) state;
    if (!integral) {
      return s.doubleSum();
    }
    return s.big() == null ? (Object) s.longSum() : null;
  }

  @Override
  public byte[] encode(TileState state) {
    Sum s = (Sum) state;
    StateBytes.Writer w = new StateBytes.Writer(TAG);
    if (s.big() != null) {
      // beyond the long range: its two's-complement bytes as a blob (a long is 8 bytes, no blob)
      return w.writeBlob(s.big().toByteArray()).toBytes();
    }
    return (integral ? w.writeLong(s.longSum()) : w.writeDouble(s.doubleSum())).toBytes();
  }

  @Override
  public TileState decode(byte[] bytes) {
    ByteBuffer in = StateBytes.reader(TAG, "sum", bytes);
    Sum s;
    if (!integral) {
      s = new Sum(0, in.getDouble());
    } else if (in.remaining() == 8) {
      s = new Sum(in.getLong(), 0.0);
    } else {
      s = Sum.exact(new BigInteger(StateBytes.readBlob(in)));
    }
    StateBytes.requireEnd(in);
    return s;
  }
}
