package dev.quiver.offline;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.Schema;
import org.apache.iceberg.shaded.org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Puts the bounds of a registered Parquet file's {@code TIMESTAMP(MILLIS)} and {@code
 * TIMESTAMP(NANOS)} columns in Iceberg's microseconds. Iceberg's footer metrics ({@code
 * ParquetUtil.fileMetrics}, 1.11) copy such a column's min and max as they are, while the table's
 * type is a microsecond timestamp and its reader converts the values: a millisecond column's bounds
 * were 1000 times too small (a label time of 2026-11-28 read as 1970-01-21), a nanosecond column's
 * 1000 times too large, which the availability guard's warning and a backfill's range read (the
 * range filter pruned every nanosecond file, and the backfill appended nothing). pandas and pyarrow
 * write nanoseconds by default ({@code datetime64[ns]}) and milliseconds when the data frame holds
 * them ({@code datetime64[ms]}), Spark and Iceberg microseconds.
 */
final class MillisTimestampBounds {
  private MillisTimestampBounds() {}

  /**
   * The table property of a registered Parquet table that lists its {@code TIMESTAMP(MILLIS)} and
   * {@code TIMESTAMP(NANOS)} columns (comma-separated). The file bounds are rescaled, but a Parquet
   * row group's statistics stay in the file's unit, and Iceberg's reader compares them with a
   * filter's microseconds as they are: a scan filter on such a column would skip every row group (a
   * backfill read nothing), so {@link #columns} tells a scan not to filter on them.
   */
  static final String PROPERTY = "quiver.parquet.millis-timestamp-columns";

  /**
   * The top-level column names of {@code type} whose timestamps are not in microseconds ({@code
   * TIMESTAMP(MILLIS)} or {@code TIMESTAMP(NANOS)}).
   */
  static java.util.Set<String> millisColumns(MessageType type) {
    return units(type).keySet();
  }

  /** The non-microsecond timestamp columns of {@code type}, with their unit. */
  private static Map<String, LogicalTypeAnnotation.TimeUnit> units(MessageType type) {
    Map<String, LogicalTypeAnnotation.TimeUnit> out = new java.util.TreeMap<>();
    for (var field : type.getFields()) {
      if (field.isPrimitive()
          && field.getLogicalTypeAnnotation()
              instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts
          && ts.getUnit() != LogicalTypeAnnotation.TimeUnit.MICROS) {
        out.put(field.getName(), ts.getUnit());
      }
    }
    return out;
  }

  /** The columns {@link #PROPERTY} of {@code table} lists (none for a table without it). */
  static java.util.Set<String> columns(org.apache.iceberg.Table table) {
    String v = table.properties().get(PROPERTY);
    if (v == null || v.isBlank()) {
      return java.util.Set.of();
    }
    return java.util.Set.of(v.split(","));
  }

  /** {@code metrics} of a file of Parquet type {@code type} registered with {@code schema}. */
  static Metrics inMicros(Metrics metrics, MessageType type, Schema schema) {
    Map<Integer, ByteBuffer> lower = metrics.lowerBounds();
    Map<Integer, ByteBuffer> upper = metrics.upperBounds();
    if (lower == null && upper == null) {
      return metrics;
    }
    Map<Integer, ByteBuffer> newLower = lower == null ? null : new HashMap<>(lower);
    Map<Integer, ByteBuffer> newUpper = upper == null ? null : new HashMap<>(upper);
    boolean changed = false;
    for (var column : units(type).entrySet()) {
      Types.NestedField f = schema.findField(column.getKey());
      if (f == null || f.type().typeId() != Type.TypeID.TIMESTAMP) {
        continue;
      }
      boolean nanos = column.getValue() == LogicalTypeAnnotation.TimeUnit.NANOS;
      changed |= scale(newLower, f, nanos, false);
      changed |= scale(newUpper, f, nanos, true);
    }
    if (!changed) {
      return metrics;
    }
    return new Metrics(
        metrics.recordCount(),
        metrics.columnSizes(),
        metrics.valueCounts(),
        metrics.nullValueCounts(),
        metrics.nanValueCounts(),
        newLower,
        newUpper);
  }

  /**
   * Rescales one bound to microseconds: milliseconds times 1000; nanoseconds divided by 1000, the
   * lower bound floored and the upper one rounded up, so that the bounds still hold every value.
   */
  private static boolean scale(
      Map<Integer, ByteBuffer> bounds, Types.NestedField f, boolean nanos, boolean upper) {
    ByteBuffer b = bounds == null ? null : bounds.get(f.fieldId());
    if (b == null) {
      return false;
    }
    long v = Conversions.<Long>fromByteBuffer(f.type(), b);
    long micros;
    if (!nanos) {
      micros = Math.multiplyExact(v, 1000L);
    } else if (upper) {
      micros = -Math.floorDiv(-v, 1000L);
    } else {
      micros = Math.floorDiv(v, 1000L);
    }
    bounds.put(f.fieldId(), Conversions.toByteBuffer(f.type(), micros));
    return true;
  }
}
