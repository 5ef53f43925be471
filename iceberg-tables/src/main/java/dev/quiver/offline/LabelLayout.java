package dev.quiver.offline;

import dev.quiver.core.offline.OfflineTimes;
import java.io.Serializable;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Type.TypeID;
import org.apache.iceberg.types.Types;

/**
 * Where a label row's parts sit in the label table's columns, for the columnar label read ({@link
 * LabelPages}): the time column, the first entity group's join keys and the number of feature slots
 * every label row carries ({@link FlinkFunctions.LabelMapper}'s inputs).
 */
record LabelLayout(Schema projection, int timePos, int[] keyPositions, int featureSlots)
    implements Serializable {
  private static final Set<TypeID> KEYS = Set.of(TypeID.STRING, TypeID.LONG, TypeID.INTEGER);
  private static final Set<TypeID> TIMES = Set.of(TypeID.TIMESTAMP, TypeID.LONG, TypeID.INTEGER);

  /** Epoch milliseconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z. */
  static final long MIN_MILLIS = -62_167_219_200_000L;

  static final long MAX_MILLIS = 253_402_300_799_999L;

  /**
   * A label time read from an integer column, which holds epoch milliseconds: refused outside the
   * years 0000 to 9999, where microseconds and nanoseconds of today's dates land (QA pass, session
   * 11: they were taken for milliseconds thousands of years ahead, every window empty and every row
   * feature expired, without a word), and within 1970 ± {@link OfflineTimes#MIN_PLAUSIBLE_MILLIS},
   * where epoch seconds land (taken for milliseconds in January 1970, every feature was null).
   */
  static long epochMillis(String column, long v) {
    long abs = v == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(v);
    if (v >= MIN_MILLIS && v <= MAX_MILLIS && abs >= OfflineTimes.MIN_PLAUSIBLE_MILLIS) {
      return v;
    }
    if (abs < OfflineTimes.MIN_PLAUSIBLE_MILLIS) {
      throw new IllegalArgumentException(
          "labels.timestamp_column: '"
              + column
              + "' holds "
              + v
              + ", "
              + java.time.Instant.ofEpochMilli(v)
              + " as epoch milliseconds (expected: an integer time column in epoch milliseconds,"
              + " or a timestamp column; seconds? multiply by 1000, e.g."
              + " pandas.to_datetime(df['"
              + column
              + "'], unit='s', utc=True); times before 1973-03-03 as a timestamp column)");
    }
    String unit =
        abs >= 100_000_000_000_000_000L
            ? "nanoseconds? divide by 1000000"
            : "microseconds? divide by 1000";
    throw new IllegalArgumentException(
        "labels.timestamp_column: '"
            + column
            + "' holds "
            + v
            + ", outside the years 0000 to 9999 as epoch milliseconds (expected: an integer time"
            + " column in epoch milliseconds, or a timestamp column; "
            + unit
            + ")");
  }

  /**
   * The layout when every column is a scalar that {@link ParquetPages} decodes ({@link
   * EventBytes#supports}' value types), the join keys are strings or integers and the time a
   * timestamp or an integer; null otherwise (the labels are read row by row).
   */
  static LabelLayout of(Schema labels, int timePos, int[] keyPositions, int featureSlots) {
    List<Types.NestedField> cols = labels.columns();
    for (Types.NestedField f : cols) {
      if (!EventBytes.VALUES.contains(f.type().typeId())) {
        return null;
      }
    }
    if (!TIMES.contains(cols.get(timePos).type().typeId())) {
      return null;
    }
    for (int k : keyPositions) {
      if (!KEYS.contains(cols.get(k).type().typeId())) {
        return null;
      }
    }
    return new LabelLayout(labels, timePos, keyPositions.clone(), featureSlots);
  }
}
