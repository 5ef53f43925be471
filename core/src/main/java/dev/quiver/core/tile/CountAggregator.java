package dev.quiver.core.tile;

import java.nio.ByteBuffer;

/** count: the number of events ({@code count(*)}) or of non-null values of a column. */
final class CountAggregator implements TileAggregator {
  private static final byte TAG = 1;

  /** The state: a count. */
  record Count(long n) implements TileState {}

  private final boolean countNulls;

  CountAggregator(boolean countNulls) {
    this.countNulls = countNulls;
  }

  @Override
  public TileState empty() {
    return new Count(0);
  }

  @Override
  public TileState add(TileState state, Object value, long eventTime, long seq) {
    Count c = (Count) state;
    return value == null && !countNulls ? c : new Count(c.n() + 1);
  }

  @Override
  public TileState merge(TileState a, TileState b) {
    return new Count(((Count) a).n() + ((Count) b).n());
  }

  @Override
  public Object finish(TileState state) {
    return ((Count) state).n();
  }

  @Override
  public byte[] encode(TileState state) {
    return new StateBytes.Writer(TAG).writeLong(((Count) state).n()).toBytes();
  }

  @Override
  public TileState decode(byte[] bytes) {
    ByteBuffer in = StateBytes.reader(TAG, "count", bytes);
    Count c = new Count(in.getLong());
    StateBytes.requireEnd(in);
    return c;
  }
}
