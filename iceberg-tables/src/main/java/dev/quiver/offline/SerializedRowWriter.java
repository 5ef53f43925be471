package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.iceberg.Schema;
import org.apache.iceberg.parquet.ParquetValueWriter;
import org.apache.iceberg.parquet.ParquetValueWriters;
import org.apache.iceberg.parquet.TripleWriter;
import org.apache.iceberg.shaded.org.apache.parquet.column.ColumnDescriptor;
import org.apache.iceberg.shaded.org.apache.parquet.column.ColumnWriteStore;
import org.apache.iceberg.shaded.org.apache.parquet.io.api.Binary;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.DateTimeUtil;

/**
 * Writes training-set rows into Parquet straight from {@link SweepRowSerializer}'s bytes (a label
 * row: key, time, sort fields, label values, feature values), one column writer call per value: no
 * {@link SweepRow}, boxed value, {@code String} or Iceberg record per row, and strings go to
 * Parquet as the UTF-8 bytes they already are. The Parquet file is the one Iceberg's generic writer
 * makes of the same rows (same schema and column writers, same values in the same order: {@code
 * OrderedParquetSinkTest} compares the bytes).
 *
 * <p>Only flat schemas of {@link #supports supported} types; {@link OrderedParquetSink} uses
 * Iceberg's generic writer for the others. Values whose serialized kind does not match their column
 * (an {@code Integer} in a long column, ...) go through {@link IcebergValues#toIceberg}, as before.
 *
 * <p>Not thread-safe; one per part file. The bytes a row's strings point at must stay unchanged
 * until the file is closed (Parquet's dictionaries keep them).
 */
final class SerializedRowWriter implements ParquetValueWriter<SerializedRowWriter.Row> {
  /** Bytes between the key and the label values: time, kind, seq, ingested_at. */
  private static final int HEADER = 8 + 4 + 8 + 8;

  private final Type[] types;
  private final boolean[] required;
  private final int labelWidth;
  private final List<Column> columns = new ArrayList<>();

  SerializedRowWriter(Schema schema, MessageType parquet, int labelWidth) {
    List<Types.NestedField> fields = schema.columns();
    this.types = new Type[fields.size()];
    this.required = new boolean[fields.size()];
    this.labelWidth = labelWidth;
    for (int i = 0; i < fields.size(); i++) {
      types[i] = fields.get(i).type();
      required[i] = fields.get(i).isRequired();
      columns.add(new Column(column(parquet, fields.get(i))));
    }
  }

  /**
   * The Parquet column of a top-level field, found by field id: Iceberg writes a name that is not
   * an Avro name sanitized ({@code is fraud} as {@code is_x20fraud}), so a label column named so
   * was not found by its name and failed the export.
   */
  private static ColumnDescriptor column(MessageType parquet, Types.NestedField field) {
    for (org.apache.iceberg.shaded.org.apache.parquet.schema.Type t : parquet.getFields()) {
      if (t.getId() != null && t.getId().intValue() == field.fieldId()) {
        return parquet.getColumnDescription(new String[] {t.getName()});
      }
    }
    return parquet.getColumnDescription(new String[] {field.name()});
  }

  /** Whether every column of {@code schema} is a top-level value this writer encodes itself. */
  static boolean supports(Schema schema) {
    for (Types.NestedField f : schema.columns()) {
      switch (f.type().typeId()) {
        case STRING, LONG, INTEGER, DOUBLE, FLOAT, BOOLEAN, DATE -> {}
        case TIMESTAMP -> {
          if (!((Types.TimestampType) f.type()).shouldAdjustToUTC()) {
            return false;
          }
        }
        default -> {
          return false;
        }
      }
    }
    return true;
  }

  /** A serialized row: its buffer, and a reader over it at the row's start. */
  static final class Row {
    byte[] buffer;
    final DataInputDeserializer in = new DataInputDeserializer();

    /** Points at the row serialized at {@code buffer[from, from + length)}. */
    Row set(byte[] buffer, int from, int length) {
      this.buffer = buffer;
      in.setBuffer(buffer, from, length);
      return this;
    }
  }

