package dev.quiver.online.embedded;

import dev.quiver.online.OnlineStoreException;
import dev.quiver.online.ViewTableId;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * One long-lived RocksDB iterator per (thread, table) for the store's inline reads, refreshed to
 * the latest state at the start of each read call instead of created and closed per call.
 *
 * <p>Why: frocksdbjni 6.20's {@code RocksIterator} has a {@code finalize()} method, so every
 * iterator created is registered with the JVM's finalizer. At 10,000 single-key lookups a second
 * that was ~40,000 {@code FinalReference}s per young collection, whose processing (and keeping the
 * iterators alive for one more cycle) made up half of each G1 young pause of the lookup server
 * (docs/serving.md, "Session 6, end of session").
 *
 * <p>Semantics are those of a new iterator: {@link RocksIterator#refresh()} re-pins the iterator to
 * the database's current state, and every read seeks before it steps. An idle thread's iterator
 * pins the state of its last refresh (one memtable/SST version per thread) until its next read or
 * {@link #close()}. Iterators are confined to the thread that made them; {@link #close()} (store
 * shutdown, when no reads run any more) closes them all.
 */
final class ThreadIterators implements AutoCloseable {
  private final RocksDB db;
  private final ReadOptions options;
  private final Set<RocksIterator> all = ConcurrentHashMap.newKeySet();
  private final ThreadLocal<PerThread> perThread = ThreadLocal.withInitial(PerThread::new);

  ThreadIterators(RocksDB db, ReadOptions options) {
    this.db = db;
    this.options = options;
  }

  /** Starts a read call on this thread: each table's iterator is refreshed once per call. */
  PerThread begin() {
    PerThread t = perThread.get();
    t.call++;
    return t;
  }

  @Override
  public void close() {
    for (RocksIterator it : all) {
      it.close();
    }
    all.clear();
  }

  /** This thread's iterators. Not thread-safe: used by its own thread only. */
  final class PerThread {
    private final Map<ViewTableId, Slot> slots = new HashMap<>();
    private long call;

    /** The iterator of {@code table}, refreshed to the latest state once per read call. */
    RocksIterator iterator(ViewTableId table, ColumnFamilyHandle handle) {
      Slot s = slots.get(table);
      if (s == null || s.handle != handle) {
        if (s != null) {
          all.remove(s.iterator);
          s.iterator.close();
        }
        RocksIterator it = db.newIterator(handle, options);
        all.add(it);
        s = new Slot(handle, it);
        s.refreshedIn = call;
        slots.put(table, s);
        return it;
      }
      if (s.refreshedIn != call) {
        try {
          s.iterator.refresh();
        } catch (RocksDBException e) {
          throw new OnlineStoreException(
              "refreshing the read iterator of " + table + " failed: " + e.getMessage(), e);
        }
        s.refreshedIn = call;
      }
      return s.iterator;
    }
  }

  private static final class Slot {
    final ColumnFamilyHandle handle;
    final RocksIterator iterator;
    long refreshedIn;

    Slot(ColumnFamilyHandle handle, RocksIterator iterator) {
      this.handle = handle;
      this.iterator = iterator;
    }
  }
}
