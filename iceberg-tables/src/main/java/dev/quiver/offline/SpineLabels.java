package dev.quiver.offline;

import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.JoinKey;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates the label rows of a retrieval without labels: for one entity key, one row per reference
 * time, holding the join-key values and the time ({@code timestamp}).
 */
public final class SpineLabels implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String TIME_COLUMN = "timestamp";
  private final long[] times;
  private final FeatureType.Scalar[] keys;
  private final int featureSlots;

  public SpineLabels(long[] times, List<JoinKey> keys, int featureSlots) {
    this.times = times.clone();
    this.keys = keys.stream().map(k -> k.type().scalar()).toArray(FeatureType.Scalar[]::new);
    this.featureSlots = featureSlots;
  }

  /**
   * The key's rows plus generated labels, or the rows alone when no event is at or before the last
   * reference time (the key did not exist yet).
   */
  public Iterable<SweepRow> withLabels(String key, Iterable<SweepRow> rows) {
    List<SweepRow> all = new ArrayList<>();
    long last = times[times.length - 1];
    boolean exists = false;
    for (SweepRow r : rows) {
      all.add(r);
      exists |= r.time <= last;
    }
    if (!exists) {
      return all;
    }
    String[] parts = KeyCodec.decode(key, keys.length);
    for (long t : times) {
      Object[] values = new Object[keys.length + 1];
      for (int i = 0; i < keys.length; i++) {
        values[i] = KeyCodec.typed(parts[i], keys[i]);
      }
      values[keys.length] = t;
      all.add(SweepRow.label(key, t, values, featureSlots));
    }
    return all;
  }
}
