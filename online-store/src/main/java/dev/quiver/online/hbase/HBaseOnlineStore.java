package dev.quiver.online.hbase;

import dev.quiver.online.OnlineCell;
import dev.quiver.online.OnlineRead;
import dev.quiver.online.OnlineReadResult;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStoreException;
import dev.quiver.online.OnlineWrite;
import dev.quiver.online.RowKeys;
import dev.quiver.online.UnknownTableException;
import dev.quiver.online.ViewTableId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.CellUtil;
import org.apache.hadoop.hbase.ConcurrentTableModificationException;
import org.apache.hadoop.hbase.InvalidFamilyOperationException;
import org.apache.hadoop.hbase.TableExistsException;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.TableNotFoundException;
import org.apache.hadoop.hbase.client.AdvancedScanResultConsumer;
import org.apache.hadoop.hbase.client.AsyncAdmin;
import org.apache.hadoop.hbase.client.AsyncConnection;
import org.apache.hadoop.hbase.client.AsyncTable;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptor;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ScanResultConsumer;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.io.encoding.DataBlockEncoding;
import org.apache.hadoop.hbase.regionserver.BloomType;
import org.apache.hadoop.hbase.regionserver.NoSuchColumnFamilyException;

/**
 * The HBase online store, on the async client ({@link AsyncConnection}): one table ({@code
 * online.hbase.table}) with one column family per view major version (TTL = the view's TTL,
 * VERSIONS = {@code online.hbase.max-versions}), salted row keys pre-split on the salt byte, cell
 * timestamp = event time. A batch becomes one {@code get(List)} / {@code putAll}; HBase groups it
 * per region server.
 */
public final class HBaseOnlineStore implements OnlineStore {
  private static final AtomicInteger THREAD_IDS = new AtomicInteger();

  private final SharedHBaseConnection shared;
  private final AsyncConnection connection;
  private final TableName tableName;
  private final AsyncTable<ScanResultConsumer> table;
  // Reads: the raw table, whose futures complete on the client's Netty threads. The pooled table
  // above hands every single Get's future to the callback pool (100 executor tasks for a batch of
  // 100 keys); a read hands its whole batch over once instead (see multiGet).
  private final AsyncTable<AdvancedScanResultConsumer> readTable;
  private final ExecutorService callbacks;
  private final int maxVersions;
  private final int presplitRegions;
  private final DataBlockEncoding encoding;
  private final AtomicBoolean closed = new AtomicBoolean();

