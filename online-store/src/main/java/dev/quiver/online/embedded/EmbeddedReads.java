package dev.quiver.online.embedded;

import dev.quiver.online.OnlineCell;
import dev.quiver.online.OnlineRead;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.RocksIterator;

/**
 * The read side of the embedded store: how one {@link OnlineRead} walks an entity's keys with a
 * RocksDB iterator. Not thread-safe: one instance per thread ({@link #forThread()}), reused across
 * reads, so a read allocates only what it returns.
 *
 * <p>Cost model (measured with {@code RawStoreBench} and a perf profile, 2026-11-27): a seek is ~2
 * us (memtable, index and data block search, block-cache lookup), a {@code next()} ~0.1 us, a key
 * or value copy over JNI ~0.1 us. So a read of several qualifiers of one entity seeks once and
 * steps; the Java side avoids per-step allocations: keys and values come through direct buffers
 * ({@link RocksIterator#key(ByteBuffer)}) instead of a new array per call, and the encoded, sorted
 * targets of a qualifier list are computed once per list instance (a batch shares one list for all
 * its keys, and FeatureReader one list per plan) instead of once per read.
 */
final class EmbeddedReads {
  /**
   * How many keys a multi-qualifier read steps over with {@code next()} before it re-seeks. Each
   * step is a JNI call plus a key copy; a seek searches the memtable and every level again.
   * Measured with RawStoreBench (thread CPU of a 7d + 1d window read): 3-8 steps are best (~39-45
   * us), 0 (a seek per cell, in key order) ~60 us, 32 ~62 us.
   */
  static final int MAX_STEPS = 4;

  private static final ThreadLocal<EmbeddedReads> PER_THREAD =
      ThreadLocal.withInitial(EmbeddedReads::new);

  private ByteBuffer keyBuffer = ByteBuffer.allocateDirect(256);
  private ByteBuffer valueBuffer = ByteBuffer.allocateDirect(4096);
  private ByteBuffer seekBuffer = ByteBuffer.allocateDirect(256);

  /** The iterator's current key (copied from {@link #keyBuffer}), {@link #keyLength} bytes. */
  private byte[] key = new byte[256];

  private int keyLength;

  /** The target being looked for: row prefix ++ encoded qualifier ++ (MAX - asOf). */
  private byte[] target = new byte[256];

  private int targetLength;
  // The plans of the last two qualifier lists (by identity): an as-of read of tiles reads two
  // lists per key (rows and head tile, closed tiles), alternating through the batch.
  private List<String> lastQualifiers;
  private QualifierPlan lastPlan;
  private List<String> previousQualifiers;
  private QualifierPlan previousPlan;

  private EmbeddedReads() {}

  /** This thread's instance. */
  static EmbeddedReads forThread() {
    return PER_THREAD.get();
  }

