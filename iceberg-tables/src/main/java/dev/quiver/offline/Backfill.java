package dev.quiver.offline;

import static org.apache.flink.table.utils.EncodingUtils.escapeIdentifier;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.offline.OfflineTimes;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.FlinkSink;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;

/**
 * A backfill: the streaming job's SQL (found through the {@link BackfillPlanner} SPI; {@code
 * quiver-jobs} provides the planner of {@code quiver plan}) run in Flink batch mode over a bounded
 * history of raw events — an Iceberg table, Parquet files or a Kafka offset range — for the event
 * times {@code [from, to)}, appended to the view's offline table as one snapshot whose summary
 * carries the backfill id ({@link OfflineTables#BACKFILL_ID_PROPERTY}) and which is tagged {@code
 * backfill-<id>}. Its rows get {@code _ingested_at} = the backfill's start, so the availability
 * guard keeps them out of training rows labelled earlier. With {@code online}, the streaming job's
 * online inserts (rows and tiles) run in the same batch job, throttled to {@link
 * OfflineOptions#BACKFILL_ONLINE_RATE} upserts per second so that serving latency holds.
 *
 * <p>A backfill has no lateness: every event of the range counts, however late it arrived (the
 * streaming job's watermark and lateness cut exist to bound its state, and a backfill's input is
 * complete). Duplicates are dropped by the source's dedup key, first by arrival (offset).
 */
public final class Backfill {
  /** The backfill's tag prefix: {@code backfill-<id>}. */
  public static final String TAG_PREFIX = "backfill-";

  private final QuiverConfig config;
  private final Catalog catalog;
  private final int parallelism;
  private final BackfillPlanner planner;

  public Backfill(QuiverConfig config, Catalog catalog) {
    this.config = config;
    this.catalog = catalog;
    this.parallelism = config.get(OfflineOptions.PARALLELISM);
    this.planner = planner(config.get(OfflineOptions.BACKFILL_PLANNER));
  }

  /** The planner named {@code id} among those on the class path. */
  static BackfillPlanner planner(String id) {
    TreeMap<String, BackfillPlanner> found = new TreeMap<>();
    for (BackfillPlanner p : ServiceLoader.load(BackfillPlanner.class)) {
      found.put(p.identifier(), p);
    }
    BackfillPlanner p = found.get(id);
    if (p == null) {
      throw new IllegalArgumentException(
          OfflineOptions.BACKFILL_PLANNER.key()
              + ": '"
              + id
              + "' is not available (available: "
              + (found.isEmpty() ? "none; put quiver-jobs on the class path" : found.keySet())
              + ")");
    }
    return p;
  }

  /**
   * What a backfill will do; rows (to append) and partitions are exact counts over the range,
   * {@code skipped} the history records it will skip as malformed (see {@link Result#skipped()}).
   * {@code recordsToRead}, {@code bytes} and {@code files} size the history its job reads: the
   * records, bytes and data files of the raw table's files that its scan keeps for the range
   * ({@link EventTimeFilter}: files whose event-time bounds miss the range are skipped), or a Kafka
   * range's offsets (bytes and files -1); -1 when unknown. {@code tableRecordsToRead} is the
   * offline table's rows in the range, which the backfill reads to append only what the table
   * lacks. Time is an estimate from these counts ({@link #estimatedSeconds}). {@code [readFrom,
   * readTo)} is the history the job reads: the range, or with {@code online} the enclosing tiles of
   * the coarsest resolution ({@link BackfillPlanner#readRange}), whose events outside the range
   * only the online tiles use.
   */
  public record Plan(
      String backfillId,
      String table,
      String source,
      Instant from,
      Instant to,
      Instant readFrom,
      Instant readTo,
      long recordsToRead,
      long rows,
      long skipped,
      long bytes,
      long files,
      long partitions,
      long tableRecordsToRead,
      double estimatedSeconds,
      String sql) {}

  /**
   * What a backfill did. {@code rows} are the rows it appended, the events of the range the table
   * did not hold yet; {@code snapshotId} is null when there were none (no events in the range, or
   * all already written by the stream or an earlier backfill). {@code onlineRows} is the number of
   * the range's events upserted online (0 without online), whether or not the table held them.
   * {@code skipped} counts the history records skipped as malformed: from files or a table, the
   * rows with their event time in range (or none) and a null key, event time or dedup key, or
   * string key values over {@code EntityKeyCodec.MAX_KEY_CHARS} characters; from a Kafka range, the
   * records the streaming job's parser refuses (the job dead-lettered them) and Debezium deletes.
   */
  public record Result(
      Plan plan,
      Long snapshotId,
      String tag,
      long rows,
      long skipped,
      double seconds,
      long onlineRows) {}

