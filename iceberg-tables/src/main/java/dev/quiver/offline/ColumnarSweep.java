package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Consumer;
import org.apache.flink.core.memory.DataInputDeserializer;

/**
 * {@link PointInTimeSweep}'s rules run straight over one key group of {@link SweepRowArena}'s
 * serialized rows, without a {@link SweepRow} per event: the events' sort fields ({@code
 * event_time}, {@code _seq}, {@code _ingested_at}) are read into primitive columns, each view's
 * events are ordered by an index sort over packed primitives, and an event's values are decoded
 * only when a label takes them (once per newest event) or a window aggregation folds them. Label
 * rows are still deserialized, since they are the output. The result is the same as {@link
 * PointInTimeSweep#sweep} on the deserialized rows (same labels in the same order, same values;
 * {@code ColumnarSweepTest} holds the two equal on adversarial data), which this class falls back
 * to when a group holds more than one key (hash-prefix collisions).
 *
 * <p>Not thread-safe: one per sweep operator (its columns are reused from group to group).
 */
final class ColumnarSweep {
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /** Bytes between the end of the key and the values: time, kind, seq, ingested_at. */
  private static final int HEADER = 8 + 4 + 8 + 8;

  private final PointInTimeSweep sweep;
  private final List<ViewPlan> views;
  private final boolean guard;
  private final DataInputDeserializer in = new DataInputDeserializer();

  /** Emit {@link RawLabelRow}s (label bytes not decoded) instead of plain label rows. */
  private final boolean rawLabels;

  // per row of the current group
  private long[] time = new long[64];
  private long[] seq = new long[64];
  private long[] ingested = new long[64];
  private int[] kind = new int[64];

  /** Per row: where its values start, in its chunk. */
  private int[] valuesAt = new int[64];

  // the current group's buffer (for the last tie-break: the events' value bytes)
  private byte[][] groupChunks;
  private long[] groupRows;

  // per view of the current group: its events' row numbers in event order
  private int[] events = new int[64];
  private long[] packed = new long[64];

  ColumnarSweep(PointInTimeSweep sweep) {
    this(sweep, false);
  }

  /**
   * @param rawLabels emit each label as a {@link RawLabelRow} (its key and values left encoded in
   *     the buffer it was read from) for a chained consumer that serializes it right away; else as
   *     a plain {@link SweepRow}
   */
  ColumnarSweep(PointInTimeSweep sweep, boolean rawLabels) {
    this.rawLabels = rawLabels;
    this.sweep = sweep;
    this.views = sweep.views();
    this.guard = sweep.availabilityGuard();
  }

  /**
   * Sweeps one raw group ({@link SweepRowArena.RawGroup}), emitting its filled label rows. The
   * scratch arrays grow here, outside {@link #sweepGroup}: a new sweep grows them in its first
   * groups, which in a JVM's first export run before the compiled code's profile starts, so in the
   * big method the growth would be a never-taken branch whose trap deoptimizes (and recompiles) it
   * in every later export; in this small one, inlined into its caller, the recompile is cheap.
   */
  void sweep(byte[][] chunks, long[] rows, int n, Consumer<SweepRow> out) {
    if (time.length < n) {
      grow(n);
    }
    sweepGroup(chunks, rows, n, out);
  }

  private void grow(int n) {
    int len = Math.max(n, time.length * 2);
    time = new long[len];
    seq = new long[len];
    ingested = new long[len];
    kind = new int[len];
    valuesAt = new int[len];
    events = new int[len];
    packed = new long[len];
  }

