package dev.quiver.offline;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/** Conversions between plain Java values and Iceberg generic-record values. */
final class IcebergValues {
  private IcebergValues() {}

  /**
   * A plain value (Instant / epoch millis for timestamps, epoch days for dates, byte[] for binary)
   * as Iceberg holds it.
   */
  static Object toIceberg(Type type, Object v) {
    if (v == null) {
      return null;
    }
    switch (type.typeId()) {
      case TIMESTAMP:
        if (!((Types.TimestampType) type).shouldAdjustToUTC()) {
          // a zone-less timestamp (pandas' naive datetime64 in a label file): the sweep carries
          // its wall-clock time as epoch millis of UTC
          if (v instanceof LocalDateTime l) {
            return l;
          }
          if (v instanceof Number n) {
            return LocalDateTime.ofInstant(Instant.ofEpochMilli(n.longValue()), ZoneOffset.UTC);
          }
          break;
        }
        if (v instanceof OffsetDateTime o) {
          return o;
        }
        if (v instanceof Instant i) {
          return i.atOffset(ZoneOffset.UTC);
        }
        if (v instanceof Number n) {
          return OfflineWriter.timestamptz(n.longValue());
        }
        break;
      case DATE:
        if (v instanceof LocalDate d) {
          return d;
        }
        if (v instanceof Number n) {
          return LocalDate.ofEpochDay(n.longValue()); // days since 1970, as RowData holds it
        }
        break;
      case LONG:
        return ((Number) v).longValue();
      case INTEGER:
        return ((Number) v).intValue();
      case DOUBLE:
        return ((Number) v).doubleValue();
      case FLOAT:
        return ((Number) v).floatValue();
      case STRING:
        return v.toString();
      case BINARY:
        return v instanceof byte[] b ? ByteBuffer.wrap(b) : v;
      case LIST:
        List<Object> out = new ArrayList<>();
        Type element = type.asListType().elementType();
        for (Object o : (List<?>) v) {
          out.add(toIceberg(element, o));
        }
        return out;
      default:
        return v;
    }
    throw new IllegalArgumentException(
        "value " + v + " (" + v.getClass().getSimpleName() + ") is not a " + type);
  }

  /** An Iceberg generic value as the plain value the sweep uses (timestamps as epoch millis). */
  static Object fromIceberg(Object v) {
    if (v instanceof OffsetDateTime o) {
      return o.toInstant().toEpochMilli();
    }
    if (v instanceof ByteBuffer b) {
      byte[] out = new byte[b.remaining()];
      b.duplicate().get(out);
      return out;
    }
    if (v instanceof CharSequence cs && !(v instanceof String)) {
      return cs.toString();
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (Object o : l) {
        out.add(fromIceberg(o));
      }
      return out;
    }
    return v;
  }
}
