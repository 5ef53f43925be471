package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * A compact, append-only buffer of one partition's {@link SweepRow}s for the point-in-time sweep.
 * Rows are kept serialized ({@link SweepRowSerializer}) in {@value #BUCKETS} buckets chosen by the
 * top bits of their key hash (a radix partition), with one primitive hash per row: millions of rows
 * cost about their serialized size and no per-row objects, and each bucket is small enough to be
 * sorted and read back inside the CPU caches. {@link #forEachKeyGroup} sorts each bucket by key
 * hash with one primitive sort of packed {@code (hash prefix, row index)} longs and hands over one
 * group of rows at a time, deserialized; rows of distinct keys whose hash prefixes collide share a
 * group (the caller separates them by their full key).
 *
 * <p>Not thread-safe (one per operator instance).
 */
final class SweepRowArena {
  static final int BUCKET_BITS = 8;
  static final int BUCKETS = 1 << BUCKET_BITS;

  private final Bucket[] buckets = new Bucket[BUCKETS];
  private final DataOutputSerializer scratch = new DataOutputSerializer(256);
  private long size;
  private long bytes;

  /** One radix bucket: rows back to back, with their end offsets and key hashes. */
  private static final class Bucket {
    byte[] data = new byte[4096];
    int used;

    /** Per row: its key hash, then its end offset in {@link #data} (one cache line for both). */
    long[] meta = new long[64];

    int count;
  }

  /** Appends a row (copied: the caller may reuse it). */
  void add(SweepRow row, long hash) {
    scratch.clear();
    try {
      SweepRowSerializer.INSTANCE.serialize(row, scratch);
    } catch (IOException e) {
      throw new UncheckedIOException("buffering a sweep row", e);
    }
    add(scratch.getSharedBuffer(), scratch.length(), hash);
  }

  /**
   * Appends a row already serialized by {@link SweepRowSerializer} (the first {@code len} bytes of
   * {@code row}, copied).
   */
  void add(byte[] row, int len, long hash) {
    int bi = (int) (hash >>> (64 - BUCKET_BITS));
    Bucket b = buckets[bi];
    if (b == null) {
      b = buckets[bi] = new Bucket();
    }
    if (b.used + len > b.data.length) {
      b.data = Arrays.copyOf(b.data, Math.max(b.data.length * 2, b.used + len));
    }
    System.arraycopy(row, 0, b.data, b.used, len);
    b.used += len;
    if (2 * b.count == b.meta.length) {
      b.meta = Arrays.copyOf(b.meta, b.meta.length * 2);
    }
    b.meta[2 * b.count] = hash;
    b.meta[2 * b.count + 1] = b.used;
    b.count++;
    size++;
    bytes += len;
  }

  long size() {
    return size;
  }

  /** Serialized bytes held. */
  long bytes() {
    return bytes;
  }

  /**
   * Calls {@code group} once per run of rows with the same key-hash prefix, in hash order, each run
   * in arrival order, releasing each bucket once read. The list passed is the caller's to keep.
   */
  void forEachKeyGroup(Consumer<List<SweepRow>> group) {
    DataInputDeserializer in = new DataInputDeserializer();
    try {
      for (int bi = 0; bi < BUCKETS; bi++) {
        Bucket b = buckets[bi];
        if (b == null) {
          continue;
        }
        buckets[bi] = null;
        readBucket(b, in, group);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading a buffered sweep row", e);
    }
    size = 0;
    bytes = 0;
  }

  private static void readBucket(Bucket b, DataInputDeserializer in, Consumer<List<SweepRow>> group)
      throws IOException {
    int n = b.count;
    int idxBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(n - 1));
    long idxMask = (1L << idxBits) - 1;
    long[] order = new long[n];
    for (int i = 0; i < n; i++) {
      order[i] = (b.meta[2 * i] & ~idxMask) | i;
    }
    Arrays.sort(order);
    int i = 0;
    while (i < n) {
      long prefix = order[i] & ~idxMask;
      List<SweepRow> rows = new ArrayList<>();
      do {
        int row = (int) (order[i] & idxMask);
        int start = row == 0 ? 0 : (int) b.meta[2 * row - 1];
        in.setBuffer(b.data, start, (int) b.meta[2 * row + 1] - start);
        rows.add(SweepRowSerializer.INSTANCE.deserialize(in));
        i++;
      } while (i < n && (order[i] & ~idxMask) == prefix);
      group.accept(rows);
    }
  }
}
