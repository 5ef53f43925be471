package dev.quiver.offline;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link PointInTimeSweep} per entity key in Flink batch mode, on one hash partition of the
 * rows, which arrive serialized in {@link PackedBatch}es with their key hash ({@link
 * KeyCodec#hash64}, also the partitioning key), so that the exchange copies a few large records and
 * the buffer appends each row's bytes without deserializing: the operator buffers its whole
 * partition compactly ({@link SweepRowArena}: serialized rows, one primitive sort key per row), and
 * at the end of input groups it by key hash and sweeps one key at a time (with labels: {@link
 * ColumnarSweep}, straight over the buffered bytes, no object per event; retrieval without labels
 * deserializes each key's rows for {@link PointInTimeSweep}) — one sweep per distinct full key, so
 * that keys whose hashes collide never mix. This replaces Flink's generic keyed sort, whose 8-byte
 * normalized-key cap made every row of a key fall back to comparing serialized records. With
 * reference times instead of labels, the label rows are generated for every key that has an event
 * at or before the last reference time.
 *
 * <p>Memory: one partition's serialized rows on the heap (about 60 bytes per event of two values);
 * raise the parallelism to split larger inputs, or use the Spark path.
 */
final class SweepFunction extends AbstractStreamOperator<SweepRow>
    implements OneInputStreamOperator<PackedBatch, SweepRow>, BoundedOneInput {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(SweepFunction.class);
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private final PointInTimeSweep sweep;
  private final SpineLabels spine;
  private final boolean rawLabels;
  private transient SweepRowArena rows;

  SweepFunction(PointInTimeSweep sweep, SpineLabels spine) {
    this(sweep, spine, false);
  }

  /**
   * @param rawLabels emit label rows as {@link RawLabelRow}s (see {@link ColumnarSweep}): only when
   *     the consumer is chained and serializes each row right away ({@link OrderedParquetSink}),
   *     never when another group re-keys the rows
   */
  SweepFunction(PointInTimeSweep sweep, SpineLabels spine, boolean rawLabels) {
    this.sweep = sweep;
    this.spine = spine;
    this.rawLabels = rawLabels;
  }

  @Override
  public void open() throws Exception {
    super.open();
    rows = new SweepRowArena();
  }

  @Override
  public void processElement(StreamRecord<PackedBatch> element) {
    element.getValue().forEachRow(rows::add);
  }

  @Override
  public void endInput() {
    long rowCount = rows.size();
    long bytes = rows.bytes();
    long t0 = System.nanoTime();
    long cpu0 = THREADS.getCurrentThreadCpuTime();
    StreamRecord<SweepRow> reuse = new StreamRecord<>(null);
    Consumer<SweepRow> out = r -> output.collect(reuse.replace(r));
    CancelCheck cancel = new CancelCheck(() -> getContainingTask().isCanceled());
    long made = drain(rows, sweep, spine, rawLabels, out, cancel);
    if (spine != null) {
      // the export's total, known once every subtask has made its rows (before the chained part
      // writer writes them): progress as with labels, whose total is the label table's row count
      getRuntimeContext().getLongCounter(PointInTimeJoin.SPINE_ROWS_ACCUMULATOR).add(made);
      getRuntimeContext().getIntCounter(PointInTimeJoin.SPINE_SUBTASKS_ACCUMULATOR).add(1);
    }
    long cpu1 = THREADS.getCurrentThreadCpuTime();
    LOG.info(
        "point-in-time sweep: {} rows ({} MiB serialized) sorted and swept in {} ms ({} ms CPU;"
            + " buffering them took the task {} ms CPU before)",
        rowCount,
        bytes >> 20,
        (System.nanoTime() - t0) / 1_000_000,
        (cpu1 - cpu0) / 1_000_000,
        cpu0 / 1_000_000);
  }

  /**
   * Groups the buffered rows by key and sweeps each group into {@code out}, checking {@code cancel}
   * as it goes (every {@value CancelCheck#EVERY} rows read or made: a cancel of a large export
   * stops the drain within milliseconds instead of when the drain ends).
   *
   * @return the rows made
   * @throws org.apache.flink.runtime.execution.CancelTaskException once cancelled
   */
  static long drain(
      SweepRowArena rows,
      PointInTimeSweep sweep,
      SpineLabels spine,
      boolean rawLabels,
      Consumer<SweepRow> out,
      CancelCheck cancel) {
    long[] made = {0};
    Consumer<SweepRow> counted =
        r -> {
          made[0]++;
          cancel.advance(1);
          out.accept(r);
        };
    if (spine == null) {
      // labels given: sweep the buffered bytes without an object per event
      ColumnarSweep columnar = new ColumnarSweep(sweep, rawLabels);
      rows.forEachRawKeyGroup(
          (chunks, locs, n) -> {
            cancel.advance(n);
            columnar.sweep(chunks, locs, n, counted);
          });
    } else {
      rows.forEachKeyGroup(
          group -> {
            cancel.advance(group.size());
            sweepByKey(sweep, spine, group, counted);
          });
    }
    return made[0];
  }

  /**
   * Sweeps the rows of one key hash: one sweep per distinct full key (in key order when hashes
   * collide), so that colliding keys never see each other's events.
   */
  static void sweepByKey(
      PointInTimeSweep sweep, SpineLabels spine, Iterable<SweepRow> all, Consumer<SweepRow> out) {
    String first = null;
    boolean oneKey = true;
    for (SweepRow r : all) {
      if (first == null) {
        first = r.key;
      } else if (!first.equals(r.key)) {
        oneKey = false;
        break;
      }
    }
    if (first == null) {
      return;
    }
    if (oneKey) {
      sweep.sweep(spine == null ? all : spine.withLabels(first, all), out);
      return;
    }
    Map<String, List<SweepRow>> byKey = new TreeMap<>();
    for (SweepRow r : all) {
      byKey.computeIfAbsent(r.key, k -> new ArrayList<>()).add(r);
    }
    byKey.forEach(
        (key, rows) -> sweep.sweep(spine == null ? rows : spine.withLabels(key, rows), out));
  }
}