  private void sweepGroup(byte[][] chunks, long[] rows, int n, Consumer<SweepRow> out) {
    List<SweepRow> labels = null;
    String key = null;
    byte[] firstChunk = chunks[(int) (rows[0] >>> 32)];
    int firstStart = (int) rows[0];
    int firstLen = (int) INT.get(firstChunk, firstStart);
    for (int i = 0; i < n; i++) {
      byte[] chunk = chunks[(int) (rows[i] >>> 32)];
      int start = (int) rows[i];
      int rawKeyLen = (int) INT.get(chunk, start);
      // the group is one key unless a hash collision mixed several: checked in this same pass
      // over the rows (each row's first touch), then swept apart by the object sweep
      if (rawKeyLen != firstLen
          || (rawKeyLen > 0
              && !Arrays.equals(
                  chunk,
                  start + 4,
                  start + 4 + rawKeyLen,
                  firstChunk,
                  firstStart + 4,
                  firstStart + 4 + rawKeyLen))) {
        SweepFunction.sweepByKey(sweep, null, SweepRowArena.deserialize(chunks, rows, n), out);
        return;
      }
      int keyLen = Math.max(0, rawKeyLen);
      int at = start + 4 + keyLen;
      time[i] = (long) LONG.get(chunk, at);
      kind[i] = (int) INT.get(chunk, at + 8);
      seq[i] = (long) LONG.get(chunk, at + 12);
      ingested[i] = (long) LONG.get(chunk, at + 20);
      valuesAt[i] = at + HEADER;
      if (kind[i] == SweepRow.LABEL) {
        if (labels == null) {
          labels = new ArrayList<>();
        }
        if (rawLabels) {
          labels.add(rawLabel(chunk, start, at + HEADER, time[i]));
          continue;
        }
        if (key == null) {
          int rawLen = (int) INT.get(chunk, start);
          key = rawLen < 0 ? null : new String(chunk, start + 4, rawLen, StandardCharsets.UTF_8);
        }
        in.setBuffer(chunk, at, chunk.length - at);
        try {
          labels.add(SweepRowSerializer.deserializeAfterKey(key, in));
        } catch (IOException e) {
          throw new UncheckedIOException("reading a buffered label row", e);
        }
      }
    }
    if (labels == null) {
      return;
    }
    labels.sort(Comparator.comparingLong(r -> r.time));
    groupChunks = chunks;
    groupRows = rows;
    for (ViewPlan v : views) {
      int m = eventsOf(v.viewIndex(), n);
      fill(v, chunks, rows, m, labels);
    }
    groupChunks = null; // not kept beyond the group
    groupRows = null;
    labels.forEach(out);
  }

  /** The label row serialized at {@code chunk[start..]}, its values at {@code valuesAt}. */
  private RawLabelRow rawLabel(byte[] chunk, int start, int valuesAt, long t) {
    in.setBuffer(chunk, valuesAt, chunk.length - valuesAt);
    try {
      SweepRowSerializer.skipArray(in);
      int end = in.getPosition();
      // the feature slots that earlier groups' sweeps filled are kept (nulls for the first)
      return new RawLabelRow(chunk, start, end, t, SweepRowSerializer.readArray(in));
    } catch (IOException e) {
      throw new UncheckedIOException("reading a buffered label row", e);
    }
  }