  /** Plans a backfill and counts its rows, bytes and partitions (the dry run), offline only. */
  public Plan plan(
      FeatureView view, List<JoinKey> keys, String sourceOverride, Instant from, Instant to) {
    return plan(view, keys, sourceOverride, from, to, false);
  }

  /**
   * Plans a backfill and counts its rows, bytes and partitions (the dry run); with {@code online},
   * of the backfill that also writes the online store (its SQL, and the history it reads).
   */
  public Plan plan(
      FeatureView view,
      List<JoinKey> keys,
      String sourceOverride,
      Instant from,
      Instant to,
      boolean online) {
    try (Session s =
        open(view, keys, sourceOverride, from, to, UUID.randomUUID().toString(), online)) {
      long rows = 0;
      long partitions = 0;
      long skipped = 0;
      String count =
          "SELECT COUNT(*) AS `rows`, COUNT(DISTINCT CAST(`"
              + OfflineTables.EVENT_TIME
              + "` AS DATE)) AS `days` FROM ("
              + s.newRows
              + ")";
      String skippedSelect = s.query.skippedSelect();
      if (skippedSelect != null) {
        count =
            "SELECT n.`rows`, n.`days`, k.`skipped` FROM ("
                + count
                + ") n CROSS JOIN (SELECT COUNT(*) AS `skipped` FROM ("
                + skippedSelect
                + ")) k";
      }
      org.apache.flink.table.api.TableResult result = s.tEnv.executeSql(count);
      try (CloseableIterator<Row> it = result.collect()) {
        if (it.hasNext()) {
          Row r = it.next();
          rows = ((Number) r.getField(0)).longValue();
          partitions = ((Number) r.getField(1)).longValue();
          if (skippedSelect != null) {
            skipped = ((Number) r.getField(2)).longValue();
          }
        }
      }
      if (skippedSelect == null && result.getJobClient().isPresent()) {
        skipped = skipped(result.getJobClient().get().getJobExecutionResult().get());
      }
      ScanSize history = s.raw == null ? null : ScanSize.of(s.raw, s.rawFilter);
      // the history records its first job reads: the planner's count (a Kafka range's offsets),
      // else the records of the raw table's files its range's scan keeps; -1 when unknown
      long read =
          s.query.inputRecords() >= 0
              ? s.query.inputRecords()
              : history == null ? -1 : history.records();
      long tableRows = ScanSize.of(s.table, offlineRange(from, to)).records();
      return new Plan(
          s.id,
          s.tableName,
          s.source.describe(),
          from,
          to,
          s.read.from(),
          s.read.to(),
          read,
          rows,
          skipped,
          history == null ? -1 : history.bytes(),
          history == null ? -1 : history.files(),
          partitions,
          tableRows,
          estimatedSeconds(config, read + tableRows, rows),
          s.sqlText);
    } catch (Exception e) {
      throw FlinkBatch.unwrap("backfill plan", e);
    }
  }

  /** Runs a backfill; with {@code online}, upserts its rows and tiles to the online store too. */
  public Result run(
      FeatureView view,
      List<JoinKey> keys,
      String sourceOverride,
      Instant from,
      Instant to,
      boolean online) {
    return run(view, keys, sourceOverride, from, to, online, (read, total) -> {});
  }

