package dev.quiver.offline;

import java.util.Arrays;

/**
 * One row of the point-in-time sweep: either a label row (a training example, or a reference time
 * of a retrieval without labels) or a feature event of one view. A Flink POJO and a Spark bean;
 * values are plain Java objects (String, Long, Integer, Double, Float, Boolean, byte[], List for
 * arrays; timestamps as epoch millis).
 */
public class SweepRow implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** {@link #kind} of label rows; events carry their view's index (>= 0). */
  public static final int LABEL = -1;

  /** The encoded join-key values of the entity group being swept. */
  public String key;

  /** Label timestamp or event time, epoch millis. */
  public long time;

  /** {@link #LABEL} or the view index. */
  public int kind;

  /** Events: tie-break sequence ({@code _seq}). */
  public long seq;

  /** Events: {@code _ingested_at}, epoch millis. */
  public long ingestedAt;

  /** Labels: the label columns; events: row features then aggregation inputs. */
  public Object[] values;

  /** Labels: the output feature slots, filled by the sweeps. Null for events. */
  public Object[] features;

  public SweepRow() {}

  public static SweepRow event(
      String key, int view, long time, long seq, long ingestedAt, Object[] v) {
    SweepRow r = new SweepRow();
    r.key = key;
    r.kind = view;
    r.time = time;
    r.seq = seq;
    r.ingestedAt = ingestedAt;
    r.values = v;
    return r;
  }

  public static SweepRow label(String key, long time, Object[] labelValues, int featureSlots) {
    SweepRow r = new SweepRow();
    r.key = key;
    r.kind = LABEL;
    r.time = time;
    r.values = labelValues;
    r.features = new Object[featureSlots];
    return r;
  }

  public boolean isLabel() {
    return kind == LABEL;
  }

  @Override
  public String toString() {
    return (isLabel() ? "label" : "event#" + kind)
        + "{key="
        + key
        + ", time="
        + time
        + ", seq="
        + seq
        + ", ingestedAt="
        + ingestedAt
        + ", values="
        + Arrays.deepToString(values)
        + (features == null ? "" : ", features=" + Arrays.deepToString(features))
        + "}";
  }
}
