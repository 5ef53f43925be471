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
 * Puts the bounds of a registered Parquet file's {@code TIMESTAMP(MILLIS)} columns in Iceberg's
 * microseconds. Iceberg's footer metrics ({@code ParquetUtil.fileMetrics}, 1.11) copy a millisecond
 * column's min and max as they are, while the table's type is a microsecond timestamp and its
 * reader converts the values: the bounds were 1000 times too small (a label time of 2026-11-28 read
 * as 1970-01-21), which the availability guard's warning and a backfill's range read. pandas and
 * pyarrow write milliseconds when the data frame holds them ({@code datetime64[ms]}), Spark and
 * Iceberg microseconds.
 */
final class MillisTimestampBounds {
  private MillisTimestampBounds() {}

  /**
   * The table property of a registered Parquet table that lists its {@code TIMESTAMP(MILLIS)}
   * columns (comma-separated). The file bounds are rescaled, but a Parquet row group's statistics
   * stay in milliseconds, and Iceberg's reader compares them with a filter's microseconds as they
   * are: a scan filter on such a column would skip every row group (a backfill read nothing), so
   * {@link #columns} tells a scan not to filter on them.
   */
  static final String PROPERTY = "quiver.parquet.millis-timestamp-columns";

  /** The {@code TIMESTAMP(MILLIS)} top-level column names of {@code type}. */
  static java.util.Set<String> millisColumns(MessageType type) {
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (var field : type.getFields()) {
      if (field.isPrimitive()
          && field.getLogicalTypeAnnotation()
              instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts
          && ts.getUnit() == LogicalTypeAnnotation.TimeUnit.MILLIS) {
        out.add(field.getName());
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
    for (String name : millisColumns(type)) {
      Types.NestedField f = schema.findField(name);
      if (f == null || f.type().typeId() != Type.TypeID.TIMESTAMP) {
        continue;
      }
      changed |= scale(newLower, f);
      changed |= scale(newUpper, f);
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

  private static boolean scale(Map<Integer, ByteBuffer> bounds, Types.NestedField f) {
    ByteBuffer b = bounds == null ? null : bounds.get(f.fieldId());
    if (b == null) {
      return false;
    }
    long millis = Conversions.<Long>fromByteBuffer(f.type(), b);
    bounds.put(f.fieldId(), Conversions.toByteBuffer(f.type(), Math.multiplyExact(millis, 1000L)));
    return true;
  }
}