  /**
   * Like {@link #run(FeatureView, List, String, Instant, Instant, boolean)}, reporting while its
   * first job runs the history records read so far ({@link BackfillPlanner#READ_ACCUMULATOR}) and
   * their total: a Kafka range's offsets, or the raw table's record count (-1 when unknown). See
   * {@link #fraction}.
   */
  public Result run(
      FeatureView view,
      List<JoinKey> keys,
      String sourceOverride,
      Instant from,
      Instant to,
      boolean online,
      PointInTimeJoin.Progress progress) {
    long start = System.nanoTime();
    String id = UUID.randomUUID().toString();
    try (Session s = open(view, keys, sourceOverride, from, to, id, online)) {
      long onlineRows = 0;
      if (online) {
        try (CloseableIterator<Row> it =
            s.tEnv.executeSql("SELECT COUNT(*) FROM (" + s.query.offlineSelect() + ")").collect()) {
          onlineRows = it.hasNext() ? ((Number) it.next().getField(0)).longValue() : 0;
        }
      }
      if (!s.query.onlineInserts().isEmpty()) {
        StreamStatementSet set = s.tEnv.createStatementSet();
        s.query.onlineInserts().forEach(set::addInsertSql);
        set.attachAsDataStream();
      }
      DataStream<Row> rows = s.tEnv.toDataStream(s.tEnv.sqlQuery(s.newRows));
      Table table = s.table;
      FlinkSink.forRow(rows, FlinkSchemaUtil.toSchema(table.schema()))
          .tableLoader(
              TableLoader.fromCatalog(
                  OfflineCatalogs.loader(OfflineCatalogs.properties(config)),
                  OfflineTables.identifier(view)))
          .setSnapshotProperty(OfflineTables.BACKFILL_ID_PROPERTY, id)
          .setSnapshotProperty("quiver.backfill-range", from + "/" + to)
          .setSnapshotProperty("quiver.backfill-source", s.source.describe())
          .append();
      if (s.query.skippedSelect() != null) {
        s.tEnv
            .toDataStream(s.tEnv.sqlQuery(s.query.skippedSelect()))
            .flatMap(new CountSkipped())
            .name("count skipped rows")
            .sinkTo(new DiscardingSink<>());
      }
      String name = "quiver backfill " + view.qualifiedName() + ":" + view.version();
      // A cancel or failure after the Iceberg commit — in the online step, or in the first job
      // between its commit and its end — still tags and reports the committed snapshot
      // (Committed), so that it gets its audit record; before the commit it is rethrown below.
      long skipped = 0;
      Exception failure = null;
      try {
        long total = progressTotal(s);
        JobExecutionResult first =
            FlinkBatch.execute(
                s.env,
                name,
                BackfillPlanner.READ_ACCUMULATOR,
                read -> progress.update(read, total));
        skipped = skipped(first);
        // the history is read: its count is known now, whatever the estimate said
        long read = accumulated(first, BackfillPlanner.READ_ACCUMULATOR);
        progress.update(read, read);
        if (!s.query.secondInserts().isEmpty()) {
          s.query.secondSetup().forEach(s.tEnv::executeSql);
          StreamStatementSet set = s.tEnv.createStatementSet();
          s.query.secondInserts().forEach(set::addInsertSql);
          set.attachAsDataStream();
          FlinkBatch.execute(s.env, name + " (online rows)");
        }
      } catch (Exception e) {
        failure = e;
        // a cancel's interrupt (its Flink job was cancelled): consumed, so that the catalog
        // calls below run; the exception thrown after them ends the job as cancelled
        Thread.interrupted();
      }
      table.refresh();
      Snapshot snap = findSnapshot(table, id);
      Plan plan =
          new Plan(
              id,
              s.tableName,
              s.source.describe(),
              from,
              to,
              s.read.from(),
              s.read.to(),
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              s.sqlText);
      if (snap == null) {
        if (failure != null) {
          throw failure;
        }
        return new Result(plan, null, null, 0, skipped, seconds(start), onlineRows);
      }
      String tag = TAG_PREFIX + id;
      table.manageSnapshots().createTag(tag, snap.snapshotId()).commit();
      long added = Long.parseLong(snap.summary().getOrDefault("added-records", "0"));
      Result result =
          new Result(plan, snap.snapshotId(), tag, added, skipped, seconds(start), onlineRows);
      if (failure != null) {
        throw new Committed(result, FlinkBatch.unwrap("backfill", failure));
      }
      return result;
    } catch (Committed e) {
      throw e;
    } catch (Exception e) {
      throw FlinkBatch.unwrap("backfill", e);
    }
  }

  /**
   * A backfill that committed its Iceberg snapshot (and tagged it) and then failed or was cancelled
   * in its online step: {@link #result()} is what it appended, for its audit record; the cause is
   * why it stopped.
   */
  public static final class Committed extends RuntimeException {
    private final transient Result result;

    Committed(Result result, RuntimeException cause) {
      super(cause.getMessage(), cause);
      this.result = result;
    }

    public Result result() {
      return result;
    }
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

  /**
   * An offline job's progress from {@code read} records of {@code total} (a backfill's history
   * records, an export's label rows): below 0.99 until it has committed (after its last record is
   * read it still sorts, writes and commits), 0 when the total is unknown. The one rule for both.
   */
  public static double fraction(long read, long total) {
    return total <= 0 ? 0 : Math.min(0.99, Math.max(0, (double) read / total));
  }

