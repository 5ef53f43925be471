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
import java.util.Comparator;
import java.util.HashMap;
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
 * <p>Reads: one iterator per table per batch, the same snapshot for the whole batch (inline reads
 * reuse one iterator per thread and table, refreshed at the start of each call: {@link
 * ThreadIterators}). A read of many qualifiers of one entity walks the entity's keys in order (one
 * seek, then {@code next()}, re-seeking over long gaps) instead of seeking once per qualifier
 * ({@link EmbeddedReads}). Cells older than the table's TTL are filtered at read time and dropped
 * at compaction. Async calls run on a small store-owned executor.
 */
public final class EmbeddedOnlineStore implements OnlineStore {
  private static final AtomicInteger THREAD_IDS = new AtomicInteger();

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
  // Inline reads (the lookup server's event loops) keep one refreshed iterator per thread and
  // table.
  private final ThreadIterators inlineIterators;

  /** Opens (or shares) the store at {@code path}. */
  public EmbeddedOnlineStore(Path path, int threads, int blockCacheMb, Clock clock) {
    this.rocks = SharedRocksDb.acquire(path, blockCacheMb);
    this.clock = clock;
    this.inlineIterators = new ThreadIterators(rocks.db(), readOptions);
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
            List<Put> puts = new ArrayList<>(writes.size());
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
              puts.add(
                  new Put(
                      f.handle(),
                      EmbeddedKeys.key(row, w.qualifier(), w.ts()),
                      EmbeddedKeys.value(w.ts(), w.value())));
            }
            // In key order: RocksDB's memtable (a skip list) starts each insert from where the
            // previous one landed, so keys in ascending order are found near it instead of from
            // the top of a list of ~10^5 entries in random (hashed entity) order. The sort is
            // stable: two writes of one cell keep their order, so the later one still wins.
            puts.sort(Put.KEY_ORDER);
            for (Put p : puts) {
              batch.put(p.family(), p.key(), p.value());
            }
            rocks.db().write(writeOptions, batch);
          } catch (RocksDBException e) {
            throw new OnlineStoreException("embedded multiPut failed: " + e.getMessage(), e);
          }
          return null;
        });
  }

  /** One cell of a write batch, in RocksDB's layout. */
  private record Put(ColumnFamilyHandle family, byte[] key, byte[] value) {
    /** RocksDB's default (bytewise, unsigned) key order. */
    static final Comparator<Put> KEY_ORDER = (a, b) -> Arrays.compareUnsigned(a.key, b.key);
  }

  @Override
  public CompletableFuture<List<OnlineReadResult>> multiGet(List<OnlineRead> reads) {
    checkOpen();
    return async(() -> readAll(reads, null));
  }

  @Override
  public boolean readsInline() {
    return true;
  }

  @Override
  public List<OnlineReadResult> multiGetInline(List<OnlineRead> reads) {
    checkOpen();
    return readAll(reads, inlineIterators.begin());
  }

  @Override
  public OnlineCell[][] multiGetInlineCells(List<OnlineRead> reads) {
    checkOpen();
    ThreadIterators.PerThread cached = inlineIterators.begin();
    long now = clock.millis();
    EmbeddedReads walker = EmbeddedReads.forThread();
    OnlineCell[][] out = new OnlineCell[reads.size()][];
    for (int i = 0; i < out.length; i++) {
      OnlineRead r = reads.get(i);
      SharedRocksDb.Family f = rocks.family(r.table());
      if (f == null) {
        throw new UnknownTableException(r.table());
      }
      long minTs = Math.max(r.minTs(), expiryBound(now, f.ttlMillis()));
      out[i] = walker.readCells(cached.iterator(r.table(), f.handle()), r, minTs);
    }
    return out;
  }

  /**
   * Reads on the calling thread. {@code cached}: this thread's long-lived iterators (refreshed once
   * per call), or null for iterators made and closed by this call.
   */
  private List<OnlineReadResult> readAll(List<OnlineRead> reads, ThreadIterators.PerThread cached) {
    long now = clock.millis();
    Map<ViewTableId, RocksIterator> iterators = cached == null ? new HashMap<>() : Map.of();
    ReadOptions options = readOptions;
    EmbeddedReads walker = EmbeddedReads.forThread();
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
              cached != null
                  ? cached.iterator(r.table(), f.handle())
                  : iterators.computeIfAbsent(
                      r.table(), t -> rocks.db().newIterator(f.handle(), options));
          long minTs = Math.max(r.minTs(), expiryBound(now, f.ttlMillis()));
          out.add(OnlineReadResult.found(walker.read(it, r, minTs)));
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
      inlineIterators.close();
      writeOptions.close();
      readOptions.close();
      rocks.release();
    }
  }
}
