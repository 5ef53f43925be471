package dev.quiver.online.embedded;

import dev.quiver.online.OnlineCell;
import dev.quiver.online.OnlineRead;
import dev.quiver.online.OnlineReadResult;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStoreException;
import dev.quiver.online.OnlineWrite;
import dev.quiver.online.UnknownTableException;
import dev.quiver.online.ViewTableId;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The embedded online store: RocksDB in process (the frocksdbjni build that Flink's state backend
 * ships), one column family per view major version, the key layout of {@link EmbeddedKeys}. The
 * default store: nothing to install, and one writer (a Flink job) and the lookup server can share
 * it in one JVM through {@link SharedRocksDb}.
 *
 * <p>Reads: one iterator per table per batch, the same snapshot for the whole batch. A read of many
 * qualifiers of one entity walks the entity's keys in order (one seek, then {@code next()},
 * re-seeking over long gaps) instead of seeking once per qualifier. Cells older than the table's
 * TTL are filtered at read time and dropped at compaction. Async calls run on a small store-owned
 * executor.
 */
public final class EmbeddedOnlineStore implements OnlineStore {
  private static final AtomicInteger THREAD_IDS = new AtomicInteger();

  /**
   * How many keys a multi-qualifier read steps over with {@code next()} before it re-seeks. Each
   * step is a JNI call plus a key copy; a seek searches the memtable and every level again.
   * Measured with RawStoreBench (thread CPU of a 7d + 1d window read): 3-8 steps are best (~39-45
   * us), 0 (a seek per cell, in key order) ~60 us, 32 ~62 us.
   */
  static final int MAX_STEPS = 4;

  static {
    RocksDB.loadLibrary();
  }

  private final SharedRocksDb rocks;
  private final ExecutorService executor;
  private final Clock clock;
  private final WriteOptions writeOptions = new WriteOptions();
  // Read-only after construction, so one instance serves every concurrent read.
  private final ReadOptions readOptions = new ReadOptions().setPrefixSameAsStart(true);
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Opens (or shares) the store at {@code path}. */
  public EmbeddedOnlineStore(Path path, int threads, int blockCacheMb, Clock clock) {
    this.rocks = SharedRocksDb.acquire(path, blockCacheMb);
    this.clock = clock;
    this.executor =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "quiver-online-embedded-" + THREAD_IDS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public String kind() {
    return EmbeddedOnlineStoreFactory.IDENTIFIER;
  }

  @Override
  public void ensureTable(ViewTableId table, Duration ttl) {
    checkOpen();
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
    }
    rocks.ensureFamily(table, ttl);
  }

  @Override
  public CompletableFuture<Void> multiPut(List<OnlineWrite> writes) {
    checkOpen();
    return async(
        () -> {
          try (WriteBatch batch = new WriteBatch()) {
            // Writers send an entity's cells together: the family and the entity's row prefix
            // (its hash) are looked up once per run of equal tables and entities.
            ViewTableId table = null;
            SharedRocksDb.Family f = null;
            byte[] entity = null;
            byte[] row = null;
            for (OnlineWrite w : writes) {
              if (w.table() != table && !w.table().equals(table)) { // one instance per sink
                table = w.table();
                f = rocks.family(table);
                if (f == null) {
                  throw new UnknownTableException(table);
                }
              }
              if (w.entityKey() != entity) {
                entity = w.entityKey();
                row = EmbeddedKeys.rowPrefix(entity);
              }
              batch.put(
                  f.handle(),
                  EmbeddedKeys.key(row, w.qualifier(), w.ts()),
                  EmbeddedKeys.value(w.ts(), w.value()));
            }
            rocks.db().write(writeOptions, batch);
          } catch (RocksDBException e) {
            throw new OnlineStoreException("embedded multiPut failed: " + e.getMessage(), e);
          }
          return null;
        });
  }

