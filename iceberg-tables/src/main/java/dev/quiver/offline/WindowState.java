package dev.quiver.offline;

import dev.quiver.core.codec.ValueCodec;
import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.tile.TileAggregator;
import dev.quiver.core.tile.TileAggregators;
import dev.quiver.core.tile.TileRef;
import dev.quiver.core.tile.TileState;
import dev.quiver.core.tile.Tiling;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * One window aggregation of one key during a sweep, computed exactly as an online read computes it:
 * the usable events are folded into the team-wide tiles (core's {@link Tiling}, fine tiles plus
 * rollups) with core's {@link TileAggregator} states, and a value at t merges the tiles of {@link
 * Tiling#cover} and finishes them. So count_distinct uses the same HLL sketch, stddev the same
 * formula and last_n the same order online and offline.
 */
final class WindowState {
  final ViewPlan.AggPlan plan;
  private final TileAggregator agg;
  private final FeatureType inputType;
  private final Tiling tiling;
  private final Map<TileRef, TileState> tiles = new HashMap<>();
  private long evictedBefore = Long.MIN_VALUE;
  private int sinceEviction;

  WindowState(ViewPlan.AggPlan plan, long tileMillis) {
    this.plan = plan;
    FeatureType dtype = new FeatureType(plan.dtype(), plan.dtypeArray());
    Feature f =
        new Feature(
            "window",
            dtype,
            "",
            null,
            new Aggregation(
                plan.column(), plan.function(), Duration.ofMillis(plan.windowMillis()), plan.n()),
            Map.of());
    this.agg = TileAggregators.forFeature(f);
    // count(column) only tests for null; count_distinct hashes core's canonical bytes of whatever
    // Java type the reader gives (DistinctValues), as the streaming job's tiles do
    this.inputType =
        switch (plan.function()) {
          case COUNT, COUNT_DISTINCT -> null;
          case AVG, STDDEV -> FeatureType.FLOAT64;
          case LAST_N -> new FeatureType(dtype.scalar(), false);
          default -> dtype;
        };
    this.tiling = Tiling.withDefaultRollups(Duration.ofMillis(tileMillis));
  }

  void add(SweepRow e) {
    if (e.time < evictedBefore) {
      return; // outside every later window
    }
    add(e.time, e.seq, plan.inputIndex() < 0 ? null : e.values[plan.inputIndex()]);
  }

  /** Whether an event at {@code time} can still count (windows only move forward). */
  boolean accepts(long time) {
    return time >= evictedBefore;
  }

  /**
   * Folds one usable event: its time, {@code _seq} and the value of the aggregated column (ignored
   * for {@code count(*)}).
   */
  void add(long time, long seq, Object input) {
    if (time < evictedBefore) {
      return; // outside every later window
    }
    Object v = input == null || inputType == null ? input : ValueCodec.normalize(inputType, input);
    for (TileRef r : tiling.tilesOf(time)) {
      TileState s = tiles.get(r);
      tiles.put(r, agg.add(s == null ? agg.empty() : s, v, time, seq));
    }
  }

  /**
   * The feature value at {@code t}: the merged states of the window's tile cover, finished. {@code
   * t} is clamped into the readable range as an online read's as_of is ({@link
   * Tiling#clampReadTime}): a label without a time (read as {@code Long.MIN_VALUE}, sorted first)
   * gets the empty window's value, as its row features get null.
   */
  Object value(long time) {
    long t = Tiling.clampReadTime(time);
    long start = tiling.windowStart(t, plan.windowMillis());
    if (++sinceEviction >= 64) {
      evict(start);
    }
    TileState merged = agg.empty();
    for (TileRef r : tiling.cover(t, plan.windowMillis())) {
      TileState s = tiles.get(r);
      if (s != null) {
        merged = agg.merge(merged, s);
      }
    }
    Object v = agg.finish(merged);
    // a plain list: the value travels through Flink's and Spark's serializers
    return v instanceof java.util.List<?> l ? new java.util.ArrayList<>(l) : v;
  }

  private void evict(long start) {
    sinceEviction = 0;
    evictedBefore = Math.max(evictedBefore, start);
    Iterator<TileRef> it = tiles.keySet().iterator();
    while (it.hasNext()) {
      if (it.next().end() <= evictedBefore) {
        it.remove();
      }
    }
  }
}
