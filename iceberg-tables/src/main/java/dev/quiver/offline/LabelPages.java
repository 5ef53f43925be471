package dev.quiver.offline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.iceberg.mapping.NameMapping;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.types.Type.TypeID;

/**
 * The page path of the label read (session 10): one Parquet label file's (split's) columns decoded
 * by {@link ParquetPages} and written straight into {@link PartitionBatches} as packed label rows
 * for the first entity group's sweep — the same bytes and key hash as Iceberg's Flink row reader
 * followed by {@link FlinkFunctions.LabelMapper} and {@link SweepRowSerializer} ({@link
 * FlinkFunctions.LabelPacker}, the row path; {@code LabelPagesTest} holds the two equal), without a
 * {@code RowData}, a {@link SweepRow} and boxed values per label. Columns are found by field id, or
 * through the table's name mapping in files written without ids (label Parquet files from pandas or
 * DuckDB); opening throws {@link EventColumns.Unsupported} as {@link ParquetPages} does, and the
 * caller then reads the file row by row.
 *
 * <p>Not thread-safe.
 */
final class LabelPages extends ParquetPages {
  private static final byte[] NULL_KEY = FlinkFunctions.NULL_KEY.getBytes(StandardCharsets.UTF_8);

  private final LabelLayout layout;
  private final PartitionBatches out;
  private byte[] key = new byte[64];

  LabelPages(
      org.apache.iceberg.io.InputFile file,
      long start,
      long length,
      LabelLayout layout,
      NameMapping mapping,
      PartitionBatches out) {
    super(file, start, length, fileSchema -> columns(fileSchema, layout, mapping));
    this.layout = layout;
    this.out = out;
  }

  /** Every label column, in the table's order (the values of a label row). */
  private static EventColumns.Decoded[] columns(
      MessageType fileSchema, LabelLayout layout, NameMapping mapping) {
    EventColumns.Decoded[] decoded = new EventColumns.Decoded[layout.projection().columns().size()];
    for (int i = 0; i < decoded.length; i++) {
      decoded[i] = EventColumns.column(fileSchema, layout.projection(), i, false, mapping);
    }
    return decoded;
  }

  @Override
  void write(int n) throws IOException {
    int[] keys = layout.keyPositions();
    int timePos = layout.timePos();
    PageColumn time = columns[timePos];
    long timeDiv = divisors[timePos];
    // an integer time column holds epoch millis (a timestamp column's values are in range)
    String integerTime =
        decoded[timePos].type() == TypeID.LONG || decoded[timePos].type() == TypeID.INTEGER
            ? layout.projection().columns().get(timePos).name()
            : null;
    int width = columns.length;
    int slots = layout.featureSlots();
    PageColumn single =
        keys.length == 1 && decoded[keys[0]].type() == TypeID.STRING ? columns[keys[0]] : null;
    for (int i = 0; i < n; i++) {
      DataOutputSerializer row;
      if (single != null && single.present[i]) {
        row = EventColumns.beginEvent(out, single.src[i], single.off[i], single.len[i]);
      } else {
        int len = key(keys, i);
        row = EventColumns.beginEvent(out, key, 0, len);
      }
      long t = time.present[i] ? millis(time.longs[i], timeDiv) : Long.MIN_VALUE;
      if (integerTime != null && time.present[i]) {
        LabelLayout.epochMillis(integerTime, t);
      }
      row.writeLong(t);
      row.writeInt(SweepRow.LABEL);
      row.writeLong(0L); // _seq and _ingested_at: events only
      row.writeLong(0L);
      row.writeInt(width);
      for (int c = 0; c < width; c++) {
        value(row, c, i);
      }
      row.writeInt(slots); // the feature slots, null until the sweeps fill them
      for (int s = 0; s < slots; s++) {
        row.writeByte(0);
      }
      out.end();
    }
  }

  /**
   * Row {@code i}'s encoded key ({@link KeyCodec#encode}: the values' text joined by its separator;
   * {@link FlinkFunctions#NULL_KEY} when any is null) into {@link #key}; its length.
   */
  private int key(int[] keys, int i) {
    int len = 0;
    for (int k = 0; k < keys.length; k++) {
      PageColumn c = columns[keys[k]];
      if (!c.present[i]) {
        System.arraycopy(NULL_KEY, 0, key, 0, NULL_KEY.length);
        return NULL_KEY.length;
      }
      byte[] part;
      int off;
      int partLen;
      switch (decoded[keys[k]].type()) {
        case STRING -> {
          part = c.src[i];
          off = c.off[i];
          partLen = c.len[i];
        }
        case LONG -> {
          part = Long.toString(c.longs[i]).getBytes(StandardCharsets.ISO_8859_1);
          off = 0;
          partLen = part.length;
        }
        default -> {
          part = Integer.toString((int) c.longs[i]).getBytes(StandardCharsets.ISO_8859_1);
          off = 0;
          partLen = part.length;
        }
      }
      int need = len + partLen + 1;
      if (need > key.length) {
        key = Arrays.copyOf(key, Math.max(need, key.length * 2));
      }
      if (k > 0) {
        key[len++] = (byte) KeyCodec.SEP;
      }
      System.arraycopy(part, off, key, len, partLen);
      len += partLen;
    }
    return len;
  }
}