  HBaseOnlineStore(
      SharedHBaseConnection shared,
      TableName tableName,
      int maxVersions,
      int presplitRegions,
      DataBlockEncoding encoding,
      Duration operationTimeout,
      Duration rpcTimeout) {
    this.shared = shared;
    this.connection = shared.connection();
    this.tableName = tableName;
    this.maxVersions = maxVersions;
    this.presplitRegions = presplitRegions;
    this.encoding = encoding;
    this.callbacks =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "quiver-online-hbase-" + THREAD_IDS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.table =
        connection
            .getTableBuilder(tableName, callbacks)
            .setOperationTimeout(operationTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .setRpcTimeout(rpcTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .build();
    this.readTable =
        connection
            .getTableBuilder(tableName)
            .setOperationTimeout(operationTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .setRpcTimeout(rpcTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .build();
  }

  @Override
  public String kind() {
    return HBaseOnlineStoreFactory.IDENTIFIER;
  }

  @Override
  public void ensureTable(ViewTableId view, Duration ttl) {
    checkOpen();
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
    }
    ColumnFamilyDescriptor family =
        ColumnFamilyDescriptorBuilder.newBuilder(view.familyName().getBytes(StandardCharsets.UTF_8))
            .setTimeToLive((int) Math.min(Integer.MAX_VALUE, Math.max(1, ttl.toSeconds())))
            .setMaxVersions(maxVersions)
            .setBloomFilterType(BloomType.ROW)
            // ROW_INDEX_V1 (the default): a Get finds its row in a block by binary search; with
            // NONE, half the block is scanned cell by cell (51% of a region server's handler time
            // in session 8's profile of 100-key batches read from store files)
            .setDataBlockEncoding(encoding)
            .build();
    // this process's writers take turns; another process's concurrent change makes the master
    // refuse one of the two, which is then retried against the new descriptor
    shared.schemaLock().lock();
    try {
      for (int attempt = 1; ; attempt++) {
        try {
          applySchema(family);
          return;
        } catch (ExecutionException | TimeoutException e) {
          Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
          if (attempt >= SCHEMA_ATTEMPTS || !raced(cause)) {
            throw new OnlineStoreException(
                "cannot create column family "
                    + view.familyName()
                    + " in "
                    + tableName
                    + ": "
                    + cause,
                cause);
          }
          Thread.sleep(ThreadLocalRandom.current().nextLong(50, 200) * attempt);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OnlineStoreException("interrupted while creating " + view.familyName(), e);
    } finally {
      shared.schemaLock().unlock();
    }
  }

  /** Schema changes retried when they raced another writer's (another process's). */
  private static final int SCHEMA_ATTEMPTS = 8;

  /**
   * Creates the table with {@code family}, adds the family, or modifies its settings, as the table
   * needs; nothing when it has them (a modification reopens the table's regions). Another process's
   * writer may do the same at once: a table or family it created meanwhile counts as done when its
   * settings are the wanted ones.
   */
  private void applySchema(ColumnFamilyDescriptor family)
      throws ExecutionException, InterruptedException, TimeoutException {
    AsyncAdmin admin = connection.getAdmin();
    if (!await(admin.tableExists(tableName))) {
      TableDescriptor td =
          TableDescriptorBuilder.newBuilder(tableName).setColumnFamily(family).build();
      try {
        await(admin.createTable(td, splitKeys()));
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TableExistsException)) {
          throw e;
        }
      }
    }
    ColumnFamilyDescriptor existing =
        await(admin.getDescriptor(tableName)).getColumnFamily(family.getName());
    try {
      if (existing == null) {
        await(admin.addColumnFamily(tableName, family));
      } else if (!sameSettings(existing, family)) {
        await(
            admin.modifyColumnFamily(
                tableName,
                ColumnFamilyDescriptorBuilder.newBuilder(existing)
                    .setTimeToLive(family.getTimeToLive())
                    .setMaxVersions(family.getMaxVersions())
                    .setDataBlockEncoding(family.getDataBlockEncoding())
                    .build()));
      }
    } catch (ExecutionException e) {
      // another writer may have made the same change meanwhile
      ColumnFamilyDescriptor now =
          await(admin.getDescriptor(tableName)).getColumnFamily(family.getName());
      if (now == null || !sameSettings(now, family)) {
        throw e;
      }
    }
  }

  private static boolean sameSettings(ColumnFamilyDescriptor a, ColumnFamilyDescriptor b) {
    return a.getTimeToLive() == b.getTimeToLive()
        && a.getMaxVersions() == b.getMaxVersions()
        && a.getDataBlockEncoding() == b.getDataBlockEncoding();
  }

  /**
   * Whether a schema change failed because another writer changed the table at the same time: the
   * master refuses a modification whose table descriptor changed since it was asked, and a family
   * or table being added twice.
   */
  private static boolean raced(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage();
      if (t instanceof ConcurrentTableModificationException
          || t instanceof InvalidFamilyOperationException
          || t instanceof TableExistsException
          || message.contains("ConcurrentTableModificationException")
          || message.contains("InvalidFamilyOperationException")) {
        return true;
      }
    }
    return false;
  }

  private byte[][] splitKeys() {
    byte[][] splits = new byte[Math.max(0, presplitRegions - 1)][];
    for (int i = 1; i < presplitRegions; i++) {
      splits[i - 1] = new byte[] {(byte) (i * 256 / presplitRegions)};
    }
    return splits;
  }

  private static <T> T await(CompletableFuture<T> f)
      throws ExecutionException, InterruptedException, TimeoutException {
    return f.get(120, TimeUnit.SECONDS);
  }

  @Override
  public CompletableFuture<Void> multiPut(List<OnlineWrite> writes) {
    checkOpen();
    if (writes.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    // One Put per run of cells of the same entity and table (writers send an entity's cells
    // together), split where a qualifier repeats so that no Put holds two versions of a cell.
    List<Put> puts = new ArrayList<>();
    Put put = null;
    ViewTableId viewTable = null;
    byte[] cf = null;
    byte[] entity = null;
    Set<String> qualifiers = new HashSet<>();
    for (OnlineWrite w : writes) {
      if (!w.table().equals(viewTable)) {
        viewTable = w.table();
        cf = family(viewTable);
        put = null;
      }
      if (put == null || w.entityKey() != entity || !qualifiers.add(w.qualifier())) {
        entity = w.entityKey();
        put = new Put(RowKeys.rowKey(entity));
        puts.add(put);
        qualifiers.clear();
        qualifiers.add(w.qualifier());
      }
      put.addColumn(cf, RowKeys.qualifierBytes(w.qualifier()), w.ts(), w.value());
    }
    return table
        .putAll(puts)
        .exceptionallyCompose(
            e ->
                CompletableFuture.failedFuture(
                    translate(
                        writes.get(0).table(), "multiPut of " + writes.size() + " cells", e)));
  }

  @Override
  public CompletableFuture<List<OnlineReadResult>> multiGet(List<OnlineRead> reads) {
    checkOpen();
    if (reads.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    List<Get> gets = new ArrayList<>(reads.size());
    for (OnlineRead r : reads) {
      gets.add(toGet(r));
    }
    // One batch call: the client groups the Gets per region server into one multi RPC each. The
    // per-Get futures complete on the client's Netty threads; the batch is assembled once, and
    // handed to the callback pool once (never run callers' code on the client's I/O threads).
    // A single key (the common lookup) goes as a plain Get RPC instead of a multi of one.
    List<CompletableFuture<Result>> futures =
        gets.size() == 1 ? List.of(readTable.get(gets.get(0))) : readTable.get(gets);
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .handleAsync(
            (v, batchError) -> {
              List<OnlineReadResult> results = new ArrayList<>(reads.size());
              for (int i = 0; i < reads.size(); i++) {
                CompletableFuture<Result> f = futures.get(i);
                OnlineRead r = reads.get(i);
                if (f.isCompletedExceptionally()) {
                  results.add(OnlineReadResult.failed(translate(r.table(), "get", error(f))));
                } else {
                  results.add(OnlineReadResult.found(cells(f.join())));
                }
              }
              return results;
            },
            callbacks);
  }

  private static Throwable error(CompletableFuture<?> failed) {
    try {
      failed.join();
      throw new IllegalStateException("not failed");
    } catch (CompletionException | java.util.concurrent.CancellationException e) {
      return e;
    }
  }

  private static Get toGet(OnlineRead r) {
    byte[] cf = family(r.table());
    Get g = new Get(RowKeys.rowKey(r.entityKey()));
    if (r.qualifiers().isEmpty()) {
      g.addFamily(cf);
    } else {
      for (String q : r.qualifiers()) {
        g.addColumn(cf, RowKeys.qualifierBytes(q));
      }
    }
    try {
      g.setTimeRange(r.minTs(), r.asOf() == Long.MAX_VALUE ? Long.MAX_VALUE : r.asOf() + 1);
    } catch (IOException e) {
      throw new IllegalArgumentException("time range: " + e.getMessage(), e);
    }
    return g;
  }

  private static Map<String, OnlineCell> cells(Result result) {
    Map<String, OnlineCell> cells = new LinkedHashMap<>();
    if (result == null || result.isEmpty()) {
      return cells;
    }
    for (Cell c : result.rawCells()) {
      String q =
          new String(
              c.getQualifierArray(),
              c.getQualifierOffset(),
              c.getQualifierLength(),
              StandardCharsets.UTF_8);
      cells.putIfAbsent(q, new OnlineCell(c.getTimestamp(), CellUtil.cloneValue(c)));
    }
    return cells;
  }

  private static byte[] family(ViewTableId table) {
    return table.familyName().getBytes(StandardCharsets.UTF_8);
  }

  private Throwable translate(ViewTableId view, String op, Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    // No family (the view's major was never materialized) and no table at all (a fresh cluster
    // whose servers start before the first job creates it) are both an unknown table: lookups
    // answer NOT_FOUND and the health probe counts it as an answer, not as a store failure.
    for (Throwable t = cause; t != null; t = t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage();
      if (t instanceof NoSuchColumnFamilyException
          || t instanceof TableNotFoundException
          || message.contains("NoSuchColumnFamilyException")
          || message.contains("TableNotFoundException")) {
        return new UnknownTableException(view);
      }
    }
    return new OnlineStoreException(
        "HBase " + op + " on " + tableName + " failed: " + cause, cause);
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("online store is closed");
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      shared.release(); // the last store on the connection closes it
      callbacks.shutdown();
    }
  }
}