  /**
   * Each qualifier of a list encoded as in the key ({@code u16 len ++ UTF-8}), and the order in
   * which the targets of a read of that list come in key order (the row prefix and the timestamp
   * are the same for all of them, so it is the unsigned order of the encodings).
   */
  private record QualifierPlan(byte[][] encoded, int[] order) {
    static QualifierPlan of(List<String> qualifiers) {
      int n = qualifiers.size();
      byte[][] encoded = new byte[n][];
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        byte[] q = qualifiers.get(i).getBytes(StandardCharsets.UTF_8);
        if (q.length > 0xFFFF) {
          throw new IllegalArgumentException(
              "qualifier: " + q.length + " bytes (expected: < 65,000)");
        }
        byte[] e = new byte[q.length + 2];
        e[0] = (byte) (q.length >>> 8);
        e[1] = (byte) q.length;
        System.arraycopy(q, 0, e, 2, q.length);
        encoded[i] = e;
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(encoded[a], encoded[b]));
      return new QualifierPlan(encoded, Arrays.stream(order).mapToInt(Integer::intValue).toArray());
    }
  }

  private QualifierPlan plan(List<String> qualifiers) {
    if (qualifiers == lastQualifiers) {
      return lastPlan;
    }
    QualifierPlan plan =
        qualifiers == previousQualifiers ? previousPlan : QualifierPlan.of(qualifiers);
    previousQualifiers = lastQualifiers;
    previousPlan = lastPlan;
    lastQualifiers = qualifiers;
    lastPlan = plan;
    return plan;
  }

  /**
   * Reads the selected qualifiers (or, with none, the whole row) of one entity: for each, the
   * newest version with {@code minTs <= ts <= r.asOf()}. The iterator must be bounded to the
   * entity's hash prefix ({@code prefix_same_as_start}). Results come back in the order of the
   * read's qualifiers.
   */
  Map<String, OnlineCell> read(RocksIterator it, OnlineRead r, long minTs) {
    byte[] row = EmbeddedKeys.rowPrefix(r.entityKey());
    if (r.qualifiers().isEmpty()) {
      return wholeRow(it, row, r.asOf(), minTs);
    }
    return walk(it, row, r, minTs);
  }

  /**
   * Reads many qualifiers of one entity in key order with one iterator: seeks to the smallest
   * target, then steps forward with {@code next()}, re-seeking only when a target is more than
   * {@link #MAX_STEPS} keys ahead. Each target {@code (row, q, MAX - asOf)} gets the first key at
   * or after it, exactly what a seek to it returns, because targets are visited in ascending order
   * and the iterator never passes a target it has not answered. When the iterator runs out of the
   * entity's prefix, no later target has a cell.
   */
  private Map<String, OnlineCell> walk(RocksIterator it, byte[] row, OnlineRead r, long minTs) {
    List<String> qualifiers = r.qualifiers();
    OnlineCell[] found = walkCells(it, row, r, minTs);
    Map<String, OnlineCell> cells = new LinkedHashMap<>(qualifiers.size() * 2);
    for (int i = 0; i < found.length; i++) {
      if (found[i] != null) {
        cells.put(qualifiers.get(i), found[i]);
      }
    }
    return cells;
  }

  /**
   * Like {@link #read} for a read that names its qualifiers: the cells aligned with them (null
   * where none is in range), without a map.
   */
  OnlineCell[] readCells(RocksIterator it, OnlineRead r, long minTs) {
    if (r.qualifiers().isEmpty()) {
      throw new IllegalArgumentException(
          "reads: a read of " + r.table() + " names no qualifiers (expected: at least one)");
    }
    return walkCells(it, EmbeddedKeys.rowPrefix(r.entityKey()), r, minTs);
  }

  /** The walk of {@link #walk}, its cells aligned with the read's qualifiers. */
  private OnlineCell[] walkCells(RocksIterator it, byte[] row, OnlineRead r, long minTs) {
    List<String> qualifiers = r.qualifiers();
    QualifierPlan plan = plan(qualifiers);
    int n = qualifiers.size();
    long inverted = Long.MAX_VALUE - r.asOf();
    OnlineCell[] found = new OnlineCell[n];
    boolean positioned = false; // whether the iterator holds a key (before the first seek: no)
    for (int i : plan.order()) {
      setTarget(row, plan.encoded()[i], inverted);
      if (!positioned || compareKeyToTarget() < 0) {
        if (!advance(it, positioned)) {
          break; // past the entity's last key: no later target has a cell
        }
        positioned = true;
      }
      found[i] = cellAt(it, minTs);
    }
    return found;
  }

  /** The whole row: versions of each qualifier are contiguous and newest first. */
  private Map<String, OnlineCell> wholeRow(RocksIterator it, byte[] row, long asOf, long minTs) {
    Map<String, OnlineCell> cells = new LinkedHashMap<>();
    String seen = null;
    for (it.seek(row); it.isValid(); it.next()) {
      byte[] k = it.key();
      if (!EmbeddedKeys.startsWith(k, row)) {
        break;
      }
      String q = EmbeddedKeys.qualifierOf(k, row.length);
      long ts = EmbeddedKeys.tsOfKey(k);
      if (q.equals(seen) || ts > asOf) {
        continue;
      }
      seen = q;
      if (ts >= minTs) {
        cells.put(q, new OnlineCell(ts, EmbeddedKeys.cellOfValue(it.value())));
      }
    }
    return cells;
  }

  private void setTarget(byte[] row, byte[] qualifier, long inverted) {
    int len = row.length + qualifier.length + 8;
    if (target.length < len) {
      target = new byte[Math.max(len, target.length * 2)];
    }
    System.arraycopy(row, 0, target, 0, row.length);
    System.arraycopy(qualifier, 0, target, row.length, qualifier.length);
    int at = row.length + qualifier.length;
    for (int b = 7; b >= 0; b--) {
      target[at + 7 - b] = (byte) (inverted >>> (8 * b));
    }
    targetLength = len;
  }

  private int compareKeyToTarget() {
    return Arrays.compareUnsigned(key, 0, keyLength, target, 0, targetLength);
  }

  /**
   * Moves the iterator to the first key {@code >= target}: up to {@link #MAX_STEPS} next()s from
   * the current position (a position before the target), else one seek. Loads that key into {@link
   * #key}; false when there is none in the iterator's prefix.
   */
  private boolean advance(RocksIterator it, boolean positioned) {
    if (positioned) {
      for (int step = 0; step < MAX_STEPS; step++) {
        it.next();
        if (!it.isValid()) {
          return false;
        }
        loadKey(it);
        if (compareKeyToTarget() >= 0) {
          return true;
        }
      }
    }
    if (seekBuffer.capacity() < targetLength) {
      seekBuffer = ByteBuffer.allocateDirect(Math.max(targetLength, seekBuffer.capacity() * 2));
    }
    it.seek(seekBuffer.clear().put(target, 0, targetLength).flip());
    if (!it.isValid()) {
      return false;
    }
    loadKey(it);
    return true;
  }

  private void loadKey(RocksIterator it) {
    int n = it.key(keyBuffer.clear());
    if (n > keyBuffer.capacity()) {
      keyBuffer = ByteBuffer.allocateDirect(Math.max(n, keyBuffer.capacity() * 2));
      n = it.key(keyBuffer);
    }
    if (key.length < n) {
      key = new byte[Math.max(n, key.length * 2)];
    }
    keyBuffer.get(0, key, 0, n);
    keyLength = n;
  }

  /**
   * The cell at the iterator if its key (the first at or after the target) is a version of the
   * target's cell no older than {@code minTs}; else null.
   */
  private OnlineCell cellAt(RocksIterator it, long minTs) {
    int prefix = targetLength - 8;
    if (keyLength != targetLength || !Arrays.equals(key, 0, prefix, target, 0, prefix)) {
      return null;
    }
    long ts = Long.MAX_VALUE - ByteBuffer.wrap(key, prefix, 8).getLong();
    if (ts < minTs) {
      return null;
    }
    int n = it.value(valueBuffer.clear());
    if (n > valueBuffer.capacity()) {
      valueBuffer = ByteBuffer.allocateDirect(Math.max(n, valueBuffer.capacity() * 2));
      n = it.value(valueBuffer);
    }
    byte[] cell = new byte[n - 8]; // the value repeats the ts in its first 8 bytes
    valueBuffer.get(8, cell);
    return new OnlineCell(ts, cell);
  }
}
