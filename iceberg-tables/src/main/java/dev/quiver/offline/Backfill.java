package dev.quiver.offline;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.api.connector.source.util.ratelimit.GuavaRateLimiter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.FlinkSink;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;

/**
 * A backfill: the view's projection of its raw history (Iceberg table or Parquet files) over an
 * event-time range, run in Flink batch mode, appended to the view's offline table as one snapshot
 * whose summary carries the backfill id ({@link OfflineTables#BACKFILL_ID_PROPERTY}) and which is
 * tagged {@code backfill-<id>}. Its rows get {@code _ingested_at} = the backfill's start, so the
 * availability guard keeps them out of training rows labelled earlier. Optionally upserts the
 * online store afterwards, throttled to a fixed rate so serving latency holds.
 */
public final class Backfill {
  /** The backfill's tag prefix: {@code backfill-<id>}. */
  public static final String TAG_PREFIX = "backfill-";

  private final QuiverConfig config;
  private final Catalog catalog;
  private final int parallelism;

  public Backfill(QuiverConfig config, Catalog catalog) {
    this.config = config;
    this.catalog = catalog;
    this.parallelism = config.get(OfflineOptions.PARALLELISM);
  }

  /** What a backfill will do; the figures are exact counts over the range, time an estimate. */
  public record Plan(
      String backfillId,
      String table,
      String source,
      Instant from,
      Instant to,
      long rows,
      long bytes,
      long partitions,
      double estimatedSeconds,
      String sql) {}

  /** What a backfill did. {@code snapshotId} is null when the range held no events. */
  public record Result(
      Plan plan, Long snapshotId, String tag, long rows, double seconds, long onlineRows) {}

  /** Upserts backfilled rows into the online store (the online module supplies it). */
  @FunctionalInterface
  public interface OnlineUpsert {
    /**
     * Writes rows (offline-table columns, timestamps as epoch millis) for one view; idempotent (an
     * upsert keyed by entity and event time). Called from one thread.
     */
    void upsert(FeatureView view, List<Map<String, Object>> rows);
  }

  /** Plans a backfill and counts its rows, bytes and partitions (the dry run). */
  public Plan plan(
      FeatureView view, List<JoinKey> keys, String sourceOverride, Instant from, Instant to) {
    try (Session s = open(view, keys, sourceOverride, from, to, UUID.randomUUID().toString())) {
      String sql = s.sql;
      long rows = 0;
      long partitions = 0;
      try (CloseableIterator<Row> it =
          s.tEnv
              .executeSql(
                  "SELECT COUNT(*), COUNT(DISTINCT CAST(`event_time` AS DATE)) FROM (" + sql + ")")
              .collect()) {
        if (it.hasNext()) {
          Row r = it.next();
          rows = ((Number) r.getField(0)).longValue();
          partitions = ((Number) r.getField(1)).longValue();
        }
      }
      long bytes = 0;
      try (CloseableIterable<FileScanTask> tasks = s.raw.newScan().planFiles()) {
        for (FileScanTask t : tasks) {
          bytes += t.file().fileSizeInBytes();
        }
      }
      double rate = config.get(OfflineOptions.BACKFILL_ESTIMATED_RATE);
      return new Plan(
          s.id,
          s.tableName,
          s.sourceName,
          from,
          to,
          rows,
          bytes,
          partitions,
          5.0 + rows / Math.max(1.0, rate),
          sql);
    } catch (Exception e) {
      throw FlinkBatch.unwrap("backfill plan", e);
    }
  }

  /** Runs a backfill; with {@code online} non-null, upserts its rows to the online store too. */
  public Result run(
      FeatureView view,
      List<JoinKey> keys,
      String sourceOverride,
      Instant from,
      Instant to,
      OnlineUpsert online) {
    long start = System.nanoTime();
    String id = UUID.randomUUID().toString();
    try (Session s = open(view, keys, sourceOverride, from, to, id)) {
      DataStream<Row> rows = s.tEnv.toDataStream(s.tEnv.sqlQuery(s.sql));
      Table table = s.table;
      FlinkSink.forRow(rows, FlinkSchemaUtil.toSchema(table.schema()))
          .tableLoader(
              TableLoader.fromCatalog(
                  OfflineCatalogs.loader(OfflineCatalogs.properties(config)),
                  OfflineTables.identifier(view)))
          .setSnapshotProperty(OfflineTables.BACKFILL_ID_PROPERTY, id)
          .setSnapshotProperty("quiver.backfill-range", from + "/" + to)
          .setSnapshotProperty("quiver.backfill-source", s.sourceName)
          .append();
      s.env.execute("quiver backfill " + view.qualifiedName() + ":" + view.version());
      table.refresh();
      Snapshot snap = findSnapshot(table, id);
      Plan plan = new Plan(id, s.tableName, s.sourceName, from, to, 0, 0, 0, 0, s.sql);
      if (snap == null) {
        return new Result(plan, null, null, 0, seconds(start), 0);
      }
      String tag = TAG_PREFIX + id;
      table.manageSnapshots().createTag(tag, snap.snapshotId()).commit();
      long added = Long.parseLong(snap.summary().getOrDefault("added-records", "0"));
      long onlineRows = online == null ? 0 : upsertOnline(view, table, snap, online);
      return new Result(plan, snap.snapshotId(), tag, added, seconds(start), onlineRows);
    } catch (Exception e) {
      throw FlinkBatch.unwrap("backfill", e);
    }
  }

