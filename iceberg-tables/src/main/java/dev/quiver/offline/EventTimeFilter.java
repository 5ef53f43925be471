package dev.quiver.offline;

import dev.quiver.core.spec.FeatureType;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * The Iceberg filter of a backfill's scan of raw events: the rows whose event time may lie in
 * {@code [from, to)}, or is null (a malformed row the backfill counts as skipped). Iceberg prunes
 * with it the data files whose partition or column bounds rule it out, and the Parquet reader the
 * row groups whose statistics do; rows are not filtered by it (the backfill's SQL keeps its exact
 * range filter after the scan), so it only has to be inclusive: it never drops a row the SQL keeps.
 *
 * <p>No look-back: a backfill's rows are computed from the events of its range only (the offline
 * rows are one per event, tumbling windows are grouped over the range's events, and the range
 * filter applies before the dedup), so the scan needs nothing before {@code from}. With {@code
 * --online} the backfill scans its planner's wider read range ({@link BackfillPlanner#readRange}:
 * the enclosing coarsest tiles, whose tiles are written whole).
 */
public final class EventTimeFilter {
  private EventTimeFilter() {}

  /**
   * The filter on {@code column} of {@code raw}, declared {@code declared} in the view's source;
   * {@link Expressions#alwaysTrue()} (the whole history) when the column is not one the backfill
   * reads as epoch milliseconds (an int64 or int32 column) or as a timestamp (a timestamp column
   * declared timestamp), for example a string it casts, or when it is a registered Parquet file's
   * millisecond timestamp (its row groups' statistics stay in milliseconds, and Iceberg's reader
   * would skip them all: see {@link MillisTimestampBounds#PROPERTY}).
   */
  public static Expression of(
      Table raw, String column, FeatureType declared, Instant from, Instant to) {
    if (MillisTimestampBounds.columns(raw).contains(column)) {
      return Expressions.alwaysTrue();
    }
    Types.NestedField f = raw.schema().findField(column);
    if (f == null) {
      return Expressions.alwaysTrue();
    }
    Type.TypeID id = f.type().typeId();
    long lo = from.toEpochMilli();
    long hi = to.toEpochMilli();
    Expression range;
    if (id == Type.TypeID.LONG || id == Type.TypeID.INTEGER) {
      // read as epoch milliseconds, whether declared timestamp or int64
      range = between(f.name(), lo, hi);
    } else if (id == Type.TypeID.TIMESTAMP && FeatureType.TIMESTAMP.equals(declared)) {
      // microseconds, read as milliseconds (CAST to TIMESTAMP_LTZ(3)), which truncates: a
      // millisecond of slack below keeps the filter inclusive were it to round instead
      range = between(f.name(), micros(lo) - 1000, micros(hi));
    } else {
      return Expressions.alwaysTrue();
    }
    return Expressions.or(Expressions.isNull(f.name()), range);
  }

  /**
   * A data file's bound of an event-time column {@code f} ({@code lowerBounds()} or {@code
   * upperBounds()}) in epoch milliseconds: a timestamp's microseconds floored, an integer column's
   * value as is; null when the file has no bound for it or it is not a number.
   */
  static Long boundMillis(Types.NestedField f, Map<Integer, ByteBuffer> bounds) {
    ByteBuffer b = bounds == null ? null : bounds.get(f.fieldId());
    if (b == null) {
      return null;
    }
    Object v = Conversions.fromByteBuffer(f.type(), b);
    if (!(v instanceof Number n)) {
      return null;
    }
    return f.type().typeId() == Type.TypeID.TIMESTAMP
        ? Math.floorDiv(n.longValue(), 1000L)
        : n.longValue();
  }

  /** Epoch milliseconds as microseconds, saturated ten seconds short of the long range. */
  static long micros(long millis) {
    long limit = Long.MAX_VALUE / 1000 - 10_000;
    return Math.max(-limit, Math.min(limit, millis)) * 1000;
  }

  private static Expression between(String column, long first, long end) {
    return Expressions.and(
        Expressions.greaterThanOrEqual(column, first), Expressions.lessThan(column, end));
  }
}