  /** Writes the serialized row {@code row} points at. */
  @Override
  public void write(int repetitionLevel, Row row) {
    DataInputDeserializer in = row.in;
    try {
      int keyLen = in.readInt();
      in.skipBytesToRead(Math.max(keyLen, 0) + HEADER);
      int labels = in.readInt();
      if (labels != labelWidth) {
        throw new IllegalStateException(
            "a swept row has " + labels + " label values, the output " + labelWidth);
      }
      for (int i = 0; i < labels; i++) {
        value(i, in, row.buffer);
      }
      int features = in.readInt();
      if (labels + features != types.length) {
        throw new IllegalStateException(
            "a swept row has " + features + " features, the output " + (types.length - labels));
      }
      for (int i = 0; i < features; i++) {
        value(labels + i, in, row.buffer);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading a buffered output row", e);
    }
  }

  /** Reads one serialized value and writes it to column {@code c}. */
  private void value(int c, DataInputDeserializer in, byte[] buffer) throws IOException {
    var w = columns.get(c).writer();
    byte tag = in.readByte();
    Type.TypeID id = types[c].typeId();
    if (tag == 0) {
      if (required[c]) {
        throw new IllegalStateException("null in required output column " + c);
      }
      w.writeNull(0, 0);
      return;
    }
    // the common cases, straight from the bytes
    if (tag == 1 && id == Type.TypeID.STRING) {
      int n = in.readInt();
      int at = in.getPosition();
      in.skipBytesToRead(n);
      w.writeBinary(0, Binary.fromConstantByteArray(buffer, at, n));
      return;
    }
    if (tag == 2 && id == Type.TypeID.LONG) {
      w.writeLong(0, in.readLong());
      return;
    }
    if (tag == 2 && id == Type.TypeID.TIMESTAMP) {
      w.writeLong(0, Math.multiplyExact(in.readLong(), 1000L)); // millis -> micros
      return;
    }
    if (tag == 4 && id == Type.TypeID.DOUBLE) {
      w.writeDouble(0, in.readDouble());
      return;
    }
    if (tag == 3 && id == Type.TypeID.INTEGER) {
      w.writeInteger(0, in.readInt());
      return;
    }
    // anything else as the generic writer took it: decoded, then converted for the column
    Object v = IcebergValues.toIceberg(types[c], SweepRowSerializer.readValue(tag, in));
    switch (id) {
      case STRING -> w.writeBinary(0, Binary.fromString(v.toString()));
      case LONG -> w.writeLong(0, (Long) v);
      case INTEGER -> w.writeInteger(0, (Integer) v);
      case DOUBLE -> w.writeDouble(0, (Double) v);
      case FLOAT -> w.writeFloat(0, (Float) v);
      case BOOLEAN -> w.writeBoolean(0, (Boolean) v);
      case DATE -> w.writeInteger(0, DateTimeUtil.daysFromDate((LocalDate) v));
      case TIMESTAMP -> w.writeLong(0, DateTimeUtil.microsFromTimestamptz((OffsetDateTime) v));
      default -> throw new IllegalStateException("unsupported output column type " + types[c]);
    }
  }

  @Override
  public List<TripleWriter<?>> columns() {
    List<TripleWriter<?>> all = new ArrayList<>();
    for (Column c : columns) {
      all.addAll(c.columns());
    }
    return all;
  }

  @Override
  public void setColumnStore(ColumnWriteStore store) {
    for (Column c : columns) {
      c.setColumnStore(store);
    }
  }

  @Override
  public Stream<org.apache.iceberg.FieldMetrics<?>> metrics() {
    return Stream.empty();
  }

  /** Gives access to Iceberg's column writer for one Parquet column. */
  private static final class Column extends ParquetValueWriters.PrimitiveWriter<Object> {
    Column(ColumnDescriptor desc) {
      super(desc);
    }

    org.apache.iceberg.parquet.ColumnWriter<Object> writer() {
      return column;
    }
  }
}