  private long upsertOnline(FeatureView view, Table table, Snapshot snap, OnlineUpsert online)
      throws IOException {
    long rate = config.get(OfflineOptions.BACKFILL_ONLINE_RATE);
    GuavaRateLimiter limiter = new GuavaRateLimiter(rate);
    int batchSize = (int) Math.max(1, Math.min(500, rate / 10));
    List<Map<String, Object>> batch = new ArrayList<>(batchSize);
    long n = 0;
    Long parent = snap.parentId();
    var scan = IcebergGenerics.read(table);
    try (CloseableIterable<Record> records =
        parent == null
            ? scan.useSnapshot(snap.snapshotId()).build()
            : scan.appendsBetween(parent, snap.snapshotId()).build()) {
      for (Record r : records) {
        limiter.acquire().toCompletableFuture().join();
        Map<String, Object> row = new LinkedHashMap<>();
        for (Types.NestedField f : table.schema().columns()) {
          row.put(f.name(), IcebergValues.fromIceberg(r.getField(f.name())));
        }
        batch.add(row);
        if (batch.size() == batchSize) {
          online.upsert(view, List.copyOf(batch));
          n += batch.size();
          batch.clear();
        }
      }
    }
    if (!batch.isEmpty()) {
      online.upsert(view, List.copyOf(batch));
      n += batch.size();
    }
    return n;
  }

  /** The snapshot a backfill wrote, found by its summary property. */
  public static Snapshot findSnapshot(Table table, String backfillId) {
    for (Snapshot s : table.snapshots()) {
      if (backfillId.equals(s.summary().get(OfflineTables.BACKFILL_ID_PROPERTY))) {
        return s;
      }
    }
    return null;
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private Session open(
      FeatureView view,
      List<JoinKey> keys,
      String sourceOverride,
      Instant from,
      Instant to,
      String id) {
    Session s = new Session();
    s.id = id;
    s.env = FlinkBatch.environment(parallelism);
    s.tEnv = StreamTableEnvironment.create(s.env, EnvironmentSettings.inBatchMode());
    s.tEnv.getConfig().setLocalTimeZone(java.time.ZoneOffset.UTC);
    TimeTravel.register(s.tEnv, config);
    s.table = OfflineTables.ensureTable(catalog, view, keys);
    s.tableName = OfflineTables.identifier(view).toString();
    String source = sourceOverride;
    if (source == null) {
      if (view.source() == null) {
        throw new IllegalArgumentException(
            "source: view " + view.qualifiedName() + " has no source (expected: --source PATH)");
      }
      source =
          switch (view.source().kind()) {
            case "iceberg" -> view.source().option("table");
            case "parquet" -> view.source().option("path");
            default ->
                throw new IllegalArgumentException(
                    "source: view "
                        + view.qualifiedName()
                        + " reads a "
                        + view.source().kind()
                        + " stream; pass its history as --source (Parquet files or an Iceberg"
                        + " table) for a batch backfill");
          };
    }
    s.sourceName = source;
    if (source.contains("/") || source.endsWith(".parquet")) {
      try {
        s.scratch = Files.createTempDirectory("quiver-backfill-");
        s.raw =
            LabelTables.registerParquet(
                LabelTables.files(source, ".parquet"),
                s.scratch.resolve("raw").resolve("events").toUri().toString());
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + source, e);
      }
      s.tEnv.executeSql(
          "CREATE CATALOG quiver_backfill_raw WITH ('type'='iceberg', 'catalog-type'='hadoop',"
              + " 'warehouse'='"
              + s.scratch.toUri()
              + "')");
      s.rawName = "`quiver_backfill_raw`.`raw`.`events`";
    } else {
      TableIdentifier rid = TableIdentifier.parse(source);
      s.raw = catalog.loadTable(rid);
      s.rawName =
          "`"
              + config.get(OfflineOptions.CATALOG_NAME)
              + "`.`"
              + rid.namespace()
              + "`.`"
              + rid.name()
              + "`";
    }
    Schema rawSchema = s.raw.schema();
    s.sql =
        BackfillSql.select(
            view, keys, s.table.schema(), rawSchema, s.rawName, from, to, Instant.now());
    return s;
  }

  /** Per-run Flink and scratch resources. */
  private static final class Session implements AutoCloseable {
    String id;
    StreamExecutionEnvironment env;
    StreamTableEnvironment tEnv;
    Table table;
    String tableName;
    Table raw;
    String rawName;
    String sourceName;
    String sql;
    Path scratch;

    @Override
    public void close() {
      if (scratch != null) {
        FlinkBatch.deleteQuietly(scratch);
      }
    }
  }
}