  /**
   * A dry run's fixed estimate of a backfill's start-up, whatever it reads: planning the SQL,
   * opening the history and the table, submitting the job(s) and committing the snapshot. Measured
   * (1,000 events, load ~3.5 on 2 cores): ~2 s in a process that has run a Flink job before (a
   * server), 9–11 s in a fresh one (the CLI without --server: the local cluster's start and class
   * loading).
   */
  static final double START_UP_SECONDS = 5.0;

  /**
   * A backfill's estimated duration: {@link #START_UP_SECONDS}, plus {@code recordsToRead} at
   * {@link OfflineOptions#BACKFILL_ESTIMATED_READ_RATE}, plus {@code rowsToWrite} at {@link
   * OfflineOptions#BACKFILL_ESTIMATED_WRITE_RATE}. The records read are those of the history files
   * the range's scan keeps (a file's whole record count: its rows outside the range are read and
   * filtered) or the Kafka range's offsets, plus the offline table's rows in the range, which a
   * rerun that appends nothing still reads. An unknown count (-1) counts as 0.
   *
   * @throws IllegalArgumentException when a rate is not positive, naming its option
   */
  public static double estimatedSeconds(QuiverConfig config, long recordsToRead, long rowsToWrite) {
    double readRate = positive(config, OfflineOptions.BACKFILL_ESTIMATED_READ_RATE);
    double writeRate = positive(config, OfflineOptions.BACKFILL_ESTIMATED_WRITE_RATE);
    double seconds =
        START_UP_SECONDS
            + Math.max(0, recordsToRead) / readRate
            + Math.max(0, rowsToWrite) / writeRate;
    // an estimate: tenths of a second (it printed 5.000039999999999)
    return Math.round(seconds * 10) / 10.0;
  }

  private static double positive(
      QuiverConfig config, dev.quiver.core.config.ConfigOption<Double> option) {
    double v = config.get(option);
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(
          option.key()
              + ": "
              + v
              + " (expected: a finite rate > 0, e.g. "
              + option.defaultValue()
              + ")");
    }
    return v;
  }

  /**
   * The total a backfill's progress counts the history records read against: the planner's count (a
   * Kafka range's offsets, each read), else the rows the raw table's scan is expected to return
   * ({@link ScanSize#returned}: the scan keeps only the rows whose event time is in the read range
   * or null, so a file that also holds other days counts in part); -1 when unknown.
   */
  private long progressTotal(Session s) {
    if (s.query.inputRecords() >= 0) {
      return s.query.inputRecords();
    }
    if (s.raw == null) {
      return -1;
    }
    return ScanSize.returned(
        s.raw,
        s.rawFilter,
        s.eventTimeColumn,
        s.read.from().toEpochMilli(),
        s.read.to().toEpochMilli());
  }

  /** The offline table's rows with event time in {@code [from, to)}: its day partitions prune. */
  private static org.apache.iceberg.expressions.Expression offlineRange(Instant from, Instant to) {
    return org.apache.iceberg.expressions.Expressions.and(
        org.apache.iceberg.expressions.Expressions.greaterThanOrEqual(
            OfflineTables.EVENT_TIME, EventTimeFilter.micros(from.toEpochMilli())),
        org.apache.iceberg.expressions.Expressions.lessThan(
            OfflineTables.EVENT_TIME, EventTimeFilter.micros(to.toEpochMilli())));
  }

  /**
   * The data files, records and bytes a scan of a table's current snapshot with a filter plans
   * (from the manifests: partition and column bounds prune files); -1 each when it cannot be
   * planned.
   */
  record ScanSize(long files, long records, long bytes) {
    static ScanSize of(Table table, org.apache.iceberg.expressions.Expression filter) {
      long files = 0;
      long records = 0;
      long bytes = 0;
      try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(filter).planFiles()) {
        for (FileScanTask t : tasks) {
          files++;
          records += t.file().recordCount();
          bytes += t.file().fileSizeInBytes();
        }
      } catch (IOException e) {
        return new ScanSize(-1, -1, -1);
      }
      return new ScanSize(files, records, bytes);
    }

