package dev.quiver.offline;

/**
 * A swept label row whose key, time, sort fields and label values are still the bytes that {@link
 * SweepRowSerializer} wrote for them ({@code chunk[from, to)}, read from the sweep's buffer), with
 * only {@link #features} as objects: {@link ColumnarSweep} emits these to the chained {@link
 * OrderedParquetSink}, which copies the bytes back into its buffer instead of decoding the label
 * (its key and values strings) and encoding it again. {@link #key} and {@link #values} are null;
 * {@link SweepRowSerializer#materialize} makes a plain row of it for any other consumer.
 *
 * <p>Valid only while the sweep's buffer is: consumed synchronously by a chained operator with
 * object reuse, never kept.
 */
final class RawLabelRow extends SweepRow {
  private static final long serialVersionUID = 1L;

  /** The buffer chunk holding the serialized label. */
  final transient byte[] chunk;

  /** Where the serialized row starts (its key length) in {@link #chunk}. */
  final int from;

  /** Where its label values end (its serialized features start) in {@link #chunk}. */
  final int to;

  RawLabelRow(byte[] chunk, int from, int to, long time, Object[] features) {
    this.chunk = chunk;
    this.from = from;
    this.to = to;
    this.time = time;
    this.kind = LABEL;
    this.features = features;
  }
}
