package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of a training set, chained to each subtask of the last sweep (no shuffle): buffers
 * that subtask's swept label rows serialized, sorts them into the deterministic output order —
 * label time, then entity key, then the label's values ({@link #ORDER}, the Spark path's order too)
 * — and writes them as the export's part {@code part-<subtask>.parquet}, so the parts are written
 * in parallel while the other subtasks still sweep. Which part a label lands in follows its key
 * hash and the parallelism ({@link HashPartitioner}); each part is ordered, their concatenation is
 * not. The sort is a primitive sort of packed {@code (time - min, row index)} longs; rows of equal
 * time (rare) are then ordered by the full comparator. Replaces a Flink {@code sortPartition} whose
 * key serialized a {@code deepToString} of every row's values.
 */
final class OrderedParquetSink extends AbstractStreamOperator<Void>
    implements OneInputStreamOperator<SweepRow, Void>, BoundedOneInput {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(OrderedParquetSink.class);
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** The deterministic output order: label time, entity key, the label values as text. */
  static final Comparator<SweepRow> ORDER =
      Comparator.<SweepRow>comparingLong(r -> r.time)
          .thenComparing(r -> r.key)
          .thenComparing(r -> Arrays.deepToString(r.values));

  private final Schema schema;
  private final String directory;
  private final int labelWidth;
  private transient String file;

  /** Serialized rows in chunks of up to {@link #CHUNK} bytes (one byte[] cannot pass 2 GiB). */
  private static final int CHUNK = 1 << 28;

  private transient List<byte[]> chunks;
  private transient DataOutputSerializer rows;
  transient long[] times;

  /** Per row: chunk index (high 32 bits) and start offset; its length in {@link #lengths}. */
  private transient long[] where;

  private transient int[] lengths;
  transient int size;
  private transient LongCounter written;
  private transient GenericRecord reuse;

  /** Stops the sort and write of a cancelled task ({@link CancelCheck}). */
  transient CancelCheck cancel;

  /**
   * @param directory the export's output directory; the subtask writes its part there
   */
  OrderedParquetSink(Schema schema, String directory, int labelWidth) {
    this.schema = schema;
    this.directory = directory;
    // chained to the sweep subtask it follows (an operator's default is HEAD: its own task, and the
    // rows would cross a serializing exchange)
    this.chainingStrategy = ChainingStrategy.ALWAYS;
    this.labelWidth = labelWidth;
  }

  @Override
  public void open() throws Exception {
    super.open();
    file =
        java.nio.file.Path.of(directory)
            .resolve(
                TrainingSetFiles.partName(
                    getRuntimeContext().getTaskInfo().getIndexOfThisSubtask()))
            .toString();
    initBuffer();
    cancel = new CancelCheck(() -> getContainingTask().isCanceled());
    written = getRuntimeContext().getLongCounter(PointInTimeJoin.ROWS_ACCUMULATOR);
  }

  /** An empty row buffer. */
  void initBuffer() {
    chunks = new ArrayList<>();
    rows = new DataOutputSerializer(1 << 20);
    times = new long[1024];
    where = new long[1024];
    lengths = new int[1024];
    cancel = new CancelCheck(CancelCheck.NEVER);
    written = new LongCounter();
  }

  @Override
  public void processElement(StreamRecord<SweepRow> element) throws IOException {
    SweepRow r = element.getValue();
    if (rows.length() > CHUNK) {
      chunks.add(rows.getCopyOfBuffer());
      rows.clear();
    }
    int start = rows.length();
    SweepRowSerializer.INSTANCE.serialize(r, rows);
    if (size == times.length) {
      times = Arrays.copyOf(times, size * 2);
      where = Arrays.copyOf(where, size * 2);
      lengths = Arrays.copyOf(lengths, size * 2);
    }
    times[size] = r.time;
    where[size] = ((long) chunks.size() << 32) | start;
    lengths[size] = rows.length() - start;
    size++;
  }

  @Override
  public void endInput() throws IOException {
    long t0 = System.nanoTime();
    long cpu0 = THREADS.getCurrentThreadCpuTime();
    int rowCount = size;
    seal();
    int[] ends = localize(ROWS_PER_BUCKET);
    cancel.check();
    DataInputDeserializer in = new DataInputDeserializer();
    if (SerializedRowWriter.supports(schema)) {
      // straight from the buffered bytes (the same file as the generic writer's)
      SerializedRowWriter.Row cursor = new SerializedRowWriter.Row();
      try (FileAppender<SerializedRowWriter.Row> appender =
          TrainingSetFiles.newAppender(
              schema,
              file,
              FlinkFunctions.OUTPUT_CODEC,
              (s, ms) -> new SerializedRowWriter(s, ms, labelWidth))) {
        writeAll(ends, in, (row, decoded) -> appender.add(bytesOf(cursor, row)));
      }
    } else {
      try (FileAppender<Record> appender =
          TrainingSetFiles.newAppender(schema, file, FlinkFunctions.OUTPUT_CODEC)) {
        writeAll(
            ends,
            in,
            (row, decoded) ->
                appender.add(record(decoded != null ? decoded : read(in, row, false))));
      }
    }
    chunks = null;
    where = null;
    lengths = null;
    times = null;
    LOG.info(
        "parquet part {}: {} rows sorted and written in {} ms ({} ms CPU)",
        file,
        rowCount,
        (System.nanoTime() - t0) / 1_000_000,
        (THREADS.getCurrentThreadCpuTime() - cpu0) / 1_000_000);
  }

  /** Receives the buffered rows in output order. */
  @FunctionalInterface
  interface RowWriter {
    /**
     * @param row the buffered row's index
     * @param decoded the row, if it was decoded to order it (rows of equal time), else null
     */
    void write(int row, SweepRow decoded);
  }

  void writeAll(int[] ends, DataInputDeserializer in, RowWriter out) {
    // a cancel stops the write (the appender closes; the export's driver deletes the parts)
    RowWriter checked =
        (row, decoded) -> {
          cancel.advance(1);
          out.write(row, decoded);
        };
    int from = 0;
    for (int to : ends) {
      writeSorted(checked, in, from, to);
      from = to;
    }
  }

  private SerializedRowWriter.Row bytesOf(SerializedRowWriter.Row cursor, int row) {
    long w = where[row];
    return cursor.set(chunks.get((int) (w >>> 32)), (int) w, lengths[row]);
  }

  /** Ends the buffering: the last chunk joins {@link #chunks}. */
  void seal() {
    chunks.add(rows.getSharedBuffer());
    rows = null;
  }

  /** Average rows per time bucket of {@link #localize}: ~20 KiB of rows, inside the L1/L2 cache. */
  static final int ROWS_PER_BUCKET = 256;

  /**
   * Regroups the buffered rows by time range before the sort, so that the time-ordered read that
   * follows stays inside one small bucket at a time instead of jumping across the whole buffer (a
   * cache and TLB miss per row: 11% of a warm export's samples in session 6). One sequential pass
   * counts the rows per time bucket (buckets are monotone in time, so equal times share a bucket),
   * a second copies each row's bytes to its bucket's place in one array (sequential reads, one
   * write stream per bucket) and rewrites {@link #where}, {@link #lengths} and {@link #times} in
   * that order. Costs a second copy of the rows' bytes while it runs.
   *
   * @return the end (exclusive row index) of each bucket, in time order; one bucket of all rows
   *     when the rows are few, their time span overflows or their bytes exceed one array
   */
  int[] localize(int rowsPerBucket) {
    if (size < 2 * rowsPerBucket) {
      return new int[] {size};
    }
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    long total = 0;
    for (int i = 0; i < size; i++) {
      min = Math.min(min, times[i]);
      max = Math.max(max, times[i]);
      total += lengths[i];
    }
    long span = max - min;
    if (span < 0 || total > Integer.MAX_VALUE - 16) {
      return new int[] {size};
    }
    int n = Math.min(1 << 16, size / rowsPerBucket);
    long width = span / n + 1;
    int[] rowAt = new int[n + 1];
    long[] byteAt = new long[n + 1];
    for (int i = 0; i < size; i++) {
      int b = (int) ((times[i] - min) / width);
      rowAt[b + 1]++;
      byteAt[b + 1] += lengths[i];
    }
    for (int b = 0; b < n; b++) {
      rowAt[b + 1] += rowAt[b];
      byteAt[b + 1] += byteAt[b];
    }
    int[] ends = Arrays.copyOfRange(rowAt, 1, n + 1);
    byte[] dst = new byte[(int) total];
    long[] where2 = new long[size];
    int[] lengths2 = new int[size];
    long[] times2 = new long[size];
    for (int i = 0; i < size; i++) {
      int b = (int) ((times[i] - min) / width);
      int p = rowAt[b]++;
      int off = (int) byteAt[b];
      long w = where[i];
      System.arraycopy(chunks.get((int) (w >>> 32)), (int) w, dst, off, lengths[i]);
      byteAt[b] += lengths[i];
      where2[p] = off;
      lengths2[p] = lengths[i];
      times2[p] = times[i];
    }
    chunks = new ArrayList<>(List.of(dst));
    where = where2;
    lengths = lengths2;
    times = times2;
    return ends;
  }

  /**
   * Writes rows {@code from..to-1} in the deterministic order: by time (a primitive sort), rows of
   * equal time by {@link #ORDER}.
   */
  private void writeSorted(RowWriter out, DataInputDeserializer in, int from, int to) {
    int m = to - from;
    long[] sorted = new long[m];
    int[] order = timeOrder(Arrays.copyOfRange(times, from, to), m, sorted);
    int i = 0;
    while (i < m) {
      // rows of equal time: full comparator (key, then values)
      int j = i + 1;
      while (j < m && sorted[j] == sorted[i]) {
        j++;
      }
      if (j - i == 1) {
        // alone at its time: not decoded here (the key only orders rows of equal time)
        out.write(from + order[i], null);
        written.add(1L);
      } else {
        List<Map.Entry<SweepRow, Integer>> run = new ArrayList<>(j - i);
        for (int k = i; k < j; k++) {
          int row = from + order[k];
          run.add(Map.entry(read(in, row, true), row));
        }
        run.sort(Map.Entry.comparingByKey(ORDER));
        for (Map.Entry<SweepRow, Integer> r : run) {
          out.write(r.getValue(), r.getKey());
          written.add(1L);
        }
      }
      i = j;
    }
  }

  /**
   * The indexes {@code 0..size-1} sorted by {@code times[i]} (signed; ties in any order): one
   * primitive sort of packed {@code (time - min, index)} longs when the time span leaves room for
   * the index bits, else a boxed sort.
   */
  static int[] timeOrder(long[] times, int size) {
    return timeOrder(times, size, new long[size]);
  }

  /**
   * {@link #timeOrder(long[], int)}, also writing the times in that order into {@code sorted} (so
   * that the caller finds runs of equal time without a random read per row).
   */
  static int[] timeOrder(long[] times, int size, long[] sorted) {
    int[] order = new int[size];
    if (size == 0) {
      return order;
    }
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < size; i++) {
      min = Math.min(min, times[i]);
      max = Math.max(max, times[i]);
    }
    int idxBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(size - 1));
    // may overflow for extreme times (a label without time sorts first, as Long.MIN_VALUE): then
    // the boxed sort below
    long span = max - min;
    if (span >= 0 && 64 - Long.numberOfLeadingZeros(span) + idxBits <= 63) {
      long[] packed = new long[size];
      for (int i = 0; i < size; i++) {
        packed[i] = ((times[i] - min) << idxBits) | i;
      }
      Arrays.sort(packed);
      long mask = (1L << idxBits) - 1;
      for (int i = 0; i < size; i++) {
        order[i] = (int) (packed[i] & mask);
        sorted[i] = (packed[i] >>> idxBits) + min;
      }
      return order;
    }
    Integer[] boxed = new Integer[size];
    Arrays.setAll(boxed, i -> i);
    Arrays.sort(boxed, Comparator.comparingLong(i -> times[i]));
    for (int i = 0; i < size; i++) {
      order[i] = boxed[i];
      sorted[i] = times[order[i]];
    }
    return order;
  }

  SweepRow read(DataInputDeserializer in, int row, boolean withKey) {
    long w = where[row];
    in.setBuffer(chunks.get((int) (w >>> 32)), (int) w, lengths[row]);
    try {
      if (!withKey) {
        int keyLen = in.readInt();
        in.skipBytesToRead(Math.max(keyLen, 0));
        return SweepRowSerializer.deserializeAfterKey(null, in);
      }
      return SweepRowSerializer.INSTANCE.deserialize(in);
    } catch (IOException e) {
      throw new UncheckedIOException("reading a buffered output row", e);
    }
  }

  /**
   * {@code r} as an output record: one record reused for every row (every field is set each time,
   * and the appender encodes it in {@code add}); {@code GenericRecord.create} looks its schema up
   * in a cache on every call.
   */
  private Record record(SweepRow r) {
    if (reuse == null) {
      reuse = GenericRecord.create(schema);
    }
    GenericRecord rec = reuse;
    var cols = schema.columns();
    for (int i = 0; i < labelWidth; i++) {
      rec.set(i, IcebergValues.toIceberg(cols.get(i).type(), r.values[i]));
    }
    for (int i = 0; i < r.features.length; i++) {
      Types.NestedField f = cols.get(labelWidth + i);
      rec.set(labelWidth + i, IcebergValues.toIceberg(f.type(), r.features[i]));
    }
    return rec;
  }
}