    /**
     * The rows a scan of {@code table} with {@code filter} (a backfill's {@link EventTimeFilter} on
     * {@code column}, for event times {@code [fromMs, toMs)}) is expected to return: per data file,
     * its rows with a null event time plus its other rows in the share of its event-time bounds
     * that the range covers (event times taken as spread evenly between the bounds); a file without
     * bounds, or a filter that keeps every row, counts whole. -1 when it cannot be planned.
     */
    static long returned(
        Table table,
        org.apache.iceberg.expressions.Expression filter,
        String column,
        long fromMs,
        long toMs) {
      Types.NestedField f = column == null ? null : table.schema().findField(column);
      boolean filtered =
          f != null && filter.op() != org.apache.iceberg.expressions.Expression.Operation.TRUE;
      long rows = 0;
      try (CloseableIterable<FileScanTask> tasks =
          table.newScan().filter(filter).includeColumnStats().planFiles()) {
        for (FileScanTask t : tasks) {
          org.apache.iceberg.DataFile file = t.file();
          if (!filtered) {
            rows += file.recordCount();
            continue;
          }
          Long low = EventTimeFilter.boundMillis(f, file.lowerBounds());
          Long high = EventTimeFilter.boundMillis(f, file.upperBounds());
          Long nulls =
              file.nullValueCounts() == null ? null : file.nullValueCounts().get(f.fieldId());
          rows += inRange(file.recordCount(), nulls == null ? 0 : nulls, low, high, fromMs, toMs);
        }
      } catch (IOException e) {
        return -1;
      }
      return rows;
    }