  @Override
  public CompletableFuture<List<OnlineReadResult>> multiGet(List<OnlineRead> reads) {
    checkOpen();
    return async(() -> readAll(reads));
  }

  @Override
  public boolean readsInline() {
    return true;
  }

  @Override
  public List<OnlineReadResult> multiGetInline(List<OnlineRead> reads) {
    checkOpen();
    return readAll(reads);
  }

  private List<OnlineReadResult> readAll(List<OnlineRead> reads) {
    long now = clock.millis();
    Map<ViewTableId, RocksIterator> iterators = new HashMap<>();
    ReadOptions options = readOptions;
    try {
      List<OnlineReadResult> out = new ArrayList<>(reads.size());
      for (OnlineRead r : reads) {
        try {
          SharedRocksDb.Family f = rocks.family(r.table());
          if (f == null) {
            out.add(OnlineReadResult.failed(new UnknownTableException(r.table())));
            continue;
          }
          RocksIterator it =
              iterators.computeIfAbsent(
                  r.table(), t -> rocks.db().newIterator(f.handle(), options));
          long minTs = Math.max(r.minTs(), expiryBound(now, f.ttlMillis()));
          out.add(OnlineReadResult.found(read(it, r, minTs)));
        } catch (RuntimeException e) {
          out.add(OnlineReadResult.failed(e));
        }
      }
      return out;
    } finally {
      iterators.values().forEach(RocksIterator::close);
    }
  }

  private static long expiryBound(long now, long ttlMillis) {
    return ttlMillis >= now ? 0 : now - ttlMillis;
  }

  private static Map<String, OnlineCell> read(RocksIterator it, OnlineRead r, long minTs) {
    byte[] row = EmbeddedKeys.rowPrefix(r.entityKey());
    List<String> qualifiers = r.qualifiers();
    if (qualifiers.size() == 1) {
      Map<String, OnlineCell> cells = new LinkedHashMap<>(2);
      String q = qualifiers.get(0);
      byte[] target = EmbeddedKeys.key(row, q, r.asOf());
      it.seek(target);
      OnlineCell c = it.isValid() ? cellAt(it, it.key(), target, minTs) : null;
      if (c != null) {
        cells.put(q, c);
      }
      return cells;
    }
    if (!qualifiers.isEmpty()) {
      return walk(it, row, r, minTs);
    }
    Map<String, OnlineCell> cells = new LinkedHashMap<>();
    // Whole row: versions of each qualifier are contiguous and newest first.
    String seen = null;
    for (it.seek(row); it.isValid(); it.next()) {
      byte[] key = it.key();
      if (!EmbeddedKeys.startsWith(key, row)) {
        break;
      }
      String q = EmbeddedKeys.qualifierOf(key, row.length);
      long ts = EmbeddedKeys.tsOfKey(key);
      if (q.equals(seen) || ts > r.asOf()) {
        continue;
      }
      seen = q;
      if (ts >= minTs) {
        cells.put(q, new OnlineCell(ts, EmbeddedKeys.cellOfValue(it.value())));
      }
    }
    return cells;
  }

