package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.iceberg.Schema;
import org.apache.iceberg.io.CloseableIterator;
import org.apache.iceberg.shaded.org.apache.parquet.ParquetReadOptions;
import org.apache.iceberg.shaded.org.apache.parquet.column.ColumnDescriptor;
import org.apache.iceberg.shaded.org.apache.parquet.column.page.PageReadStore;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.iceberg.shaded.org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.iceberg.shaded.org.apache.parquet.io.InputFile;
import org.apache.iceberg.shaded.org.apache.parquet.io.SeekableInputStream;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.types.Type.TypeID;

/**
 * The page path of the columnar event read (session 8): one Parquet data file's (split's) row
 * groups decoded with parquet-mr's low-level page API ({@code ParquetFileReader.readNextRowGroup},
 * {@link PageColumn}) into primitive arrays, {@value #CHUNK} rows at a time, then written into
 * {@link PartitionBatches} in {@link SweepRowSerializer}'s event format — the same bytes as {@link
 * EventColumns}, without Iceberg's per-value column iterators. Opening throws {@link
 * EventColumns.Unsupported} when a needed column is missing (or has no field id, as in files that
 * need a name mapping), has another physical type, or a chunk in the split uses an encoding {@link
 * PageColumn} does not decode: the caller then takes {@link EventColumns}' path.
 *
 * <p>Each {@link #next} writes up to {@value #CHUNK} rows and returns their count. Not thread-safe.
 */
final class EventPages implements CloseableIterator<Integer> {
  static final int CHUNK = 4096;

  private final EventLayout layout;
  private final PartitionBatches out;
  private final ParquetFileReader reader;
  private final List<ColumnDescriptor> descriptors = new ArrayList<>();
  private final EventColumns.Decoded[] decoded;
  private final long[] divisors;
  private PageColumn[] columns;
  private long rowsLeftInGroup;
  private boolean done;

  EventPages(
      org.apache.iceberg.io.InputFile file,
      long start,
      long length,
      EventLayout layout,
      PartitionBatches out) {
    this.layout = layout;
    this.out = out;
    ParquetReadOptions options =
        ParquetReadOptions.builder().withRange(start, start + length).build();
    ParquetFileReader r;
    try {
      r = ParquetFileReader.open(new Input(file), options);
    } catch (IOException e) {
      throw new UncheckedIOException("opening " + file.location(), e);
    }
    this.reader = r;
    try {
      MessageType fileSchema = r.getFooter().getFileMetaData().getSchema();
      Schema p = layout.projection();
      int[] values = layout.valuePositions();
      int[] positions = new int[4 + values.length];
      positions[0] = layout.keyPos();
      positions[1] = layout.eventTimePos();
      positions[2] = layout.seqPos();
      positions[3] = layout.ingestedPos();
      System.arraycopy(values, 0, positions, 4, values.length);
      decoded = new EventColumns.Decoded[positions.length];
      divisors = new long[positions.length];
      for (int i = 0; i < positions.length; i++) {
        decoded[i] = EventColumns.column(fileSchema, p, positions[i], i >= 1 && i <= 3);
        descriptors.add(decoded[i].descriptor());
        divisors[i] = decoded[i].divisor();
      }
      for (BlockMetaData block : r.getRowGroups()) {
        for (ColumnChunkMetaData c : block.getColumns()) {
          for (ColumnDescriptor d : descriptors) {
            if (c.getPath().toArray().length == 1
                && c.getPath().toArray()[0].equals(d.getPath()[0])
                && !PageColumn.decodable(c.getEncodings())) {
              throw new EventColumns.Unsupported(
                  "column " + d.getPath()[0] + " uses encodings " + c.getEncodings());
            }
          }
        }
      }
      r.setRequestedSchema(descriptors);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  @Override
  public boolean hasNext() {
    if (done) {
      return false;
    }
    if (rowsLeftInGroup > 0) {
      return true;
    }
    try {
      PageReadStore group = reader.readNextRowGroup();
      while (group != null && group.getRowCount() == 0) {
        group = reader.readNextRowGroup();
      }
      if (group == null) {
        done = true;
        return false;
      }
      rowsLeftInGroup = group.getRowCount();
      columns = new PageColumn[descriptors.size()];
      for (int i = 0; i < columns.length; i++) {
        ColumnDescriptor d = descriptors.get(i);
        columns[i] = new PageColumn(d, group.getPageReader(d), CHUNK);
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("reading a Parquet row group", e);
    }
  }

  @Override
  public Integer next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    int n = (int) Math.min(CHUNK, rowsLeftInGroup);
    for (PageColumn c : columns) {
      c.fill(n);
    }
    rowsLeftInGroup -= n;
    try {
      write(n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return n;
  }

  private void write(int n) throws IOException {
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
        value(row, columns[c], decoded[c].type(), divisors[c], i);
      }
      row.writeInt(-1); // no feature slots: an event
      out.end();
    }
  }

  private static long millis(long v, long divisor) {
    return divisor == 1 ? v : Math.floorDiv(v, divisor);
  }

  /** A value tagged as {@link SweepRowSerializer} (and {@link EventColumns}) tags it. */
  private static void value(DataOutputSerializer row, PageColumn col, TypeID type, long div, int i)
      throws IOException {
    if (!col.present[i]) {
      row.writeByte(0);
      return;
    }
    switch (type) {
      case STRING -> {
        row.writeByte(1);
        row.writeInt(col.len[i]);
        row.write(col.src[i], col.off[i], col.len[i]);
      }
      case LONG, TIMESTAMP -> {
        row.writeByte(2);
        row.writeLong(millis(col.longs[i], div));
      }
      case INTEGER, DATE -> {
        row.writeByte(3);
        row.writeInt((int) col.longs[i]);
      }
      case DOUBLE -> {
        row.writeByte(4);
        row.writeDouble(Double.longBitsToDouble(col.longs[i]));
      }
      case FLOAT -> {
        row.writeByte(5);
        row.writeFloat(Float.intBitsToFloat((int) col.longs[i]));
      }
      case BOOLEAN -> {
        row.writeByte(6);
        row.writeBoolean(col.longs[i] != 0);
      }
      default -> throw new IllegalStateException("unsupported column type " + type);
    }
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }

  private void closeQuietly() {
    try {
      reader.close();
    } catch (IOException | RuntimeException e) {
      // already failing: the first error is the one to report
    }
  }

  /** An Iceberg input file as parquet-mr's (Iceberg's own adapter is package-private). */
  private record Input(org.apache.iceberg.io.InputFile file) implements InputFile {
    @Override
    public long getLength() {
      return file.getLength();
    }

    @Override
    public SeekableInputStream newStream() {
      org.apache.iceberg.io.SeekableInputStream in = file.newStream();
      return new DelegatingSeekableInputStream(in) {
        @Override
        public long getPos() throws IOException {
          return in.getPos();
        }

        @Override
        public void seek(long newPos) throws IOException {
          in.seek(newPos);
        }
      };
    }
  }
}
