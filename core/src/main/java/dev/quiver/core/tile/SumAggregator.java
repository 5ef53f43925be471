package dev.quiver.core.tile;

import java.nio.ByteBuffer;

/**
 * sum: a long for integral inputs (exact, overflow fails loudly), a double otherwise. The sum of an
 * empty window is 0.
 */
final class SumAggregator implements TileAggregator {
  private static final byte TAG = 2;

  /** The state: an exact long sum, or a double sum. */
  record Sum(long longSum, double doubleSum) implements TileState {}

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
    return integral
        ? new Sum(Math.addExact(s.longSum(), n.longValue()), 0.0)
        : new Sum(0, s.doubleSum() + n.doubleValue());
  }

  @Override
  public TileState merge(TileState a, TileState b) {
    Sum x = (Sum) a;
    Sum y = (Sum) b;
    return integral
        ? new Sum(Math.addExact(x.longSum(), y.longSum()), 0.0)
        : new Sum(0, x.doubleSum() + y.doubleSum());
  }

  @Override
  public Object finish(TileState state) {
    Sum s = (Sum) state;
    return integral ? (Object) s.longSum() : (Object) s.doubleSum();
  }

  @Override
  public byte[] encode(TileState state) {
    Sum s = (Sum) state;
    StateBytes.Writer w = new StateBytes.Writer(TAG);
    return (integral ? w.writeLong(s.longSum()) : w.writeDouble(s.doubleSum())).toBytes();
  }

  @Override
  public TileState decode(byte[] bytes) {
    ByteBuffer in = StateBytes.reader(TAG, "sum", bytes);
    Sum s = integral ? new Sum(in.getLong(), 0.0) : new Sum(0, in.getDouble());
    StateBytes.requireEnd(in);
    return s;
  }
}
