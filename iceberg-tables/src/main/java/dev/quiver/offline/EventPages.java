package dev.quiver.offline;

import java.io.IOException;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.iceberg.Schema;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.types.Type.TypeID;

/**
 * The page path of the columnar event read (session 8): one Parquet data file's (split's) row
 * groups decoded by {@link ParquetPages} into primitive arrays, {@value ParquetPages#CHUNK} rows at
 * a time, then written into {@link PartitionBatches} in {@link SweepRowSerializer}'s event format —
 * the same bytes as {@link EventColumns}, without Iceberg's per-value column iterators. Opening
 * throws {@link EventColumns.Unsupported} when a needed column is missing (or has no field id, as
 * in files that need a name mapping), has another physical type, or a chunk in the split uses an
 * encoding {@link PageColumn} does not decode: the caller then takes {@link EventColumns}' path.
 *
 * <p>Each {@link #next} writes up to {@value ParquetPages#CHUNK} rows and returns their count. Not
 * thread-safe.
 */
final class EventPages extends ParquetPages {
  private final EventLayout layout;
  private final PartitionBatches out;

  EventPages(
      org.apache.iceberg.io.InputFile file,
      long start,
      long length,
      EventLayout layout,
      PartitionBatches out) {
    super(file, start, length, fileSchema -> columns(fileSchema, layout));
    this.layout = layout;
    this.out = out;
  }

  /** The key, event_time, _seq, _ingested_at, then the values (the first three required). */
  private static EventColumns.Decoded[] columns(MessageType fileSchema, EventLayout layout) {
    Schema p = layout.projection();
    int[] values = layout.valuePositions();
    int[] positions = new int[4 + values.length];
    positions[0] = layout.keyPos();
    positions[1] = layout.eventTimePos();
    positions[2] = layout.seqPos();
    positions[3] = layout.ingestedPos();
    System.arraycopy(values, 0, positions, 4, values.length);
    EventColumns.Decoded[] decoded = new EventColumns.Decoded[positions.length];
    for (int i = 0; i < positions.length; i++) {
      decoded[i] = EventColumns.column(fileSchema, p, positions[i], i >= 1 && i <= 3);
    }
    return decoded;
  }

  @Override
  void write(int n) throws IOException {
    PageColumn key = columns[0];
    long[] time = columns[1].longs;
    long[] seq = columns[2].longs;
    long[] ingested = columns[3].longs;
    long timeDiv = divisors[1];
    long seqDiv = divisors[2];
    long ingestedDiv = divisors[3];
    int valueCount = columns.length - 4;
    TypeID keyType = decoded[0].type();
    int view = layout.viewIndex();
    for (int i = 0; i < n; i++) {
      if (!key.present[i]) {
        continue; // an event with a null key joins nothing
      }
      DataOutputSerializer row;
      if (keyType == TypeID.STRING) {
        row = EventColumns.beginEvent(out, key.src[i], key.off[i], key.len[i]);
      } else {
        long v = key.longs[i];
        row =
            EventColumns.beginEvent(
                out, keyType == TypeID.LONG ? Long.toString(v) : Integer.toString((int) v));
      }
      row.writeLong(millis(time[i], timeDiv));
      row.writeInt(view);
      row.writeLong(millis(seq[i], seqDiv));
      row.writeLong(millis(ingested[i], ingestedDiv));
      row.writeInt(valueCount);
      for (int c = 4; c < columns.length; c++) {
        value(row, c, i);
      }
      row.writeInt(-1); // no feature slots: an event
      out.end();
    }
  }
}
