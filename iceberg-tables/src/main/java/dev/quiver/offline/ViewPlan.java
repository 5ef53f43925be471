package dev.quiver.offline;

import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.FeatureType;
import java.io.Serializable;
import java.util.List;

/**
 * How one view takes part in a point-in-time sweep: which event values are row features, which
 * aggregations to compute and where their results go among the label's feature slots.
 *
 * @param viewIndex the {@link SweepRow#kind} of this view's events
 * @param name {@code namespace.view:version}, for messages
 * @param rowFeatures indexes into the event values of the selected row features
 * @param aggregations the selected window aggregations
 * @param outputOffset the first feature slot of this view; row features first, then aggregations
 * @param ttlMillis row features are usable while {@code event_time > t - ttl}
 * @param tileMillis the view's tile size (window starts are tile-aligned)
 * @param delayMillis the availability delay: events are usable at t only if {@code event_time <= t
 *     - delay}
 */
public record ViewPlan(
    int viewIndex,
    String name,
    int[] rowFeatures,
    List<AggPlan> aggregations,
    int outputOffset,
    long ttlMillis,
    long tileMillis,
    long delayMillis)
    implements Serializable {

  public int outputWidth() {
    return rowFeatures.length + aggregations.size();
  }

  /**
   * The newest event time usable at {@code t}: {@code t - delay}, held at {@code Long.MIN_VALUE}
   * for a label without a time (read as {@code Long.MIN_VALUE}), whose {@code t - delay} wrapped
   * around to a time after every event (before: without the guard, such a label took in every event
   * of its key, and the key's later labels were given values from their future).
   */
  public long cutoff(long t) {
    long delay = Math.max(0, delayMillis);
    return t < Long.MIN_VALUE + delay ? Long.MIN_VALUE : t - delay;
  }

  /**
   * One window aggregation.
   *
   * @param column the aggregated source column; {@code *} for {@code count(*)}
   * @param inputIndex index into the event values of the input column; -1 for {@code count(*)}
   * @param dtype the feature's output type (scalar), as the online tile algebra derives it
   * @param dtypeArray whether the output is an array (last_n)
   */
  public record AggPlan(
      AggregationFunction function,
      String column,
      long windowMillis,
      int n,
      int inputIndex,
      FeatureType.Scalar dtype,
      boolean dtypeArray)
      implements Serializable {}
}
