package dev.quiver.core.tile;

import java.nio.ByteBuffer;

/** avg: the state is (sum, count); the finished value is sum / count, or null for no values. */
final class AvgAggregator implements TileAggregator {
  private static final byte TAG = 3;

  /** The state: a double sum and a count. */
  record SumCount(double sum, long count) implements TileState {}

  @Override
  public TileState empty() {
    return new SumCount(0.0, 0);
  }

  @Override
  public TileState add(TileState state, Object value, long eventTime, long seq) {
    if (value == null) {
      return state;
    }
    SumCount s = (SumCount) state;
    return new SumCount(s.sum() + ((Number) value).doubleValue(), s.count() + 1);
  }

  @Override
  public TileState merge(TileState a, TileState b) {
    SumCount x = (SumCount) a;
    SumCount y = (SumCount) b;
    return new SumCount(x.sum() + y.sum(), x.count() + y.count());
  }

  @Override
  public Object finish(TileState state) {
    SumCount s = (SumCount) state;
    return s.count() == 0 ? null : s.sum() / s.count();
  }

  @Override
  public byte[] encode(TileState state) {
    SumCount s = (SumCount) state;
    return new StateBytes.Writer(TAG).writeDouble(s.sum()).writeLong(s.count()).toBytes();
  }

  @Override
  public TileState decode(byte[] bytes) {
    ByteBuffer in = StateBytes.reader(TAG, "avg", bytes);
    SumCount s = new SumCount(in.getDouble(), in.getLong());
    StateBytes.requireEnd(in);
    return s;
  }
}
