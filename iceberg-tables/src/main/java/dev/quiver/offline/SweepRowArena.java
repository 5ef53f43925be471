package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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
 * group of rows at a time, deserialized (consecutive rows with equal key bytes share one key
 * string); rows of distinct keys whose hash prefixes collide share a group (the caller separates
 * them by their full key). {@link #forEachRawKeyGroup} hands over the groups still serialized,
 * grouped by full hash without a sort ({@link HashGroups}), for {@link ColumnarSweep}. 1,024
 * buckets keep a bucket of a 5.6M-row partition (~340 KiB) inside the L2 cache with its sort arrays
 * (measured: 256 buckets read back 17% slower).
 *
 * <p>Not thread-safe (one per operator instance).
 */
final class SweepRowArena {
  static final int BUCKET_BITS = 10;
  static final int BUCKETS = 1 << BUCKET_BITS;

  /** Reads the big-endian int length that opens a serialized key. */
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  /** Per bucket, its chunks; the append path's state is in the flat arrays below. */
  private final Bucket[] buckets = new Bucket[BUCKETS];

  // The append path touches only these dense per-bucket arrays (cache-resident for 1,024 buckets),
  // not a scattered object per bucket.
  private final byte[][] current = new byte[BUCKETS][];
  private final int[] used = new int[BUCKETS];
  private final int[] chunkIndex = new int[BUCKETS];

  /**
   * Per bucket and row: its key hash, then {@code chunk << 32 | start} (one cache line for both).
   */
  private final long[][] meta = new long[BUCKETS][];

  private final int[] count = new int[BUCKETS];
  private final DataOutputSerializer scratch = new DataOutputSerializer(256);
  private long size;
  private long bytes;

  /**
   * One radix bucket's chunks: rows back to back in chunks that double up to {@link #MAX_CHUNK} (a
   * row never spans two; a full chunk is never copied).
   */
  private static final class Bucket {
    byte[][] chunks = new byte[4][];
    int chunkCount;
  }

  static final int FIRST_CHUNK = 4096;
  static final int MAX_CHUNK = 1 << 20;

  /** Appends a row (copied: the caller may reuse it). */
  void add(SweepRow row, long hash) {
    scratch.clear();
    try {
      SweepRowSerializer.INSTANCE.serialize(row, scratch);
    } catch (IOException e) {
      throw new UncheckedIOException("buffering a sweep row", e);
    }
    add(scratch.getSharedBuffer(), 0, scratch.length(), hash);
  }

  /**
   * Appends a row already serialized by {@link SweepRowSerializer} ({@code len} bytes of {@code
   * row} from {@code offset}, copied).
   */
  void add(byte[] row, int offset, int len, long hash) {
    int bi = (int) (hash >>> (64 - BUCKET_BITS));
    byte[] cur = current[bi];
    int at = used[bi];
    if (cur == null || at + len > cur.length) {
      Bucket b = buckets[bi];
      if (b == null) {
        b = buckets[bi] = new Bucket();
      }
      int chunkSize = cur == null ? FIRST_CHUNK : Math.min(MAX_CHUNK, cur.length * 2);
      cur = current[bi] = new byte[Math.max(chunkSize, len)];
      at = 0;
      if (b.chunkCount == b.chunks.length) {
        b.chunks = Arrays.copyOf(b.chunks, b.chunkCount * 2);
      }
      b.chunks[b.chunkCount] = cur;
      chunkIndex[bi] = b.chunkCount++;
    }
    System.arraycopy(row, offset, cur, at, len);
    used[bi] = at + len;
    int c = count[bi];
    long[] m = meta[bi];
    if (m == null) {
      m = meta[bi] = new long[64];
    } else if (2 * c == m.length) {
      m = meta[bi] = Arrays.copyOf(m, m.length * 2);
    }
    m[2 * c] = hash;
    m[2 * c + 1] = (long) chunkIndex[bi] << 32 | at;
    count[bi] = c + 1;
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
   * One group of rows with the same key hash, still serialized: row {@code i} starts at byte {@code
   * (int) rows[i]} of {@code chunks[(int) (rows[i] >>> 32)]}. Both arrays are only valid during the
   * call (reused).
   */
  @FunctionalInterface
  interface RawGroup {
    void accept(byte[][] chunks, long[] rows, int n);
  }

  /**
   * Like {@link #forEachKeyGroup(Consumer)} without deserializing, and grouped by the full hash
   * ({@link HashGroups}), in no particular group order: hands over each group's row locations (in
   * arrival order) for a columnar read.
   */
  void forEachRawKeyGroup(RawGroup group) {
    long[] locs = new long[64];
    HashGroups groups = new HashGroups();
    for (int bi = 0; bi < BUCKETS; bi++) {
      Bucket b = buckets[bi];
      if (b == null) {
        continue;
      }
      long[] m = meta[bi];
      int n = count[bi];
      release(bi);
      long[] grouped = groups.group(m, n);
      int[] ends = groups.ends;
      int from = 0;
      for (int gi = 0; gi < groups.count; gi++) {
        int g = ends[gi] - from;
        if (g > locs.length) {
          locs = new long[Math.max(g, locs.length * 2)];
        }
        System.arraycopy(grouped, from, locs, 0, g);
        group.accept(b.chunks, locs, g);
        from = ends[gi];
      }
    }
    size = 0;
    bytes = 0;
  }

  /**
   * Groups a bucket's rows by their full key hash without sorting them: a counting sort over the
   * distinct hashes, found in a small open-addressing table (a bucket holds ~100 keys and thousands
   * of rows, so the table stays in the L1 cache). Groups come in the order their hash was first
   * seen, each group's rows in arrival order. Replaced a primitive sort of the bucket by hash
   * (session 6): the order of the groups does not matter, since each part is sorted at the end.
   * Reused from bucket to bucket.
   */
  static final class HashGroups {
    private long[] hashes = new long[256];
    private int[] ids = new int[256];
    private int[] groupOf = new int[1024];
    private int[] starts = new int[256];
    private long[] grouped = new long[1024];

    /** After {@link #group}: the number of groups, and each group's end in the returned array. */
    int count;

    int[] ends = new int[256];

    /**
     * The row locations of {@code meta} ({@code hash, location} pairs of {@code n} rows) grouped by
     * hash; see {@link #count} and {@link #ends}. The array is reused by the next call.
     */
    long[] group(long[] meta, int n) {
      Arrays.fill(ids, 0);
      count = 0;
      if (groupOf.length < n) {
        groupOf = new int[Math.max(n, groupOf.length * 2)];
        grouped = new long[groupOf.length];
      }
      for (int i = 0; i < n; i++) {
        groupOf[i] = idOf(meta[2 * i]);
      }
      if (starts.length < count + 1) {
        starts = new int[Math.max(count + 1, starts.length * 2)];
        ends = new int[starts.length];
      }
      Arrays.fill(starts, 0, count + 1, 0);
      for (int i = 0; i < n; i++) {
        starts[groupOf[i] + 1]++;
      }
      for (int g = 0; g < count; g++) {
        starts[g + 1] += starts[g];
        ends[g] = starts[g + 1];
      }
      for (int i = 0; i < n; i++) {
        grouped[starts[groupOf[i]]++] = meta[2 * i + 1];
      }
      return grouped;
    }

    /** The group id of {@code hash}, a new one the first time it is seen. */
    private int idOf(long hash) {
      if (2 * (count + 1) > hashes.length) {
        grow();
      }
      int mask = hashes.length - 1;
      int slot = (int) (hash ^ (hash >>> 32)) & mask;
      while (true) {
        int id = ids[slot];
        if (id == 0) {
          hashes[slot] = hash;
          ids[slot] = ++count;
          return count - 1;
        }
        if (hashes[slot] == hash) {
          return id - 1;
        }
        slot = (slot + 1) & mask;
      }
    }

    private void grow() {
      long[] oldHashes = hashes;
      int[] oldIds = ids;
      hashes = new long[oldHashes.length * 2];
      ids = new int[oldIds.length * 2];
      int mask = hashes.length - 1;
      for (int s = 0; s < oldIds.length; s++) {
        if (oldIds[s] != 0) {
          int slot = (int) (oldHashes[s] ^ (oldHashes[s] >>> 32)) & mask;
          while (ids[slot] != 0) {
            slot = (slot + 1) & mask;
          }
          hashes[slot] = oldHashes[s];
          ids[slot] = oldIds[s];
        }
      }
    }
  }

  /** Deserializes the rows of a raw group (consecutive rows of one key share its string). */
  static List<SweepRow> deserialize(byte[][] chunks, long[] rows, int n) {
    List<SweepRow> out = new ArrayList<>(n);
    DataInputDeserializer in = new DataInputDeserializer();
    try {
      readRows(chunks, rows, n, in, out);
    } catch (IOException e) {
      throw new UncheckedIOException("reading a buffered sweep row", e);
    }
    return out;
  }

  private void release(int bi) {
    buckets[bi] = null;
    current[bi] = null;
    meta[bi] = null;
    used[bi] = 0;
    count[bi] = 0;
  }

  private static long indexMask(int n) {
    int idxBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(n - 1));
    return (1L << idxBits) - 1;
  }

  /** Packed {@code (hash prefix, row index)} longs of a bucket's rows, sorted. */
  private static long[] sortByHash(long[] meta, int n) {
    long idxMask = indexMask(n);
    long[] order = new long[n];
    for (int i = 0; i < n; i++) {
      order[i] = (meta[2 * i] & ~idxMask) | i;
    }
    Arrays.sort(order);
    return order;
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
        long[] m = meta[bi];
        int n = count[bi];
        release(bi);
        readBucket(b, m, n, in, group);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading a buffered sweep row", e);
    }
    size = 0;
    bytes = 0;
  }

  private static void readBucket(
      Bucket b, long[] meta, int n, DataInputDeserializer in, Consumer<List<SweepRow>> group)
      throws IOException {
    long idxMask = indexMask(n);
    long[] order = sortByHash(meta, n);
    long[] locs = new long[64];
    int i = 0;
    while (i < n) {
      long prefix = order[i] & ~idxMask;
      int g = 0;
      do {
        if (g == locs.length) {
          locs = Arrays.copyOf(locs, g * 2);
        }
        locs[g++] = meta[2 * (int) (order[i] & idxMask) + 1];
        i++;
      } while (i < n && (order[i] & ~idxMask) == prefix);
      List<SweepRow> rows = new ArrayList<>(g);
      readRows(b.chunks, locs, g, in, rows);
      group.accept(rows);
    }
  }

  private static void readRows(
      byte[][] chunks, long[] locs, int n, DataInputDeserializer in, List<SweepRow> out)
      throws IOException {
    byte[] prevChunk = null;
    int prevStart = 0;
    String prevKey = null;
    for (int i = 0; i < n; i++) {
      long location = locs[i];
      byte[] chunk = chunks[(int) (location >>> 32)];
      int start = (int) location;
      // the key (length, UTF-8 bytes) opens the row: consecutive rows of one key share its string
      int keyLen = (int) INT.get(chunk, start);
      String key;
      if (keyLen < 0) {
        key = null;
      } else if (prevChunk != null
          && keyLen == (int) INT.get(prevChunk, prevStart)
          && Arrays.equals(
              chunk,
              start + 4,
              start + 4 + keyLen,
              prevChunk,
              prevStart + 4,
              prevStart + 4 + keyLen)) {
        key = prevKey;
      } else {
        key = new String(chunk, start + 4, keyLen, StandardCharsets.UTF_8);
      }
      prevChunk = keyLen < 0 ? null : chunk;
      prevStart = start;
      prevKey = key;
      int body = start + 4 + Math.max(keyLen, 0);
      in.setBuffer(chunk, body, chunk.length - body);
      out.add(SweepRowSerializer.deserializeAfterKey(key, in));
    }
  }
}
