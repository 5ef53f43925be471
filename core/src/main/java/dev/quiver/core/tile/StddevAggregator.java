package dev.quiver.core.tile;

import java.nio.ByteBuffer;

/**
 * stddev: the <em>sample</em> standard deviation {@code sqrt(M2 / (n - 1))}; null when fewer than
 * two values. The state is the moments {@code (n, mean, M2)}: events are folded with Welford's
 * update and states merged with Chan et al.'s parallel formula, which is numerically stable and
 * associative up to floating-point rounding.
 */
final class StddevAggregator implements TileAggregator {
  private static final byte TAG = 4;

  /** The state: count, running mean and sum of squared deviations from the mean. */
  record Moments(long n, double mean, double m2) implements TileState {}

  @Override
  public TileState empty() {
    return new Moments(0, 0.0, 0.0);
  }

  @Override
  public TileState add(TileState state, Object value, long eventTime, long seq) {
    if (value == null) {
      return state;
    }
    Moments m = (Moments) state;
    double x = ((Number) value).doubleValue();
    long n = m.n() + 1;
    double delta = x - m.mean();
    double mean = m.mean() + delta / n;
    return new Moments(n, mean, m.m2() + delta * (x - mean));
  }

  @Override
  public TileState merge(TileState a, TileState b) {
    Moments x = (Moments) a;
    Moments y = (Moments) b;
    if (x.n() == 0) {
      return y;
    }
    if (y.n() == 0) {
      return x;
    }
    long n = x.n() + y.n();
    double delta = y.mean() - x.mean();
    double mean = x.mean() + delta * y.n() / n;
    double m2 = x.m2() + y.m2() + delta * delta * ((double) x.n() * y.n() / n);
    return new Moments(n, mean, m2);
  }

  @Override
  public Object finish(TileState state) {
    Moments m = (Moments) state;
    return m.n() < 2 ? null : Math.sqrt(Math.max(0.0, m.m2()) / (m.n() - 1));
  }

  @Override
  public byte[] encode(TileState state) {
    Moments m = (Moments) state;
    return new StateBytes.Writer(TAG)
        .writeLong(m.n())
        .writeDouble(m.mean())
        .writeDouble(m.m2())
        .toBytes();
  }

  @Override
  public TileState decode(byte[] bytes) {
    ByteBuffer in = StateBytes.reader(TAG, "stddev", bytes);
    Moments m = new Moments(in.getLong(), in.getDouble(), in.getDouble());
    StateBytes.requireEnd(in);
    return m;
  }
}
