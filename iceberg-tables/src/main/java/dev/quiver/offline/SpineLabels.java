package dev.quiver.offline;

import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.JoinKey;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.types.Types;

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

  /**
   * The label columns of a retrieval without labels: the join keys, then {@value #TIME_COLUMN}
   * (field ids from 1, all optional, as every engine's training-set writer declares them).
   */
  public static List<Types.NestedField> columns(List<JoinKey> keys) {
    List<Types.NestedField> columns = new ArrayList<>();
    int id = 0;
    for (JoinKey k : keys) {
      columns.add(Types.NestedField.optional(++id, k.name(), OfflineTables.icebergType(k.type())));
    }
    columns.add(Types.NestedField.optional(++id, TIME_COLUMN, Types.TimestampType.withZone()));
    return columns;
  }

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
