package dev.quiver.online;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The online key-value store of feature values: one table per view major version, rows keyed by
 * salted entity keys, timestamped cells (see {@code docs/online-store.md}). Implementations: {@code
 * embedded} (RocksDB) and {@code hbase}, created by an {@link OnlineStoreFactory}.
 *
 * <p>All methods are thread-safe. The async methods never block the calling thread on I/O; their
 * futures complete on a store-owned thread, so callers should not block inside callbacks.
 */
public interface OnlineStore extends AutoCloseable {

  /**
   * Creates the table (column family) of a view major version if missing, or updates its TTL.
   * Idempotent, also when several writers (threads, processes) call it at once with the same
   * settings: each returns once the table has them (a change that collided with another writer's is
   * retried); with different TTLs, the last applied wins. Blocking (an admin operation, not for the
   * hot path).
   *
   * @param ttl the store expires cells whose timestamp is older than {@code now - ttl}; positive
   * @throws OnlineStoreException when the store cannot create it
   */
  void ensureTable(ViewTableId table, Duration ttl);

  /**
   * Writes cells. Idempotent: writing the same (table, entity, qualifier, ts, value) again leaves
   * the store unchanged, and writes to the same (table, entity, qualifier, ts) keep the last value,
   * so a replay after a failure converges. Not atomic across cells: on failure some cells may be
   * written; retrying the whole batch is safe.
   *
   * @param writes not null; may be empty; tables must have been created by {@link #ensureTable}
   * @return completes when every cell is durable to the store's contract (embedded: in the RocksDB
   *     WAL; HBase: acknowledged by the region servers), or exceptionally with an {@link
   *     OnlineStoreException}
   */
  CompletableFuture<Void> multiPut(List<OnlineWrite> writes);

  /**
   * Reads one batch. The result list has one element per read, in order. A failure of one read (an
   * unknown table, a region that is down) is reported in that element only; the future itself fails
   * only when the whole batch could not be attempted (for example a closed store).
   *
   * @param reads not null; may be empty
   */
  CompletableFuture<List<OnlineReadResult>> multiGet(List<OnlineRead> reads);

  /**
   * Whether this store reads in process, without network I/O (the embedded store), so that a small
   * batch can be read on the calling thread with {@link #multiGetInline} instead of paying two
   * thread hand-offs for a read of a few microseconds.
   */
  default boolean readsInline() {
    return false;
  }

  /**
   * Reads one batch on the calling thread; same results as {@link #multiGet}. Only for stores whose
   * {@link #readsInline()} is true: the call holds the thread for the read's whole duration, so
   * callers on an event loop bound the batch size. Never throws for a failed read (it is reported
   * in that element); throws {@link IllegalStateException} on a closed store.
   *
   * @throws UnsupportedOperationException when the store reads over the network
   */
  default List<OnlineReadResult> multiGetInline(List<OnlineRead> reads) {
    throw new UnsupportedOperationException(
        "the " + kind() + " online store reads over the network; use multiGet");
  }

  /**
   * Like {@link #multiGetInline}, each read's cells as an array aligned with its qualifiers (null
   * where a qualifier has no cell in range), without a map or a result object per read: the
   * allocation-lean path of the lookup server's single-key reads (docs/serving.md, "Session 7").
   * Every read must name its qualifiers (a whole-row read has no alignment). Same cells as {@link
   * #multiGetInline}; the default implementation derives them from it.
   *
   * @return one array per read, in order; never null
   * @throws OnlineStoreException when any read failed (the caller treats the batch as failed)
   * @throws IllegalArgumentException for a read without qualifiers
   * @throws UnsupportedOperationException when the store reads over the network
   */
  default OnlineCell[][] multiGetInlineCells(List<OnlineRead> reads) {
    for (OnlineRead r : reads) {
      if (r.qualifiers().isEmpty()) {
        throw new IllegalArgumentException(
            "reads: a read of " + r.table() + " names no qualifiers (expected: at least one)");
      }
    }
    List<OnlineReadResult> results = multiGetInline(reads);
    OnlineCell[][] out = new OnlineCell[reads.size()][];
    for (int i = 0; i < out.length; i++) {
      OnlineReadResult r = results.get(i);
      if (!r.ok()) {
        throw new OnlineStoreException(
            "inline read of " + reads.get(i).table() + " failed: " + r.error().getMessage(),
            r.error());
      }
      List<String> qualifiers = reads.get(i).qualifiers();
      OnlineCell[] cells = new OnlineCell[qualifiers.size()];
      for (int q = 0; q < cells.length; q++) {
        cells[q] = r.cells().get(qualifiers.get(q));
      }
      out[i] = cells;
    }
    return out;
  }

  /** The factory identifier of this store ({@code embedded}, {@code hbase}). */
  String kind();

  /**
   * Releases the store's resources. In-flight futures complete or fail; later calls fail with
   * {@link IllegalStateException}. Idempotent.
   */
  @Override
  void close();
}
