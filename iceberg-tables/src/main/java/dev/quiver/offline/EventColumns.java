package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.iceberg.Schema;
import org.apache.iceberg.mapping.MappedField;
import org.apache.iceberg.mapping.NameMapping;
import org.apache.iceberg.parquet.ParquetValueReader;
import org.apache.iceberg.parquet.ParquetValueReaders;
import org.apache.iceberg.shaded.org.apache.parquet.column.ColumnDescriptor;
import org.apache.iceberg.shaded.org.apache.parquet.io.api.Binary;
import org.apache.iceberg.shaded.org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.shaded.org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.iceberg.shaded.org.apache.parquet.schema.Type;
import org.apache.iceberg.types.Type.TypeID;
import org.apache.iceberg.types.Types;

/**
 * The columnar event path: reads a view's projected Parquet columns with Iceberg's column iterators
 * straight into {@link PartitionBatches}, in {@link SweepRowSerializer}'s event format (the same
 * bytes as {@link EventBytes}), with no {@code RowData}, boxed value, key string or per-row object.
 * One Parquet reader per file ({@link #readerFor}); each row read appends one event (or none, when
 * its key is null). Only for files whose columns have exactly the physical types this path decodes
 * ({@link Unsupported} otherwise, and the caller takes the row path).
 *
 * <p>Not thread-safe: one instance per file read.
 */
