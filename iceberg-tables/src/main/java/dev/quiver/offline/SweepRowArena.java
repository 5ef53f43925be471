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
 * (measured: 256 buckets read back 17% slower). A bucket's rows go back to back into its chunks (4
 * KiB doubling to 1 MiB), which are carved from a few large slabs ({@link #SLAB}: humongous objects
 * under G1, never copied by a young collection), and the slabs are dropped together once every
 * bucket is read.
 *
 * <p>Not thread-safe (one per operator instance).
 */
final class SweepRowArena {
  static final int BUCKET_BITS = 10;
  static final int BUCKETS = 1 << BUCKET_BITS;

  /** Reads the big-endian int length that opens a serialized key. */
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  // The append path touches only these dense per-bucket arrays (cache-resident for 1,024 buckets),
  // not a scattered object per bucket: the bucket's current chunk (a range of a slab), where its
  // next row goes, where the chunk ends, the slab's index and the size of the bucket's next chunk.
  private final byte[][] current = new byte[BUCKETS][];
  private final int[] used = new int[BUCKETS];
  private final int[] limit = new int[BUCKETS];
  private final int[] slabOf = new int[BUCKETS];
  private final int[] nextChunk = new int[BUCKETS];

  // No "first row of a bucket" or "no slab yet" branch on the append path: a new buffer takes
  // those in its first rows, which in a JVM's first export run before the compiled add's profile
  // starts, so each would be a never-taken branch in the compiled code whose trap deoptimizes (and
  // recompiles) it in every export after. Instead an empty bucket has the empty meta array and its
  // first chunk size, and no slab reads as a full one.
  private static final long[] NO_ROWS = new long[0];

  /**
   * Per bucket and row: its key hash, then {@code slab << 32 | start} (one cache line for both).
   */
  private final long[][] meta = new long[BUCKETS][];

  {
    Arrays.fill(meta, NO_ROWS);
    Arrays.fill(nextChunk, FIRST_CHUNK);
  }

  private final int[] count = new int[BUCKETS];
  private final DataOutputSerializer scratch = new DataOutputSerializer(256);
  private long size;
  private long bytes;

  /**
   * The slabs that the buckets' chunks are carved from, in order (a row larger than a slab gets an
   * array of its own here); {@link #slab} is the one being carved, {@link #slabUsed} its carved
   * bytes.
   */
  private byte[][] slabs = new byte[16][];

  private int slabCount;
  private byte[] slab;
  private int slabIndex;

  private int slabUsed = SLAB; // no slab yet reads as a full one

  static final int FIRST_CHUNK = 4096;
  static final int MAX_CHUNK = 1 << 20;

  /**
   * Bytes per slab. Under G1, whole heap regions (one, or two of 1 MiB regions) less room for an
   * array header: more than half a region, so each slab is a humongous object, allocated in place
   * and never copied by a young collection (the buffered rows live until the drain, and a young
   * collection copied every live chunk while the buffer filled: ~9% of a warm export's samples in
   * the GC workers, session 14), and no region's tail is left empty. 4 MiB under another collector.
   */
  static final int SLAB = slabBytes();

  private static int slabBytes() {
    try {
      var vm =
          java.lang.management.ManagementFactory.getPlatformMXBean(
              com.sun.management.HotSpotDiagnosticMXBean.class);
      if (Boolean.parseBoolean(vm.getVMOption("UseG1GC").getValue())) {
        long region = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue());
        if (region > 0 && region <= 1 << 29) {
          long regions = Math.max(1, 2L * MAX_CHUNK / region);
          return (int) (regions * region) - 64;
        }
      }
    } catch (RuntimeException | LinkageError e) {
      // not HotSpot, or its options are not readable: the default below
    }
    return 4 << 20;
  }

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
    int at = used[bi];
    if (at + len > limit[bi] || current[bi] == null) {
      newChunk(bi, len);
      at = used[bi];
    }
    System.arraycopy(row, offset, current[bi], at, len);
    used[bi] = at + len;
    int c = count[bi];
    long[] m = meta[bi];
    if (2 * c == m.length) {
      m = meta[bi] = Arrays.copyOf(m, Math.max(64, m.length * 2));
    }
    m[2 * c] = hash;
    m[2 * c + 1] = (long) slabOf[bi] << 32 | at;
    count[bi] = c + 1;
    size++;
    bytes += len;
  }

  /**
   * Gives bucket {@code bi} a new chunk of at least {@code len} bytes: the bucket's next size (from
   * {@link #FIRST_CHUNK}, doubling up to {@link #MAX_CHUNK}) carved from the current slab, or what
   * is left of it when that is less but enough; a row larger than a slab gets its own array.
   */
  private void newChunk(int bi, int len) {
    int size = nextChunk[bi];
    int want = Math.max(size, len);
    nextChunk[bi] = Math.min(MAX_CHUNK, size * 2);
    if (len > SLAB) {
      current[bi] = addSlab(new byte[len]);
      slabOf[bi] = slabCount - 1;
      used[bi] = 0;
      limit[bi] = len;
      return;
    }
    if (SLAB - slabUsed < len) {
      slab = addSlab(new byte[SLAB]);
      slabIndex = slabCount - 1;
      slabUsed = 0;
    }
    int take = Math.min(want, SLAB - slabUsed);
    current[bi] = slab;
    slabOf[bi] = slabIndex;
    used[bi] = slabUsed;
    limit[bi] = slabUsed + take;
    slabUsed += take;
  }

  private byte[] addSlab(byte[] s) {
    if (slabCount == slabs.length) {
      slabs = Arrays.copyOf(slabs, slabCount * 2);
    }
    slabs[slabCount++] = s;
    return s;
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
    HashGroups groups = HashGroups.take();
    long[] locs = groups.locs;
    byte[][] chunks = slabs;
    for (int bi = 0; bi < BUCKETS; bi++) {
      long[] m = meta[bi];
      int n = count[bi];
      if (n == 0) {
        continue;
      }
      release(bi);
      touch(chunks, m, n);
      long[] grouped = groups.group(m, n);
      int[] ends = groups.ends;
      int from = 0;
      for (int gi = 0; gi < groups.count; gi++) {
        int g = ends[gi] - from;
        if (g > locs.length) {
          locs = groups.locs = new long[Math.max(g, locs.length * 2)];
        }
        System.arraycopy(grouped, from, locs, 0, g);
        group.accept(chunks, locs, g);
        from = ends[gi];
      }
    }
    HashGroups.give(groups);
    clear();
  }

  /**
   * Groups a bucket's rows by their full key hash without sorting them: a counting sort over the
   * distinct hashes, found in a small open-addressing table (a bucket holds ~100 keys and thousands
   * of rows, so the table stays in the L1 cache). Groups come in the order their hash was first
   * seen, each group's rows in arrival order. Replaced a primitive sort of the bucket by hash
   * (session 6): the order of the groups does not matter, since each part is sorted at the end.
   * Reused from bucket to bucket, and from export to export ({@link #take}): a new one grows its
   * arrays in its first buckets, which in a JVM's first export run before the compiled code's
   * profile starts, so the growth would be a never-taken branch of the compiled {@link #group}
   * whose trap deoptimizes it (and its callers) in every export after; one that has grown does not
   * grow again for exports of the same shape.
   */
  static final class HashGroups {
    private static final java.util.concurrent.ConcurrentLinkedQueue<HashGroups> POOL =
        new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** One from the pool, or a new one. */
    static HashGroups take() {
      HashGroups g = POOL.poll();
      return g != null ? g : new HashGroups();
    }

    /** Back to the pool (at most one per sweep running at a time, a few KiB each). */
    static void give(HashGroups g) {
      POOL.offer(g);
    }

    /** The caller's copy of one group's locations (see {@link #forEachRawKeyGroup}). */
    long[] locs = new long[64];

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

  /** Where {@link #touch} leaves what it read, so that the JIT keeps the reads. */
  private int touched;

  /**
   * Reads the first byte of each of a bucket's {@code n} rows in arrival order, that is forward
   * through each of its chunks, so that the hardware prefetcher streams the bucket's bytes into the
   * cache before the sweep reads them in group order (a cache miss per row otherwise).
   */
  private void touch(byte[][] chunks, long[] meta, int n) {
    int sum = touched;
    for (int i = 0; i < n; i++) {
      long w = meta[2 * i + 1];
      sum += chunks[(int) (w >>> 32)][(int) w];
    }
    touched = sum;
  }

  /** Forgets bucket {@code bi}'s rows (its chunks stay in their slabs until {@link #clear}). */
  private void release(int bi) {
    current[bi] = null;
    meta[bi] = NO_ROWS;
    used[bi] = 0;
    limit[bi] = 0;
    nextChunk[bi] = FIRST_CHUNK;
    count[bi] = 0;
  }

  /** Drops the slabs once every bucket is read. */
  private void clear() {
    slabs = new byte[16][];
    slabCount = 0;
    slab = null;
    slabIndex = 0;
    slabUsed = SLAB;
    size = 0;
    bytes = 0;
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
    byte[][] chunks = slabs;
    try {
      for (int bi = 0; bi < BUCKETS; bi++) {
        long[] m = meta[bi];
        int n = count[bi];
        if (n == 0) {
          continue;
        }
        release(bi);
        readBucket(chunks, m, n, in, group);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading a buffered sweep row", e);
    }
    clear();
  }

  private static void readBucket(
      byte[][] chunks, long[] meta, int n, DataInputDeserializer in, Consumer<List<SweepRow>> group)
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
      readRows(chunks, locs, g, in, rows);
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
