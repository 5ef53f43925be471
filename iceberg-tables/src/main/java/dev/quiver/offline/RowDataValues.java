package dev.quiver.offline;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Reads plain Java values out of the Flink {@link RowData} that Iceberg's Flink source produces for
 * a projected schema (timestamps as epoch millis).
 */
final class RowDataValues implements Serializable {
  private static final long serialVersionUID = 1L;
  private final Type[] types;

  RowDataValues(Schema projected) {
    this.types = projected.columns().stream().map(f -> f.type()).toArray(Type[]::new);
  }

  /** The column types {@link #get} reads. */
  private static final Set<Type.TypeID> SCALARS =
      EnumSet.of(
          Type.TypeID.STRING,
          Type.TypeID.LONG,
          Type.TypeID.INTEGER,
          Type.TypeID.DOUBLE,
          Type.TypeID.FLOAT,
          Type.TypeID.BOOLEAN,
          Type.TypeID.BINARY,
          Type.TypeID.FIXED,
          Type.TypeID.TIMESTAMP,
          Type.TypeID.DATE);

  /** The element types of a list column {@link #get} reads. */
  private static final Set<Type.TypeID> ELEMENTS =
      EnumSet.of(
          Type.TypeID.STRING,
          Type.TypeID.LONG,
          Type.TypeID.INTEGER,
          Type.TypeID.DOUBLE,
          Type.TypeID.FLOAT,
          Type.TypeID.BOOLEAN,
          Type.TypeID.TIMESTAMP);

  /**
   * Refuses a label column of a type a training set cannot carry, naming it and the fix, before the
   * job runs (until session 12 the job failed reading the first row, naming no column).
   */
  static void requireLabelColumn(Types.NestedField column) {
    Type t = column.type();
    boolean ok =
        SCALARS.contains(t.typeId())
            || t.typeId() == Type.TypeID.LIST
                && ELEMENTS.contains(t.asListType().elementType().typeId());
    if (!ok) {
      throw new IllegalArgumentException(
          "labels: column '"
              + column.name()
              + "' is "
              + t
              + ", a type a training set cannot carry (label columns may be strings, integers,"
              + " floating-point numbers, booleans, binary, dates, timestamps, or lists of"
              + " strings, numbers, booleans or timestamps): cast it in the label file (a decimal"
              + " to DOUBLE or STRING, a time of day to STRING) or drop the column");
    }
  }

  Object get(RowData row, int pos) {
    if (row.isNullAt(pos)) {
      return null;
    }
    return scalar(types[pos], row, pos);
  }

  long millis(RowData row, int pos) {
    Type t = types[pos];
    if (t.typeId() == Type.TypeID.TIMESTAMP) {
      return row.getTimestamp(pos, 6).getMillisecond();
    }
    return row.getLong(pos);
  }

  private static Object scalar(Type t, RowData row, int pos) {
    return switch (t.typeId()) {
      case STRING -> row.getString(pos).toString();
      case LONG -> row.getLong(pos);
      case INTEGER -> row.getInt(pos);
      case DOUBLE -> row.getDouble(pos);
      case FLOAT -> row.getFloat(pos);
      case BOOLEAN -> row.getBoolean(pos);
      case BINARY, FIXED -> row.getBinary(pos).clone(); // the source may reuse its rows
      case TIMESTAMP -> row.getTimestamp(pos, 6).getMillisecond();
      case DATE -> row.getInt(pos);
      case LIST -> list(t.asListType().elementType(), row.getArray(pos));
      default ->
          throw new IllegalArgumentException(
              "column type " + t + " is not supported in training sets");
    };
  }

  private static List<Object> list(Type element, ArrayData a) {
    List<Object> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      if (a.isNullAt(i)) {
        out.add(null);
        continue;
      }
      out.add(
          switch (element.typeId()) {
            case STRING -> a.getString(i).toString();
            case LONG -> a.getLong(i);
            case INTEGER -> a.getInt(i);
            case DOUBLE -> a.getDouble(i);
            case FLOAT -> a.getFloat(i);
            case BOOLEAN -> a.getBoolean(i);
            case TIMESTAMP -> a.getTimestamp(i, 6).getMillisecond();
            default -> throw new IllegalArgumentException("list of " + element + " not supported");
          });
    }
    return out;
  }
}
