package dev.quiver.core.tile;

import dev.quiver.core.spec.FeatureType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * last_n: the values of the {@code n} latest events by {@link Stamped#ORDER}, newest first. The
 * state keeps up to n stamped events, newest first; a merge is a bounded merge of two sorted lists,
 * so any grouping of tiles gives the same n events.
 */
final class LastNAggregator implements TileAggregator {
  private static final byte TAG = 7;

  /** The state: up to n events, newest first (unmodifiable). */
  record Latest(List<Stamped> events) implements TileState {}

  private final FeatureType type;
  private final int n;

  LastNAggregator(FeatureType type, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("last_n: n = " + n + " (expected: >= 1)");
    }
    if (type.array()) {
      throw new IllegalArgumentException(
          "last_n: input type " + type + " (expected: a scalar column)");
    }
    this.type = type;
    this.n = n;
  }

  @Override
  public TileState empty() {
    return new Latest(List.of());
  }

  @Override
  public TileState add(TileState state, Object value, long eventTime, long seq) {
    if (value == null) {
      return state;
    }
    return merge(state, new Latest(List.of(new Stamped(value, eventTime, seq))));
  }

  @Override
  public TileState merge(TileState a, TileState b) {
    List<Stamped> x = ((Latest) a).events();
    List<Stamped> y = ((Latest) b).events();
    List<Stamped> out = new ArrayList<>(Math.min(n, x.size() + y.size()));
    int i = 0;
    int j = 0;
    while (out.size() < n && (i < x.size() || j < y.size())) {
      if (j >= y.size() || (i < x.size() && Stamped.ORDER.compare(x.get(i), y.get(j)) >= 0)) {
        out.add(x.get(i++));
      } else {
        out.add(y.get(j++));
      }
    }
    return new Latest(Collections.unmodifiableList(out));
  }

  @Override
  public Object finish(TileState state) {
    return ((Latest) state).events().stream().map(Stamped::value).toList();
  }

  @Override
  public byte[] encode(TileState state) {
    List<Stamped> events = ((Latest) state).events();
    StateBytes.Writer w = new StateBytes.Writer(TAG).writeInt(events.size());
    for (Stamped e : events) {
      w.writeLong(e.eventTime()).writeLong(e.seq()).writeValue(type, e.value());
    }
    return w.toBytes();
  }

  @Override
  public TileState decode(byte[] bytes) {
    ByteBuffer in = StateBytes.reader(TAG, "last_n", bytes);
    int size = in.getInt();
    if (size < 0 || size > n) {
      throw new IllegalArgumentException("last_n state: " + size + " events (expected: <= " + n);
    }
    List<Stamped> events = new ArrayList<>(size);
    for (int k = 0; k < size; k++) {
      long eventTime = in.getLong();
      long seq = in.getLong();
      events.add(new Stamped(StateBytes.readValue(in, type), eventTime, seq));
    }
    StateBytes.requireEnd(in);
    return new Latest(Collections.unmodifiableList(events));
  }
}