    /**
     * Of {@code records} rows, {@code nulls} without event time, whose event times lie between
     * {@code low} and {@code high} (inclusive; null when unknown): the nulls plus the others in the
     * share of {@code [low, high]} that {@code [fromMs, toMs)} covers.
     */
    static long inRange(long records, long nulls, Long low, Long high, long fromMs, long toMs) {
      if (low == null || high == null || high < low) {
        return records;
      }
      long first = Math.max(low, fromMs);
      long last = Math.min(high, toMs - 1);
      if (last < first) {
        return nulls;
      }
      double share = ((double) (last - first) + 1) / ((double) (high - low) + 1);
      return nulls + Math.round((records - nulls) * share);
    }
  }

  private static long skipped(JobExecutionResult result) {
    return accumulated(result, BackfillPlanner.SKIPPED_ACCUMULATOR);
  }

  private static long accumulated(JobExecutionResult result, String accumulator) {
    Object n = result.getAccumulatorResult(accumulator);
    return n instanceof Number num ? num.longValue() : 0;
  }

  /** Counts the rows of the skipped-rows query into {@link BackfillPlanner#SKIPPED_ACCUMULATOR}. */
  private static final class CountSkipped extends RichFlatMapFunction<Row, Row> {
    private transient LongCounter skipped;

    @Override
    public void open(OpenContext ctx) {
      skipped = getRuntimeContext().getLongCounter(BackfillPlanner.SKIPPED_ACCUMULATOR);
    }

    @Override
    public void flatMap(Row row, Collector<Row> out) {
      skipped.add(1);
    }
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
      String id,
      boolean online) {
    Session s = new Session();
    s.id = id;
    s.env = FlinkBatch.environment(parallelism);
    s.env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    s.tEnv = StreamTableEnvironment.create(s.env, EnvironmentSettings.inBatchMode());
    s.tEnv.getConfig().setLocalTimeZone(java.time.ZoneOffset.UTC);
    TimeTravel.register(s.tEnv, config);
    s.table = OfflineTables.ensureTable(catalog, view, keys);
    s.tableName = OfflineTables.identifier(view).toString();
    s.read = planner.readRange(view, from, to, online);
    s.eventTimeColumn = view.source() == null ? null : view.source().eventTimeField();
    s.source = source(s, view, sourceOverride, s.read.from(), s.read.to());
    Instant ingestedAt = Instant.now();
    s.query =
        planner.prepare(
            new BackfillPlanner.Request(
                s.env, s.tEnv, config, view, keys, s.source, from, to, s.read, ingestedAt, online));
    s.newRows =
        newRows(
            s.table.schema(),
            keys,
            flinkName(OfflineTables.identifier(view)),
            s.query.offlineSelect(),
            s.source.carriesOffsets(),
            from,
            to,
            ingestedAt);
    s.sqlText =
        s.query.sqlText()
            + "\n-- appended: only the rows the table does not hold yet in the range\n"
            + s.newRows
            + ";\n";
    return s;
  }

  /**
   * The rows a backfill appends: the plan's offline rows except those the table already holds with
   * event time in {@code [from, to)}. When the history carries Kafka offsets, a row is held when
   * the table has one with the same key, event time and {@code _seq} (the event's identity; a
   * window of a transformation is identified by its last event); without offsets (every {@code
   * _seq} is 0), when the table has an equal row in every other column but {@code _ingested_at}, as
   * a multiset ({@code EXCEPT ALL}). So an event the streaming job (or an earlier backfill) already
   * wrote is not written again and keeps its first {@code _ingested_at}, the time it became
   * available; a rerun appends nothing; what is appended is what the table lacks, such as the
   * events the stream dropped as too late.
   */
  static String newRows(
      org.apache.iceberg.Schema tableSchema,
      List<JoinKey> keys,
      String flinkTable,
      String offlineSelect,
      boolean withOffsets,
      Instant from,
      Instant to,
      Instant ingestedAt) {
    String time = escapeIdentifier(OfflineTables.EVENT_TIME);
    if (withOffsets) {
      List<String> same = new ArrayList<>();
      keys.forEach(
          k -> same.add("h." + escapeIdentifier(k.name()) + " = b." + escapeIdentifier(k.name())));
      same.add("h." + time + " = b." + time);
      same.add(
          "h."
              + escapeIdentifier(OfflineTables.SEQ)
              + " = b."
              + escapeIdentifier(OfflineTables.SEQ));
      return "SELECT b.* FROM (\n"
          + offlineSelect
          + "\n) AS b\nWHERE NOT EXISTS (\n  SELECT 1 FROM "
          + flinkTable
          + " AS h\n  WHERE "
          + inRange("h." + time, from, to)
          + "\n    AND "
          + String.join(" AND ", same)
          + ")";
    }
    List<String> compared = new ArrayList<>();
    List<String> out = new ArrayList<>();
    for (Types.NestedField f : tableSchema.columns()) {
      String c = escapeIdentifier(f.name());
      if (f.name().equals(OfflineTables.INGESTED_AT)) {
        out.add("TO_TIMESTAMP_LTZ(" + ingestedAt.toEpochMilli() + ", 3) AS " + c);
      } else if (f.name().equals(OfflineTables.SEQ)) {
        out.add("CAST(0 AS BIGINT) AS " + c);
      } else {
        compared.add(c);
        out.add(c);
      }
    }
    String cols = String.join(", ", compared);
    return "SELECT "
        + String.join(", ", out)
        + "\nFROM (\n  SELECT "
        + cols
        + " FROM (\n"
        + offlineSelect
        + "\n  )\n  EXCEPT ALL\n  SELECT "
        + cols
        + " FROM "
        + flinkTable
        + "\n  WHERE "
        + inRange(time, from, to)
        + "\n)";
  }

  private static String inRange(String column, Instant from, Instant to) {
    return "%1$s >= TO_TIMESTAMP_LTZ(%2$d, 3) AND %1$s < TO_TIMESTAMP_LTZ(%3$d, 3)"
        .formatted(column, from.toEpochMilli(), to.toEpochMilli());
  }

  /**
   * The raw history: {@code sourceOverride} if given, else the view's own source; a Kafka source is
   * read as an offset range, Parquet files and Iceberg tables as tables, scanned for the event
   * times {@code [from, to)} (the read range, which may be wider than the backfill's).
   */
  private BackfillSource source(
      Session s, FeatureView view, String sourceOverride, Instant from, Instant to) {
    String source = sourceOf(view, sourceOverride);
    if (source.equals("kafka") || source.startsWith("kafka:")) {
      return new BackfillSource.Kafka(source);
    }
    if (isPath(source)) {
      try {
        s.scratch = Files.createTempDirectory("quiver-backfill-");
        s.raw =
            LabelTables.registerParquet(
                "source",
                LabelTables.files("source", source, ".parquet"),
                s.scratch.resolve("raw").resolve("events").toUri().toString());
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + source, e);
      }
      s.tEnv.executeSql(
          "CREATE CATALOG quiver_backfill_raw WITH ('type'='iceberg', 'catalog-type'='hadoop',"
              + " 'warehouse'='"
              + s.scratch.toUri()
              + "')");
      requireTimeColumn(s.raw, view, source);
      requireMillis(s.raw, view.source().eventTimeField(), source);
      s.rawFilter = rangeFilter(s.raw, view, from, to);
      return new BackfillSource.Table(
          "`quiver_backfill_raw`.`raw`.`events`",
          s.raw.schema(),
          source,
          TableLoader.fromHadoopTable(s.raw.location()),
          s.rawFilter);
    }
    TableIdentifier rid = TableIdentifier.parse(source);
    try {
      s.raw = catalog.loadTable(rid);
    } catch (org.apache.iceberg.exceptions.NoSuchTableException e) {
      throw noSuchTable(source, e);
    }
    requireTimeColumn(s.raw, view, source);
    requireMillis(s.raw, view.source().eventTimeField(), source);
    s.rawFilter = rangeFilter(s.raw, view, from, to);
    return new BackfillSource.Table(
        flinkName(rid),
        s.raw.schema(),
        source,
        TableLoader.fromCatalog(OfflineCatalogs.loader(OfflineCatalogs.properties(config)), rid),
        s.rawFilter);
  }

  /** The raw table's scan filter for the view's event times in {@code [from, to)}. */
  private static org.apache.iceberg.expressions.Expression rangeFilter(
      Table raw, FeatureView view, Instant from, Instant to) {
    String column = view.source().eventTimeField();
    dev.quiver.core.spec.FeatureType declared =
        view.source().schema().stream()
            .filter(f -> f.name().equals(column))
            .map(dev.quiver.core.spec.SourceField::type)
            .findFirst()
            .orElse(null);
    return EventTimeFilter.of(raw, column, declared, from, to);
  }

  /**
   * Refuses an event-time column stored as text (ISO-8601 strings, as an archive of JSON events
   * holds them): the backfill casts the column to the source's TIMESTAMP, which Flink's CAST reads
   * only as {@code yyyy-MM-dd HH:mm:ss}, and the job failed on the first ISO-8601 value with a
   * DateTimeParseException naming neither the column nor the file. A backfill reads a timestamp or
   * an int64 epoch-millis column (backfills.md); where the source declares the event time INT64
   * (epoch milliseconds), a text column too, whose whole numbers it reads as the streaming parser
   * reads them.
   */
  private static void requireTimeColumn(Table raw, FeatureView view, String source) {
    String column = view.source().eventTimeField();
    var f = raw.schema().findField(column);
    boolean int64 =
        view.source().schema().stream()
            .anyMatch(
                c ->
                    c.name().equals(column)
                        && c.type().equals(dev.quiver.core.spec.FeatureType.INT64));
    if (f == null || f.type().typeId() != org.apache.iceberg.types.Type.TypeID.STRING || int64) {
      return;
    }
    throw new IllegalArgumentException(
        "source: event-time column '"
            + column
            + "' of "
            + source
            + " is text (string), which a backfill does not read as a time (expected: a timestamp"
            + " column, or int64 epoch milliseconds); write it as a timestamp, e.g. in pandas df['"
            + column
            + "'] = pd.to_datetime(df['"
            + column
            + "'], utc=True), in Spark to_timestamp('"
            + column
            + "')");
  }

  /**
   * Refuses an int64 event-time column whose values all lie within 1970 ± 10^11 ms (before
   * 1973-03-03), as epoch seconds of today do: read as milliseconds they are January 1970, outside
   * the range, and the backfill appended nothing without a word. From the files' column bounds.
   */
  private static void requireMillis(Table raw, String column, String source) {
    var f = raw.schema().findField(column);
    if (raw.currentSnapshot() == null
        || f == null
        || f.type().typeId() != org.apache.iceberg.types.Type.TypeID.LONG) {
      return;
    }
    long snap = raw.currentSnapshot().snapshotId();
    Long low = AvailabilityGuardCheck.bound(raw, snap, column, true);
    Long high = AvailabilityGuardCheck.bound(raw, snap, column, false);
    if (low != null
        && high != null
        && low > -OfflineTimes.MIN_PLAUSIBLE_MILLIS
        && high < OfflineTimes.MIN_PLAUSIBLE_MILLIS) {
      throw new IllegalArgumentException(
          "source: event-time column '"
              + column
              + "' of "
              + source
              + " holds "
              + low
              + " to "
              + high
              + ", "
              + Instant.ofEpochMilli(low)
              + " to "
              + Instant.ofEpochMilli(high)
              + " as epoch milliseconds (expected: an int64 column in epoch milliseconds, or a"
              + " timestamp column; seconds? multiply by 1000, e.g. pandas.to_datetime(df['"
              + column
              + "'], unit='s', utc=True))");
    }
  }

  /**
   * A warning when the range ends where the view's streaming job still writes: it accepts events
   * down to its watermark (the newest event time less the source's watermark delay) less the view's
   * allowed lateness, and commits them at its next checkpoint. A backfill keeps only the rows its
   * table lacks when it reads it, so an event the job has read but not yet committed is appended by
   * both (before: a backfill to the end of the current hour beside {@code quiver local} appended
   * 131 rows that the job committed again seconds later). Null when the view has no streaming
   * source or the range ends before {@code now - (delay + lateness)}.
   */
  public static String streamingOverlap(FeatureView view, Instant to, Instant now) {
    if (view.source() == null || !view.source().isStream()) {
      return null;
    }
    java.time.Duration delay = view.source().watermarkDelay();
    java.time.Duration lateness = view.allowedLateness();
    Instant safe = now.minus(delay).minus(lateness);
    if (!to.isAfter(safe)) {
      return null;
    }
    return "the range ends at "
        + to
        + ", after "
        + safe.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
        + " (now less the watermark delay "
        + delay.toString().substring(2).toLowerCase(java.util.Locale.ROOT)
        + " and the allowed lateness "
        + lateness.toString().substring(2).toLowerCase(java.util.Locale.ROOT)
        + " of "
        + view.qualifiedName()
        + "): its streaming job, if one runs, still writes events of this range, and an event it"
        + " had not committed when this backfill read the table is appended by both, so the"
        + " table holds it twice (docs/backfills.md); end the range at or before that time";
  }

  /**
   * Checks, without running anything, what a backfill of {@code view} would read: the source's form
   * (a Kafka range's syntax), that Parquet files exist and that an Iceberg table does — so that a
   * submission with a typo is refused naming {@code source} instead of becoming a job that fails.
   * What only the run can tell (a broker's offsets, the files' columns) is left to it.
   */
  public void check(FeatureView view, String sourceOverride) {
    if (sourceOverride != null && sourceOverride.isBlank()) {
      throw new IllegalArgumentException(
          "source: '' (expected: Parquet files, an Iceberg table ns.table or"
              + " kafka[:P:FIRST-END,...]; leave it out to read the view's own source)");
    }
    String source = sourceOf(view, sourceOverride);
    if (source.equals("kafka") || source.startsWith("kafka:")) {
      new BackfillSource.Kafka(source);
    } else if (isPath(source)) {
      try {
        LabelTables.files("source", source, ".parquet");
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + source, e);
      }
    } else if (!catalog.tableExists(TableIdentifier.parse(source))) {
      throw noSuchTable(source, null);
    }
  }

  private static boolean isPath(String source) {
    return source.contains("/") || source.endsWith(".parquet");
  }

  private static IllegalArgumentException noSuchTable(String source, Exception cause) {
    return new IllegalArgumentException(
        "source: Iceberg table '"
            + source
            + "' does not exist in the offline catalog (expected: a table ns.table with the raw"
            + " events, a Parquet path with a '/' or a .parquet name, or kafka[:P:FIRST-END,...])",
        cause);
  }

  /** The history's reference: {@code sourceOverride}, else the view's own source. */
  private static String sourceOf(FeatureView view, String sourceOverride) {
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
            case "kafka" -> "kafka";
            default ->
                throw new IllegalArgumentException(
                    "source: view "
                        + view.qualifiedName()
                        + " reads a "
                        + view.source().kind()
                        + " source; pass its history as --source (Parquet files, an Iceberg"
                        + " table or kafka[:P:FIRST-END,...])");
          };
    }
    return source;
  }

  /** A table of the offline catalog as the batch table environment names it, quoted. */
  private String flinkName(TableIdentifier id) {
    return "`"
        + config.get(OfflineOptions.CATALOG_NAME)
        + "`.`"
        + id.namespace()
        + "`.`"
        + id.name()
        + "`";
  }

  /** Per-run Flink and scratch resources. */
  private static final class Session implements AutoCloseable {
    String id;
    StreamExecutionEnvironment env;
    StreamTableEnvironment tEnv;
    Table table;
    String tableName;
    Table raw;
    BackfillSource source;
    BackfillPlanner.Query query;
    String newRows;
    String sqlText;
    Path scratch;
    org.apache.iceberg.expressions.Expression rawFilter;
    BackfillPlanner.TimeRange read;
    String eventTimeColumn;

    @Override
    public void close() {
      if (scratch != null) {
        FlinkBatch.deleteQuietly(scratch);
      }
    }
  }
}