  /**
   * Collects the rows of view {@code view} into {@link #events} in event order — {@code
   * event_time}, {@code _seq}, {@code _ingested_at}, then the values' bytes (as {@link
   * PointInTimeSweep#EVENT_ORDER}; exact duplicates stay in arrival order) — and returns their
   * count.
   */
  private int eventsOf(int view, int n) {
    int m = 0;
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < n; i++) {
      if (kind[i] == view) {
        events[m++] = i;
        min = Math.min(min, time[i]);
        max = Math.max(max, time[i]);
      }
    }
    if (m < 2) {
      return m;
    }
    int idxBits = 32 - Integer.numberOfLeadingZeros(m - 1);
    long span = max - min;
    if (span >= 0 && 64 - Long.numberOfLeadingZeros(span) + idxBits <= 63) {
      // (time - min, position) in one long: one primitive sort; ties on time fixed up below
      for (int k = 0; k < m; k++) {
        packed[k] = ((time[events[k]] - min) << idxBits) | k;
      }
      Arrays.sort(packed, 0, m);
      long mask = (1L << idxBits) - 1;
      int[] byPosition = Arrays.copyOf(events, m);
      for (int k = 0; k < m; k++) {
        events[k] = byPosition[(int) (packed[k] & mask)];
      }
      // runs of equal time (already in arrival order): by _seq, _ingested_at and values, stably
      int k = 0;
      while (k < m) {
        int j = k + 1;
        while (j < m && time[events[j]] == time[events[k]]) {
          j++;
        }
        if (j - k > 1) {
          insertionSort(k, j);
        }
        k = j;
      }
    } else {
      Integer[] boxed = new Integer[m];
      for (int k = 0; k < m; k++) {
        boxed[k] = events[k];
      }
      Arrays.sort(boxed, (a, b) -> compare(a, b));
      for (int k = 0; k < m; k++) {
        events[k] = boxed[k];
      }
    }
    return m;
  }

  /** Stable insertion sort of {@code events[from, to)} by {@link #compare}. */
  private void insertionSort(int from, int to) {
    for (int k = from + 1; k < to; k++) {
      int e = events[k];
      int j = k - 1;
      while (j >= from && compare(events[j], e) > 0) {
        events[j + 1] = events[j];
        j--;
      }
      events[j + 1] = e;
    }
  }

  /** {@link PointInTimeSweep#EVENT_ORDER} on rows {@code a} and {@code b}. */
  private int compare(int a, int b) {
    int c = Long.compare(time[a], time[b]);
    if (c == 0) {
      c = Long.compare(seq[a], seq[b]);
    }
    if (c == 0) {
      c = Long.compare(ingested[a], ingested[b]);
    }
    if (c == 0) {
      // the values' bytes, as EVENT_ORDER compares them: not the arrival order, which follows
      // which split a source subtask read first
      byte[] ca = groupChunks[(int) (groupRows[a] >>> 32)];
      byte[] cb = groupChunks[(int) (groupRows[b] >>> 32)];
      c =
          Arrays.compareUnsigned(
              ca,
              valuesAt[a],
              valuesEnd(ca, valuesAt[a]),
              cb,
              valuesAt[b],
              valuesEnd(cb, valuesAt[b]));
    }
    return c;
  }

  /** Where the values serialized at {@code chunk[from..]} end. */
  private int valuesEnd(byte[] chunk, int from) {
    in.setBuffer(chunk, from, chunk.length - from);
    try {
      SweepRowSerializer.skipArray(in);
    } catch (IOException e) {
      throw new UncheckedIOException("reading a buffered event", e);
    }
    return in.getPosition();
  }

  /**
   * {@code PointInTimeSweep.ViewCursor} over primitive columns: walks the view's {@code m} sorted
   * events forward through the labels (in time order) and fills the view's feature slots.
   */
  private void fill(ViewPlan plan, byte[][] chunks, long[] rows, int m, List<SweepRow> labels) {
    List<WindowState> windows = new ArrayList<>(plan.aggregations().size());
    for (ViewPlan.AggPlan a : plan.aggregations()) {
      windows.add(new WindowState(a, plan.tileMillis()));
    }
    PriorityQueue<Integer> pending = null;
    int next = 0;
    int newest = -1;
    int decoded = -1;
    Object[] newestValues = null;
    int[] rowFeatures = plan.rowFeatures();
    for (SweepRow label : labels) {
      long t = label.time;
      long cutoff = plan.cutoff(t);
      while (next < m && time[events[next]] <= cutoff) {
        int e = events[next++];
        if (!guard || ingested[e] <= t) {
          newest = admit(e, newest, windows, chunks, rows);
        } else {
          if (pending == null) {
            pending = new PriorityQueue<>(Comparator.comparingLong(i -> ingested[i]));
          }
          pending.add(e);
        }
      }
      while (pending != null && !pending.isEmpty() && ingested[pending.peek()] <= t) {
        newest = admit(pending.poll(), newest, windows, chunks, rows);
      }
      int slot = plan.outputOffset();
      boolean live = newest >= 0 && time[newest] > t - plan.ttlMillis();
      if (live && rowFeatures.length > 0 && decoded != newest) {
        newestValues = values(chunks, rows, newest);
        decoded = newest;
      }
      for (int idx : rowFeatures) {
        label.features[slot++] = live ? newestValues[idx] : null;
      }
      for (WindowState w : windows) {
        label.features[slot++] = w.value(t);
      }
    }
  }

  private int admit(int e, int newest, List<WindowState> windows, byte[][] chunks, long[] rows) {
    if (!windows.isEmpty()) {
      Object[] v = null;
      for (WindowState w : windows) {
        int input = w.plan.inputIndex();
        if (input >= 0 && v == null && w.accepts(time[e])) {
          v = values(chunks, rows, e);
        }
        w.add(time[e], seq[e], input < 0 ? null : v == null ? null : v[input]);
      }
    }
    return newest < 0 || compare(e, newest) > 0 ? e : newest;
  }

  /** Decodes row {@code r}'s values. */
  private Object[] values(byte[][] chunks, long[] rows, int r) {
    byte[] chunk = chunks[(int) (rows[r] >>> 32)];
    in.setBuffer(chunk, valuesAt[r], chunk.length - valuesAt[r]);
    try {
      return SweepRowSerializer.readArray(in);
    } catch (IOException e) {
      throw new UncheckedIOException("reading a buffered event", e);
    }
  }
}