  /**
   * Reads many qualifiers of one entity in key order with one iterator: seeks to the smallest
   * target, then steps forward with {@code next()}, re-seeking only when a target is more than
   * {@link #MAX_STEPS} keys ahead. Each target {@code (row, q, MAX - asOf)} gets the first key at
   * or after it, exactly what a seek to it returns, because targets are visited in ascending order
   * and the iterator never passes a target it has not answered. The iterator is bounded to the
   * entity's hash prefix ({@code prefix_same_as_start}): when it runs out, no later target has a
   * cell. Results come back in the order of the read's qualifiers.
   */
  private static Map<String, OnlineCell> walk(
      RocksIterator it, byte[] row, OnlineRead r, long minTs) {
    List<String> qualifiers = r.qualifiers();
    int n = qualifiers.size();
    Target[] targets = new Target[n];
    for (int i = 0; i < n; i++) {
      targets[i] = new Target(i, EmbeddedKeys.key(row, qualifiers.get(i), r.asOf()));
    }
    Arrays.sort(targets);
    OnlineCell[] found = new OnlineCell[n];
    byte[] key = null; // the iterator's current key; null before the first seek
    for (Target t : targets) {
      if (key == null || Arrays.compareUnsigned(key, t.key) < 0) {
        key = advance(it, key != null, t.key);
        if (key == null) {
          break; // past the entity's last key: no later target has a cell
        }
      }
      found[t.index] = cellAt(it, key, t.key, minTs);
    }
    Map<String, OnlineCell> cells = new LinkedHashMap<>(n * 2);
    for (int i = 0; i < n; i++) {
      if (found[i] != null) {
        cells.put(qualifiers.get(i), found[i]);
      }
    }
    return cells;
  }

  /**
   * Moves the iterator to the first key {@code >= target}: up to {@link #MAX_STEPS} next()s from
   * the current position (a position before the target), else one seek. Returns that key, or null
   * when there is none in the iterator's prefix.
   */
  private static byte[] advance(RocksIterator it, boolean positioned, byte[] target) {
    if (positioned) {
      for (int step = 0; step < MAX_STEPS; step++) {
        it.next();
        if (!it.isValid()) {
          return null;
        }
        byte[] key = it.key();
        if (Arrays.compareUnsigned(key, target) >= 0) {
          return key;
        }
      }
    }
    it.seek(target);
    return it.isValid() ? it.key() : null;
  }

  /**
   * The cell at the iterator if {@code key} (its current key, the first at or after {@code target})
   * is a version of the target's cell no older than {@code minTs}; else null.
   */
  private static OnlineCell cellAt(RocksIterator it, byte[] key, byte[] target, long minTs) {
    int prefix = target.length - 8;
    if (key.length != target.length || !Arrays.equals(key, 0, prefix, target, 0, prefix)) {
      return null;
    }
    long ts = EmbeddedKeys.tsOfKey(key);
    return ts >= minTs ? new OnlineCell(ts, EmbeddedKeys.cellOfValue(it.value())) : null;
  }

  /** A read's key to seek for its {@code index}-th qualifier, ordered as RocksDB orders keys. */
  private record Target(int index, byte[] key) implements Comparable<Target> {
    @Override
    public int compareTo(Target o) {
      return Arrays.compareUnsigned(key, o.key);
    }
  }

  /**
   * Compacts a table now, dropping cells older than its TTL (normally left to RocksDB's background
   * compactions). For operations and tests.
   */
  public void compact(ViewTableId table) {
    checkOpen();
    SharedRocksDb.Family f = rocks.family(table);
    if (f == null) {
      throw new UnknownTableException(table);
    }
    try {
      ColumnFamilyHandle h = f.handle();
      rocks.db().compactRange(h);
    } catch (RocksDBException e) {
      throw new OnlineStoreException("compaction of " + table + " failed: " + e.getMessage(), e);
    }
  }

  /** Number of stored cell versions of a table, expired or not (a full scan; for tests). */
  public long countVersions(ViewTableId table) {
    SharedRocksDb.Family f = rocks.family(table);
    if (f == null) {
      throw new UnknownTableException(table);
    }
    long n = 0;
    try (ReadOptions all = new ReadOptions().setTotalOrderSeek(true);
        RocksIterator it = rocks.db().newIterator(f.handle(), all)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        n++;
      }
    }
    return n;
  }

  private <T> CompletableFuture<T> async(java.util.function.Supplier<T> work) {
    try {
      return CompletableFuture.supplyAsync(work, executor);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new IllegalStateException("online store is closed"));
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("online store is closed");
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      executor.shutdown();
      try {
        if (!executor.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)) {
          executor.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      writeOptions.close();
      readOptions.close();
      rocks.release();
    }
  }
}
