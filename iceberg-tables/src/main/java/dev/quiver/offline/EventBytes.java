package dev.quiver.offline;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.types.Type.TypeID;

/**
 * Writes a feature-table row straight into {@link SweepRowSerializer}'s bytes for an event, without
 * the {@link SweepRow}, its boxed values and the key string in between: the same bytes and hash as
 * {@link FlinkFunctions.EventMapper} followed by {@link FlinkFunctions.Pack} (held equal by {@code
 * EventBytesTest}). Only for views with one join key and scalar values ({@link #supports}); others
 * take the general path. Not thread-safe (one per split reader).
 */
final class EventBytes implements Serializable {
  private static final long serialVersionUID = 1L;
  static final Set<TypeID> VALUES =
      Set.of(
          TypeID.STRING,
          TypeID.LONG,
          TypeID.INTEGER,
          TypeID.DOUBLE,
          TypeID.FLOAT,
          TypeID.BOOLEAN,
          TypeID.TIMESTAMP,
          TypeID.DATE);

  private final RowDataValues values;
  private final TypeID[] types;
  private final int viewIndex;
  private final int keyPos;
  private final int[] valuePositions;
  private final int eventTimePos;
  private final int seqPos;
  private final int ingestedPos;
  private transient DataOutputSerializer out;

  /** True when the view's rows can be written directly: one join key, scalar values. */
  static boolean supports(TrainingSetPlan.ViewRead read) {
    var cols = read.projection().columns();
    if (read.keyPositions().length != 1) {
      return false;
    }
    TypeID key = cols.get(read.keyPositions()[0]).type().typeId();
    if (key != TypeID.STRING && key != TypeID.LONG && key != TypeID.INTEGER) {
      return false;
    }
    for (int p : read.valuePositions()) {
      if (!VALUES.contains(cols.get(p).type().typeId())) {
        return false;
      }
    }
    return true;
  }

  EventBytes(TrainingSetPlan.ViewRead read) {
    this.values = new RowDataValues(read.projection());
    this.types =
        read.projection().columns().stream().map(f -> f.type().typeId()).toArray(TypeID[]::new);
    this.viewIndex = read.viewIndex();
    this.keyPos = read.keyPositions()[0];
    this.valuePositions = read.valuePositions();
    this.eventTimePos = read.eventTimePos();
    this.seqPos = read.seqPos();
    this.ingestedPos = read.ingestedPos();
  }

  /** The packed event of {@code row}; null bytes when its key is null. */
  PackedRow pack(RowData row) throws IOException {
    if (row.isNullAt(keyPos)) {
      return new PackedRow(0L, null);
    }
    if (out == null) {
      out = new DataOutputSerializer(256);
    }
    out.clear();
    long hash;
    if (types[keyPos] == TypeID.STRING) {
      byte[] k = row.getString(keyPos).toBytes();
      hash = KeyCodec.hash64Ascii(k);
      if (hash == KeyCodec.NOT_ASCII) {
        hash = KeyCodec.hash64(new String(k, StandardCharsets.UTF_8));
      }
      out.writeInt(k.length);
      out.write(k);
    } else {
      String k = values.get(row, keyPos).toString();
      hash = KeyCodec.hash64(k);
      byte[] b = k.getBytes(StandardCharsets.UTF_8);
      out.writeInt(b.length);
      out.write(b);
    }
    out.writeLong(values.millis(row, eventTimePos));
    out.writeInt(viewIndex);
    out.writeLong(row.getLong(seqPos));
    out.writeLong(values.millis(row, ingestedPos));
    out.writeInt(valuePositions.length);
    for (int p : valuePositions) {
      writeValue(row, p);
    }
    out.writeInt(-1); // features: null for events
    return new PackedRow(hash, out.getCopyOfBuffer());
  }

  /** {@link SweepRowSerializer}'s tags: the boxed type that {@link RowDataValues} would give. */
  private void writeValue(RowData row, int p) throws IOException {
    if (row.isNullAt(p)) {
      out.writeByte(0);
      return;
    }
    switch (types[p]) {
      case STRING -> {
        byte[] b = row.getString(p).toBytes();
        out.writeByte(1);
        out.writeInt(b.length);
        out.write(b);
      }
      case LONG -> {
        out.writeByte(2);
        out.writeLong(row.getLong(p));
      }
      case TIMESTAMP -> {
        out.writeByte(2);
        out.writeLong(row.getTimestamp(p, 6).getMillisecond());
      }
      case INTEGER, DATE -> {
        out.writeByte(3);
        out.writeInt(row.getInt(p));
      }
      case DOUBLE -> {
        out.writeByte(4);
        out.writeDouble(row.getDouble(p));
      }
      case FLOAT -> {
        out.writeByte(5);
        out.writeFloat(row.getFloat(p));
      }
      case BOOLEAN -> {
        out.writeByte(6);
        out.writeBoolean(row.getBoolean(p));
      }
      default -> throw new IllegalStateException("unsupported direct type " + types[p]);
    }
  }
}
