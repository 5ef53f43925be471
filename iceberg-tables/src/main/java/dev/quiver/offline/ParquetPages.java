package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import org.apache.flink.core.memory.DataOutputSerializer;
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
 * One Parquet data file's (split's) row groups decoded with parquet-mr's low-level page API ({@code
 * ParquetFileReader.readNextRowGroup}, {@link PageColumn}) into primitive arrays, {@value #CHUNK}
 * rows at a time, for a subclass to write as packed sweep rows: {@link EventPages} (events, session
 * 8) and {@link LabelPages} (label rows, session 10). Opening throws {@link
 * EventColumns.Unsupported} when the subclass's column resolution does ({@link
 * EventColumns#column}) or a chunk in the split uses an encoding {@link PageColumn} does not
 * decode: the caller then takes a slower path.
 *
 * <p>Each {@link #next} writes up to {@value #CHUNK} rows and returns their count. Not thread-safe.
 */
abstract class ParquetPages implements CloseableIterator<Integer> {
  static final int CHUNK = 4096;

  private final ParquetFileReader reader;
  private final List<ColumnDescriptor> descriptors = new ArrayList<>();

  /** The resolved columns, in the order the subclass asked for them. */
  final EventColumns.Decoded[] decoded;

  /** Per column: what its stored values are divided by to give millis (timestamps), else 1. */
  final long[] divisors;

  /** The current chunk's decoded columns (after {@link #next}). */
  PageColumn[] columns;

  private long rowsLeftInGroup;
  private boolean done;

  /**
   * @param resolve the columns to read, from the file's schema ({@link EventColumns#column} each)
   */
  ParquetPages(
      org.apache.iceberg.io.InputFile file,
      long start,
      long length,
      Function<MessageType, EventColumns.Decoded[]> resolve) {
    ParquetReadOptions.Builder builder = ParquetReadOptions.builder();
    ParquetReadOptions defaults = builder.build();
    ParquetReadOptions options =
        builder
            .withRange(start, start + length)
            .withCodecFactory(new PageCodecs(defaults.getCodecFactory()))
            .build();
    ParquetFileReader r;
    try {
      r = ParquetFileReader.open(new Input(file), options);
    } catch (IOException e) {
      throw new UncheckedIOException("opening " + file.location(), e);
    }
    this.reader = r;
    try {
      decoded = resolve.apply(r.getFooter().getFileMetaData().getSchema());
      divisors = new long[decoded.length];
      for (int i = 0; i < decoded.length; i++) {
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

  /** Writes rows {@code [0, n)} of {@link #columns} as packed rows. */
  abstract void write(int n) throws IOException;

  @Override
  public final boolean hasNext() {
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
  public final Integer next() {
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

  static long millis(long v, long divisor) {
    return divisor == 1 ? v : Math.floorDiv(v, divisor);
  }

  /** Row {@code i} of column {@code c}, tagged as {@link SweepRowSerializer} tags its value. */
  final void value(DataOutputSerializer row, int c, int i) throws IOException {
    PageColumn col = columns[c];
    if (!col.present[i]) {
      row.writeByte(0);
      return;
    }
    TypeID type = decoded[c].type();
    switch (type) {
      case STRING -> {
        row.writeByte(1);
        row.writeInt(col.len[i]);
        row.write(col.src[i], col.off[i], col.len[i]);
      }
      case LONG, TIMESTAMP -> {
        row.writeByte(2);
        row.writeLong(millis(col.longs[i], divisors[c]));
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
