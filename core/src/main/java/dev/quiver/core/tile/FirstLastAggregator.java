package dev.quiver.core.tile;

import dev.quiver.core.spec.FeatureType;
import java.nio.ByteBuffer;

/**
 * first / last: the value of the earliest / latest event by {@link Stamped#ORDER} (event time, then
 * seq). Merges pick by that order, so the result does not depend on arrival order.
 */
final class FirstLastAggregator implements TileAggregator {
  private static final byte TAG = 6;

  /** The state: the chosen event, null when empty. */
  record Chosen(Stamped event) implements TileState {}

  private final FeatureType type;
  private final boolean last;

  FirstLastAggregator(FeatureType type, boolean last) {
    this.type = type;
    this.last = last;
  }

  @Override
  public TileState empty() {
    return new Chosen(null);
  }

  @Override
  public TileState add(TileState state, Object value, long eventTime, long seq) {
    return value == null ? state : merge(state, new Chosen(new Stamped(value, eventTime, seq)));
  }

  @Override
  public TileState merge(TileState a, TileState b) {
    Stamped x = ((Chosen) a).event();
    Stamped y = ((Chosen) b).event();
    if (x == null) {
      return b;
    }
    if (y == null) {
      return a;
    }
    int c = Stamped.ORDER.compare(x, y);
    return (last ? c >= 0 : c <= 0) ? a : b;
  }

  @Override
  public Object finish(TileState state) {
    Stamped e = ((Chosen) state).event();
    return e == null ? null : e.value();
  }

  @Override
  public byte[] encode(TileState state) {
    Stamped e = ((Chosen) state).event();
    StateBytes.Writer w = new StateBytes.Writer(TAG);
    if (e == null) {
      return w.writeInt(0).toBytes();
    }
    return w.writeInt(1)
        .writeLong(e.eventTime())
        .writeLong(e.seq())
        .writeValue(type, e.value())
        .toBytes();
  }

  @Override
  public TileState decode(byte[] bytes) {
    ByteBuffer in = StateBytes.reader(TAG, last ? "last" : "first", bytes);
    Chosen c = new Chosen(null);
    if (in.getInt() != 0) {
      long eventTime = in.getLong();
      long seq = in.getLong();
      c = new Chosen(new Stamped(StateBytes.readValue(in, type), eventTime, seq));
    }
    StateBytes.requireEnd(in);
    return c;
  }
}