final class EventColumns {
  /** Thrown while opening a file this path cannot decode (the caller reads it row by row). */
  static final class Unsupported extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unsupported(String why) {
      super(why, null, false, false);
    }
  }

  private final EventLayout layout;
  private final PartitionBatches out;
  private DataOutputSerializer row;

  EventColumns(EventLayout layout, PartitionBatches out) {
    this.layout = layout;
    this.out = out;
  }

  /**
   * The row reader of one file, for Iceberg's {@code Parquet.read(..).createReaderFunc}: its
   * children read, in order, the key, event_time, _seq, _ingested_at and the values.
   */
  ParquetValueReader<?> readerFor(MessageType fileSchema) {
    Schema p = layout.projection();
    List<ParquetValueReader<?>> cols = new ArrayList<>();
    cols.add(new Key(column(fileSchema, p, layout.keyPos(), false)));
    cols.add(new Time(column(fileSchema, p, layout.eventTimePos(), true), Step.EVENT_TIME));
    cols.add(new Time(column(fileSchema, p, layout.seqPos(), true), Step.SEQ));
    cols.add(new Time(column(fileSchema, p, layout.ingestedPos(), true), Step.INGESTED_AT));
    int[] values = layout.valuePositions();
    for (int i = 0; i < values.length; i++) {
      cols.add(new Value(column(fileSchema, p, values[i], false), i == values.length - 1));
    }
    return new Rows(cols);
  }

  /** Finds a projected column in the file by field id and checks its physical type. */
  static Decoded column(MessageType file, Schema projection, int pos, boolean required) {
    return column(file, projection, pos, required, null);
  }

  /**
   * Like {@link #column(MessageType, Schema, int, boolean)}; a file column without a field id takes
   * the id {@code mapping} gives its name (as Iceberg's readers apply a table's name mapping), when
   * there is a mapping.
   */
  static Decoded column(
      MessageType file, Schema projection, int pos, boolean required, NameMapping mapping) {
    Types.NestedField f = projection.columns().get(pos);
    Type found = null;
    for (Type t : file.getFields()) {
      Integer id = t.getId() != null ? Integer.valueOf(t.getId().intValue()) : mappedId(mapping, t);
      if (id != null && id == f.fieldId()) {
        found = t;
      }
    }
    if (found == null || !found.isPrimitive() || found.isRepetition(Type.Repetition.REPEATED)) {
      throw new Unsupported("column " + f.name() + " is missing or not a flat primitive");
    }
    ColumnDescriptor d = file.getColumnDescription(new String[] {found.getName()});
    if (required && d.getMaxDefinitionLevel() != 0) {
      throw new Unsupported("column " + f.name() + " is optional in the file");
    }
    PrimitiveTypeName physical = found.asPrimitiveType().getPrimitiveTypeName();
    TypeID type = f.type().typeId();
    long divisor = 1;
    boolean ok =
        switch (type) {
          case STRING -> physical == PrimitiveTypeName.BINARY;
          case LONG -> physical == PrimitiveTypeName.INT64;
          case INTEGER, DATE -> physical == PrimitiveTypeName.INT32;
          case DOUBLE -> physical == PrimitiveTypeName.DOUBLE;
          case FLOAT -> physical == PrimitiveTypeName.FLOAT;
          case BOOLEAN -> physical == PrimitiveTypeName.BOOLEAN;
          case TIMESTAMP -> {
            if (physical == PrimitiveTypeName.INT64
                && found.getLogicalTypeAnnotation()
                    instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts) {
              divisor =
                  switch (ts.getUnit()) {
                    case MILLIS -> 1;
                    case MICROS -> 1000;
                    case NANOS -> 1_000_000;
                  };
              yield true;
            }
            yield false;
          }
          default -> false;
        };
    if (!ok) {
      throw new Unsupported("column " + f.name() + " is " + physical + " in the file");
    }
    return new Decoded(d, type, divisor);
  }

  private static Integer mappedId(NameMapping mapping, Type t) {
    MappedField m = mapping == null ? null : mapping.find(t.getName());
    return m == null ? null : m.id();
  }

  record Decoded(ColumnDescriptor descriptor, TypeID type, long divisor) {}

  /** One column of a row; the iterator of {@link ParquetValueReaders.PrimitiveReader}. */
  private abstract class Column extends ParquetValueReaders.PrimitiveReader<Object> {
    final TypeID type;
    final long divisor;
    final int maxDef;

    Column(Decoded d) {
      super(d.descriptor());
      this.type = d.type();
      this.divisor = d.divisor();
      this.maxDef = d.descriptor().getMaxDefinitionLevel();
    }

    /** False (and the null consumed) when this row's value is null. */
    final boolean present() {
      if (column.currentDefinitionLevel() < maxDef) {
        column.nextNull();
        return false;
      }
      return true;
    }

    /** A long-typed value: timestamps in millis (floor, as Flink's TimestampData does). */
    final long nextMillisOrLong() {
      long v = column.nextLong();
      return divisor == 1 ? v : Math.floorDiv(v, divisor);
    }

    @Override
    public final Object read(Object reuse) {
      try {
        step();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return null;
    }

    abstract void step() throws IOException;
  }

  /** The join key: hashes it, opens the row in its partition's batch and writes the key. */
  private final class Key extends Column {
    Key(Decoded d) {
      super(d);
    }

    @Override
    void step() throws IOException {
      if (!present()) {
        row = null; // an event with a null key joins nothing: its other columns are skipped
        return;
      }
      if (type == TypeID.STRING) {
        Binary b = column.nextBinary();
        ByteBuffer buf = b.toByteBuffer();
        byte[] a;
        int off;
        int len = buf.remaining();
        if (buf.hasArray()) {
          a = buf.array();
          off = buf.arrayOffset() + buf.position();
        } else {
          a = b.getBytes();
          off = 0;
        }
        row = beginEvent(out, a, off, len);
      } else {
        row =
            beginEvent(
                out,
                type == TypeID.LONG
                    ? Long.toString(column.nextLong())
                    : Integer.toString(column.nextInteger()));
      }
    }
  }

  /**
   * Opens an event's row in its key's partition batch and writes a string join key (its UTF-8 bytes
   * {@code a[off, off + len)}), as {@link SweepRowSerializer} writes keys. Shared with {@link
   * EventPages}.
   */
  static DataOutputSerializer beginEvent(PartitionBatches out, byte[] a, int off, int len)
      throws IOException {
    long hash = KeyCodec.hash64Ascii(a, off, len);
    if (hash == KeyCodec.NOT_ASCII) {
      hash = KeyCodec.hash64(new String(a, off, len, StandardCharsets.UTF_8));
    }
    DataOutputSerializer row = out.begin(hash);
    row.writeInt(len);
    row.write(a, off, len);
    return row;
  }

  /** The same for a numeric join key, given as its decimal text (digits and '-': ASCII). */
  static DataOutputSerializer beginEvent(PartitionBatches out, String k) throws IOException {
    DataOutputSerializer row = out.begin(KeyCodec.hash64(k));
    row.writeInt(k.length());
    // not writeBytes: Flink's DataOutputSerializer.writeBytes advances its position twice
    row.write(k.getBytes(StandardCharsets.ISO_8859_1));
    return row;
  }

  private enum Step {
    EVENT_TIME,
    SEQ,
    INGESTED_AT
  }

  /** event_time (then the view index), _seq, _ingested_at (then the value count): required. */
  private final class Time extends Column {
    private final Step what;

    Time(Decoded d, Step what) {
      super(d);
      this.what = what;
    }

    @Override
    void step() throws IOException {
      long v = nextMillisOrLong();
      if (row == null) {
        return;
      }
      row.writeLong(v);
      switch (what) {
        case EVENT_TIME -> row.writeInt(layout.viewIndex());
        case SEQ -> {}
        case INGESTED_AT -> {
          row.writeInt(layout.valuePositions().length);
          if (layout.valuePositions().length == 0) {
            finish();
          }
        }
      }
    }
  }

  /** A row-feature or aggregation-input value, tagged as {@link SweepRowSerializer} tags it. */
  private final class Value extends Column {
    private final boolean last;

    Value(Decoded d, boolean last) {
      super(d);
      this.last = last;
    }

    @Override
    void step() throws IOException {
      if (!present()) {
        if (row != null) {
          row.writeByte(0);
        }
      } else if (row == null) {
        skip();
      } else {
        write();
      }
      if (last && row != null) {
        finish();
      }
    }

    private void skip() {
      switch (type) {
        case STRING -> column.nextBinary();
        case LONG, TIMESTAMP -> column.nextLong();
        case INTEGER, DATE -> column.nextInteger();
        case DOUBLE -> column.nextDouble();
        case FLOAT -> column.nextFloat();
        case BOOLEAN -> column.nextBoolean();
        default -> throw new IllegalStateException("unsupported column type " + type);
      }
    }

    private void write() throws IOException {
      switch (type) {
        case STRING -> {
          Binary b = column.nextBinary();
          ByteBuffer buf = b.toByteBuffer();
          row.writeByte(1);
          row.writeInt(buf.remaining());
          if (buf.hasArray()) {
            row.write(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
          } else {
            row.write(b.getBytes());
          }
        }
        case LONG, TIMESTAMP -> {
          row.writeByte(2);
          row.writeLong(nextMillisOrLong());
        }
        case INTEGER, DATE -> {
          row.writeByte(3);
          row.writeInt(column.nextInteger());
        }
        case DOUBLE -> {
          row.writeByte(4);
          row.writeDouble(column.nextDouble());
        }
        case FLOAT -> {
          row.writeByte(5);
          row.writeFloat(column.nextFloat());
        }
        case BOOLEAN -> {
          row.writeByte(6);
          row.writeBoolean(column.nextBoolean());
        }
        default -> throw new IllegalStateException("unsupported column type " + type);
      }
    }
  }

  /** Closes the current row: no feature slots (an event), then its length. */
  private void finish() throws IOException {
    row.writeInt(-1);
    out.end();
    row = null;
  }

  /** Reads the children in order per row; the row itself lands in the batches. */
  private static final class Rows extends ParquetValueReaders.StructReader<Object, Object> {
    Rows(List<ParquetValueReader<?>> columns) {
      super(columns);
    }

    @Override
    protected Object newStructData(Object reuse) {
      return null;
    }

    @Override
    protected Object getField(Object intermediate, int pos) {
      return null;
    }

    @Override
    protected Object buildStruct(Object struct) {
      return null;
    }

    @Override
    protected void set(Object struct, int pos, Object value) {}
  }
}
