package dev.quiver.offline;

import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.Schema;

/** The small Flink functions of the point-in-time join. */
final class FlinkFunctions {
  private FlinkFunctions() {}

  /** Label rows whose key or time is null join nothing but are kept (features stay null). */
  static final String NULL_KEY = "\u0000";

  /** Feature-table rows → events; rows with a null key are dropped (they can never join). */
  static final class EventMapper implements FlatMapFunction<RowData, SweepRow> {
    private static final long serialVersionUID = 1L;
    private final RowDataValues values;
    private final int viewIndex;
    private final int[] keyPositions;
    private final int[] valuePositions;
    private final int eventTimePos;
    private final int seqPos;
    private final int ingestedPos;

    EventMapper(TrainingSetPlan.ViewRead read) {
      this.values = new RowDataValues(read.projection());
      this.viewIndex = read.viewIndex();
      this.keyPositions = read.keyPositions();
      this.valuePositions = read.valuePositions();
      this.eventTimePos = read.eventTimePos();
      this.seqPos = read.seqPos();
      this.ingestedPos = read.ingestedPos();
    }

    @Override
    public void flatMap(RowData row, org.apache.flink.util.Collector<SweepRow> out) {
      SweepRow r = toEvent(row);
      if (r != null) {
        out.collect(r);
      }
    }

    SweepRow toEvent(RowData row) {
      Object[] keyVals = new Object[keyPositions.length];
      for (int i = 0; i < keyVals.length; i++) {
        keyVals[i] = values.get(row, keyPositions[i]);
      }
      String key = KeyCodec.encode(keyVals, identity(keyVals.length));
      if (key == null) {
        return null;
      }
      Object[] v = new Object[valuePositions.length];
      for (int i = 0; i < v.length; i++) {
        v[i] = values.get(row, valuePositions[i]);
      }
      return SweepRow.event(
          key,
          viewIndex,
          values.millis(row, eventTimePos),
          row.getLong(seqPos),
          values.millis(row, ingestedPos),
          v);
    }
  }

  /**
   * Feature-table rows → packed events ({@link Pack}'s format): the row path of {@link
   * EventBatchReader} (delete files, other formats, multi-key views). Rows with a null key come out
   * with null bytes (the caller drops them).
   */
  static final class EventPacker implements RowPacker {
    private static final long serialVersionUID = 1L;
    private final EventMapper events;
    private final EventBytes direct;
    private final Pack pack = new Pack();

    EventPacker(TrainingSetPlan.ViewRead read) {
      this.events = new EventMapper(read);
      this.direct = EventBytes.supports(read) ? new EventBytes(read) : null;
    }

    @Override
    public PackedRow apply(RowData row) {
      try {
        if (direct != null) {
          return direct.pack(row);
        }
        SweepRow r = events.toEvent(row);
        return r == null ? new PackedRow(0L, null) : pack.map(r);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /**
   * A table row → its packed sweep row ({@link Pack}'s format), for {@link EventBatchReader}'s row
   * path; null bytes for a row that joins nothing and is dropped.
   */
  interface RowPacker extends java.io.Serializable {
    /** A new packed row per call. */
    PackedRow apply(RowData row);
  }

  /**
   * Label-table rows → packed label rows keyed for the first entity group: the row path of the
   * label read ({@link LabelMapper}, then {@link Pack}), for files that {@link LabelPages} does not
   * decode.
   */
  static final class LabelPacker implements RowPacker {
    private static final long serialVersionUID = 1L;
    private final LabelMapper labels;
    private final Pack pack = new Pack();

    LabelPacker(Schema labelSchema, int timePos, int[] keyPositions, int featureSlots) {
      this.labels = new LabelMapper(labelSchema, timePos, keyPositions, featureSlots);
    }

    @Override
    public PackedRow apply(RowData row) {
      try {
        return pack.map(labels.map(row));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  static int[] identity(int n) {
    int[] out = new int[n];
    Arrays.setAll(out, i -> i);
    return out;
  }

  /** Label-table rows → label sweep rows keyed for the first entity group. */
  static final class LabelMapper implements MapFunction<RowData, SweepRow> {
    private static final long serialVersionUID = 1L;
    private final RowDataValues values;
    private final int width;
    private final int timePos;
    private final int[] keyPositions;
    private final int featureSlots;

    /** The time column's name when it is an integer column (epoch millis), else null. */
    private final String integerTime;

    LabelMapper(Schema labelSchema, int timePos, int[] keyPositions, int featureSlots) {
      this.values = new RowDataValues(labelSchema);
      this.width = labelSchema.columns().size();
      this.timePos = timePos;
      var time = labelSchema.columns().get(timePos);
      var type = time.type().typeId();
      this.integerTime =
          type == org.apache.iceberg.types.Type.TypeID.LONG
                  || type == org.apache.iceberg.types.Type.TypeID.INTEGER
              ? time.name()
              : null;
      this.keyPositions = keyPositions;
      this.featureSlots = featureSlots;
    }

    @Override
    public SweepRow map(RowData row) {
      Object[] v = new Object[width];
      for (int i = 0; i < width; i++) {
        v[i] = values.get(row, i);
      }
      long t = v[timePos] == null ? Long.MIN_VALUE : ((Number) v[timePos]).longValue();
      if (integerTime != null && v[timePos] != null) {
        LabelLayout.epochMillis(integerTime, t);
      }
      return SweepRow.label(key(v, keyPositions), t, v, featureSlots);
    }
  }

  static String key(Object[] values, int[] positions) {
    String k = KeyCodec.encode(values, positions);
    return k == null ? NULL_KEY : k;
  }

  /**
   * Serializes a sweep row once, beside its key hash: the shuffle to the sweep then copies opaque
   * bytes and {@link SweepFunction} buffers them as they are.
   */
  static final class Pack implements MapFunction<SweepRow, PackedRow> {
    private static final long serialVersionUID = 1L;
    private transient DataOutputSerializer buffer;

    /** A new packed row per call (its bytes copied out of this function's buffer). */
    @Override
    public PackedRow map(SweepRow r) throws IOException {
      if (buffer == null) {
        buffer = new DataOutputSerializer(256);
      }
      buffer.clear();
      SweepRowSerializer.INSTANCE.serialize(r, buffer);
      return new PackedRow(KeyCodec.hash64(r.key), buffer.getCopyOfBuffer());
    }
  }

  /** Re-keys label rows for the next entity group. */
  static final class Rekey implements MapFunction<SweepRow, SweepRow> {
    private static final long serialVersionUID = 1L;
    private final int[] keyPositions;

    Rekey(int[] keyPositions) {
      this.keyPositions = keyPositions;
    }

    @Override
    public SweepRow map(SweepRow in) {
      SweepRow r = SweepRowSerializer.materialize(in);
      r.key = key(r.values, keyPositions);
      return r;
    }
  }

  /** The Parquet codec of training-set outputs (see {@link TrainingSetFiles#newAppender}). */
  static final String OUTPUT_CODEC = "snappy";
}
