package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.BatchShuffleMode;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.source.IcebergSource;
import org.apache.iceberg.types.Types;

/**
 * Builds point-in-time correct training sets with Flink in batch mode: label rows and the feature
 * events of each entity group are serialized once with their key hash, unioned, hash-partitioned,
 * grouped by key inside each partition ({@link SweepFunction}: a compact buffer and a primitive
 * sort instead of Flink's keyed sort) and swept forward in time per key ({@link PointInTimeSweep});
 * label rows flow through one sweep per entity group; each subtask of the last sweep sorts its
 * label rows into a deterministic order and writes them as one Parquet part, beside a manifest that
 * lists every part. No range join: cost grows with labels + events, not their product.
 *
 * <p>Thread-safe; each {@link #run} starts its own Flink job (on a local MiniCluster unless the
 * configuration names a cluster).
 */
public final class PointInTimeJoin {
  static final String ROWS_ACCUMULATOR = "quiver-training-rows";

  /** Retrieval without labels: the rows the reference times made, and the subtasks that counted. */
  static final String SPINE_ROWS_ACCUMULATOR = "quiver-training-spine-rows";

  static final String SPINE_SUBTASKS_ACCUMULATOR = "quiver-training-spine-subtasks";

  /**
   * Pipelined exchanges in batch mode: every operator of a training-set job consumes its whole
   * input before it emits anything downstream (the sweep buffers its partition, the part writer its
   * labels), so a blocking exchange bought nothing but writing every packed row to local disk
   * (LZ4-compressed) and reading it back: ~1.5–2 CPU-s of a ~10 CPU-s export (session 9). The job
   * needs its parallelism in slots at once (one slot-sharing group: the parallelism, at most {@link
   * FlinkBatch#LOCAL_SLOTS} locally), and a cluster whose scheduler is not the adaptive batch
   * scheduler, which accepts blocking and hybrid exchanges only ({@link FlinkBatch#configuration}).
   */
  private static final Configuration PIPELINED = new Configuration();

  static {
    PIPELINED.set(ExecutionOptions.BATCH_SHUFFLE_MODE, BatchShuffleMode.ALL_EXCHANGES_PIPELINED);
  }

  private final Catalog catalog;
  private final CatalogLoader catalogLoader;
  private final int parallelism;

  /**
   * @param catalogProperties the Iceberg catalog properties ({@link OfflineCatalogs#properties})
   */
  public PointInTimeJoin(Catalog catalog, Map<String, String> catalogProperties, int parallelism) {
    this.catalog = catalog;
    this.catalogLoader = OfflineCatalogs.loader(catalogProperties);
    this.parallelism = parallelism;
  }

  /** Progress callback: label rows written so far, and the total (-1 when unknown). */
  @FunctionalInterface
  public interface Progress {
    void update(long done, long total);
  }

  /**
   * The result of a run: the output directory, its Parquet parts in part order (one per sweep
   * subtask; each ordered by label time), the row count and the manifest written beside them.
   */
  public record Result(
      Path output,
      List<Path> dataFiles,
      long rows,
      TrainingSetManifest manifest,
      Path manifestFile,
      List<String> warnings) {}

  /**
   * Builds the training set, writes its parts ({@code part-00000.parquet}, one per sweep subtask)
   * and {@code _manifest.json}.
   */
  public Result run(TrainingSetRequest request) {
    return run(request, (d, t) -> {});
  }

  /**
   * Like {@link #run(TrainingSetRequest)}, reporting progress (labels swept so far) while the job
   * runs.
   */
  public Result run(TrainingSetRequest request, Progress progress) {
    return run(request, progress, null);
  }

  private Result run(
      TrainingSetRequest request,
      Progress progress,
      TrainingSetManifest.LabelEntry expectedLabels) {
    FlinkBatch.prestart(); // a JVM's first export: the local cluster starts while the plan resolves
    Path out = Path.of(request.output()).toAbsolutePath();
    Path scratch;
    try {
      Files.createDirectories(out);
      TrainingSetFiles.deleteParts(out);
      scratch = Files.createTempDirectory("quiver-export-");
    } catch (IOException e) {
      // the job's error says why, not only where ("creating output /proc/nope")
      throw new UncheckedIOException(
          "creating output "
              + out
              + ": "
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage()
              + " (expected: a directory the export can create and write)",
          e);
    }
    try {
      return run(request, progress, expectedLabels, out, scratch);
    } catch (RuntimeException | Error e) {
      // a failed export leaves no part a reader could take for a result: the job's subtasks may
      // have written theirs (whole or cut short) before another failed, or before the manifest
      deleteOutput(out, e);
      throw e;
    } finally {
      FlinkBatch.deleteQuietly(scratch);
    }
  }

  /** Deletes the parts and manifest of a failed export, adding what could not be deleted to it. */
  private static void deleteOutput(Path out, Throwable failure) {
    try {
      TrainingSetFiles.deleteParts(out);
      Path manifest = out.resolve(TrainingSetManifest.FILE);
      if (Files.isRegularFile(manifest)) {
        Files.delete(manifest);
      }
    } catch (IOException | UncheckedIOException e) {
      failure.addSuppressed(e);
    }
  }

  private Result run(
      TrainingSetRequest request,
      Progress progress,
      TrainingSetManifest.LabelEntry expectedLabels,
      Path out,
      Path scratch) {
    TrainingSetPlan plan = TrainingSetPlan.resolve(request, catalog);
    StreamExecutionEnvironment env = FlinkBatch.environment(parallelism);
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    env.configure(PIPELINED);
    // every function here builds new objects from its input and keeps none of it: no defensive
    // copies between chained operators
    env.getConfig().enableObjectReuse();

    List<Types.NestedField> labelColumns;
    DataStream<PackedBatch> labels = null;
    LabelTables.Labels labelTable = null;
    SpineLabels spine = null;
    if (request.labels() != null) {
      labelTable = LabelTables.open(request.labels(), catalog, scratch);
      if (expectedLabels != null && !expectedLabels.checksum().equals(labelTable.checksum())) {
        throw new IllegalArgumentException(
            "labels changed since the manifest was written: "
                + request.labels().location()
                + " has checksum "
                + labelTable.checksum()
                + ", the manifest recorded "
                + expectedLabels.checksum()
                + " (restore the original label files to rebuild)");
      }
      Schema ls = labelTable.schema();
      labelColumns = ls.columns();
      List<String> names = labelColumns.stream().map(Types.NestedField::name).toList();
      int timePos = names.indexOf(request.labels().timestampColumn());
      // the checks of a submission (LabelTables.checkColumns), again against the rows read
      LabelColumns.check(request.labels(), names, request.features());
      LabelColumns.checkKeyTypes(
          request.labels(), request.features(), LabelTables.keyTypeProblem(ls));
      labelColumns.forEach(RowDataValues::requireLabelColumn);
      int[] firstKeys = positions(names, plan.groups().get(0).keyNames());
      labels =
          readLabels(
              env,
              labelLoader(request.labels(), labelTable),
              labelTable,
              EventBatchReader.labels(
                  labelTable.table(),
                  ls,
                  LabelLayout.of(ls, timePos, firstKeys, plan.featureSlots()),
                  new FlinkFunctions.LabelPacker(ls, timePos, firstKeys, plan.featureSlots()),
                  env.getParallelism()));
    } else {
      TrainingSetPlan.Group g = plan.groups().get(0);
      labelColumns = SpineLabels.columns(g.joinKeys());
      spine = new SpineLabels(request.spine().millis(), g.joinKeys(), plan.featureSlots());
    }
    List<String> labelNames = labelColumns.stream().map(Types.NestedField::name).toList();

    DataStream<SweepRow> current = null;
    int channels = env.getParallelism();
    for (int gi = 0; gi < plan.groups().size(); gi++) {
      TrainingSetPlan.Group g = plan.groups().get(gi);
      DataStream<PackedBatch> events = null;
      for (TrainingSetPlan.ViewRead r : g.views()) {
        if (r.snapshotId() == null || r.snapshotId() < 0) {
          continue; // empty at the pinned time: contributes nulls only
        }
        DataStream<PackedBatch> ev = readEvents(env, r, channels);
        events = events == null ? ev : events.union(ev);
      }
      // the first group's labels come packed from their reader; later groups re-key the swept rows
      DataStream<PackedBatch> labelInput = gi == 0 ? labels : null;
      if (gi > 0 && current != null) {
        labelInput =
            pack(
                current
                    .map(new FlinkFunctions.Rekey(positions(labelNames, g.keyNames())))
                    .returns(SweepRowSerializer.TYPE),
                channels);
      }
      DataStream<PackedBatch> input =
          labelInput == null ? events : events == null ? labelInput : labelInput.union(events);
      if (input == null) {
        break; // retrieval without labels over empty tables: nothing to emit
      }
      // batches partitioned by key hash; each sweep buffers its partition and sorts it itself
      current =
          HashPartitioner.partition(input)
              .transform(
                  "point-in-time sweep " + g.keyNames(),
                  SweepRowSerializer.TYPE,
                  new SweepFunction(
                      plan.sweep(g, request.availabilityGuard()),
                      spine,
                      // the last group's rows go to the chained part writer only
                      gi == plan.groups().size() - 1))
              .setParallelism(channels);
    }
    Schema outSchema = plan.outputSchema(labelColumns);
    long rows;
    if (current == null) {
      rows = 0;
    } else {
      // one part per sweep subtask, chained to it: no shuffle and no serial writer at the end
      current
          .forward()
          .transform(
              "deterministic order -> parquet parts",
              org.apache.flink.api.common.typeinfo.Types.VOID,
              new OrderedParquetSink(outSchema, out.toString(), labelNames.size()))
          .setParallelism(channels);
      long total = labelTable == null ? -1 : totalRecords(labelTable);
      rows = execute(env, "quiver training set " + out.getFileName(), progress, total, channels);
    }
    List<Path> parts = TrainingSetFiles.parts(out);
    if (parts.isEmpty()) {
      // no rows at all: a subtask without rows writes no part (Iceberg's writer creates no file
      // for zero rows), but a reader of the output still needs one file with its columns
      TrainingSetFiles.writeEmpty(outSchema, out.resolve(TrainingSetFiles.partName(0)));
      parts = TrainingSetFiles.parts(out);
    }
    TrainingSetManifest manifest = TrainingSetManifest.of(request, plan, labelTable, out, parts);
    if (manifest.rows() != rows) {
      throw new IllegalStateException(
          "training set "
              + out
              + ": the parts hold "
              + manifest.rows()
              + " rows, the job wrote "
              + rows);
    }
    Path manifestFile = manifest.write(out);
    List<String> warnings = List.of();
    if (request.availabilityGuard()) {
      Long newest =
          labelTable != null
              ? AvailabilityGuardCheck.newestLabel(
                  labelTable.table(), labelTable.snapshotId(), request.labels().timestampColumn())
              : java.util.Arrays.stream(request.spine().millis())
                  .boxed()
                  .max(Long::compare)
                  .orElse(null);
      warnings = AvailabilityGuardCheck.warnings(plan, catalog, newest);
    }
    return new Result(out, parts, rows, manifest, manifestFile, warnings);
  }

  /**
   * Rebuilds an export from its manifest into {@code output}: the same views and options, the
   * pinned Iceberg snapshots (time travel), and the label source checked against its checksum.
   */
  public Result rebuild(TrainingSetManifest manifest, String output) {
    requirePinnedSnapshots(manifest);
    return run(manifest.toRequest(output), (d, t) -> {}, manifest.labels());
  }

  /**
   * Refuses a manifest whose pinned snapshot a view's table no longer holds, saying why: a table
   * whose oldest snapshot is newer than the export was created since (quiver local starts new
   * tables at each start), not expired, which is what the plan's own check guesses.
   */
  private void requirePinnedSnapshots(TrainingSetManifest manifest) {
    for (TrainingSetManifest.ViewEntry v : manifest.views()) {
      if (v.snapshotId() == null || v.snapshotId() < 0 || v.table() == null) {
        continue;
      }
      TableIdentifier id = TableIdentifier.parse(v.table());
      if (!catalog.tableExists(id)) {
        continue; // TrainingSetPlan.requireTable names the missing table and the fix
      }
      Table table = catalog.loadTable(id);
      if (table.snapshot(v.snapshotId()) != null) {
        continue;
      }
      Snapshot oldest = null;
      for (Snapshot s : table.snapshots()) {
        if (oldest == null || s.timestampMillis() < oldest.timestampMillis()) {
          oldest = s;
        }
      }
      String why;
      if (oldest != null
          && manifest.createdAt() != null
          && oldest.timestampMillis() > manifest.createdAt().toEpochMilli()) {
        why =
            "the table was created after this export (its oldest snapshot, "
                + oldest.snapshotId()
                + ", was committed at "
                + Instant.ofEpochMilli(oldest.timestampMillis())
                + ", after the export at "
                + manifest.createdAt()
                + "), so it is not the table the export read; quiver local starts new offline"
                + " tables each time it starts (the previous run's, set aside in previous-run/,"
                + " cannot be read from there: Iceberg metadata holds absolute paths), so an"
                + " export of one quiver local run cannot be rebuilt after a restart; export"
                + " from a warehouse that persists (quiver serve, quiver materialize) to rebuild"
                + " later";
      } else {
        why =
            "it expired (snapshots older than offline.snapshots.max-age are removed, beyond the"
                + " newest offline.snapshots.retain-last; tagged backfill snapshots are kept)";
      }
      throw new IllegalArgumentException(
          "snapshot "
              + v.snapshotId()
              + " of "
              + v.table()
              + " no longer exists; the manifest cannot be rebuilt: "
              + why);
    }
  }

  /**
   * @param total the rows expected (the label rows), or -1 for a retrieval without labels, whose
   *     total the job counts ({@link #spineTotal}) when its {@code sweeps} subtasks have swept
   */
  private long execute(
      StreamExecutionEnvironment env, String name, Progress progress, long total, int sweeps) {
    try {
      JobClient client = FlinkBatch.submit(env, name);
      var done = client.getJobExecutionResult();
      try {
        while (!done.isDone()) {
          try {
            Map<String, Object> acc = client.getAccumulators().get();
            if (acc.get(ROWS_ACCUMULATOR) instanceof Number num) {
              progress.update(num.longValue(), total >= 0 ? total : spineTotal(acc, sweeps));
            }
          } catch (InterruptedException e) {
            throw e;
          } catch (Exception ignored) {
            // the job may finish between the two calls
          }
          try {
            done.get(200, java.util.concurrent.TimeUnit.MILLISECONDS);
          } catch (java.util.concurrent.TimeoutException ignored) {
            // keep polling
          }
        }
      } catch (InterruptedException e) {
        // cancelled (FlinkOfflineService#cancel): stop the Flink job before run() deletes the parts
        FlinkBatch.cancel(client);
        throw e;
      }
      JobExecutionResult result = done.get();
      Long rows = result.getAccumulatorResult(ROWS_ACCUMULATOR);
      long n = rows == null ? 0 : rows;
      progress.update(
          n, total >= 0 ? total : spineTotal(result.getAllAccumulatorResults(), sweeps));
      return n;
    } catch (Exception e) {
      throw FlinkBatch.unwrap("training set", e);
    }
  }

  /**
   * The rows of a retrieval without labels once all {@code sweeps} subtasks have counted theirs,
   * else -1 (a partial count would make the progress go back).
   */
  private static long spineTotal(Map<String, Object> accumulators, int sweeps) {
    return accumulators.get(SPINE_SUBTASKS_ACCUMULATOR) instanceof Number n
            && n.intValue() == sweeps
            && accumulators.get(SPINE_ROWS_ACCUMULATOR) instanceof Number rows
        ? rows.longValue()
        : -1;
  }

  private static long totalRecords(LabelTables.Labels labels) {
    var snap = labels.snapshotId() == null ? null : labels.table().snapshot(labels.snapshotId());
    return snap == null ? -1 : Long.parseLong(snap.summary().getOrDefault("total-records", "-1"));
  }

  private TableLoader labelLoader(LabelSource source, LabelTables.Labels labels) {
    return "iceberg".equals(source.format())
        ? TableLoader.fromCatalog(catalogLoader, TableIdentifier.parse(source.location()))
        : TableLoader.fromHadoopTable(labels.table().location());
  }

  /**
   * The label table as batches of packed label rows for the first group's sweep subtasks, built
   * inside Iceberg's split reader ({@link EventBatchReader#labels}: {@link LabelPages} for plain
   * Parquet files).
   */
  private static DataStream<PackedBatch> readLabels(
      StreamExecutionEnvironment env,
      TableLoader loader,
      LabelTables.Labels labels,
      EventBatchReader reader) {
    IcebergSource.Builder<PackedBatch> b =
        IcebergSource.<PackedBatch>builder()
            .tableLoader(loader)
            .readerFunction(reader)
            .streaming(false)
            .project(labels.schema());
    if (labels.snapshotId() != null) {
      b.useSnapshotId(labels.snapshotId());
    }
    return env.fromSource(
        b.build(), WatermarkStrategy.noWatermarks(), "read labels", PackedBatch.TYPE);
  }

  /**
   * A view's table as batches of packed events for {@code channels} sweep subtasks, built inside
   * Iceberg's split reader ({@link EventBatchReader}: the columnar path for plain Parquet files).
   */
  private DataStream<PackedBatch> readEvents(
      StreamExecutionEnvironment env, TrainingSetPlan.ViewRead r, int channels) {
    TableIdentifier id = OfflineTables.identifier(r.selection().view());
    IcebergSource<PackedBatch> source =
        IcebergSource.<PackedBatch>builder()
            .tableLoader(TableLoader.fromCatalog(catalogLoader, id))
            .readerFunction(new EventBatchReader(catalog.loadTable(id), r, channels))
            .streaming(false)
            .project(r.projection())
            .useSnapshotId(r.snapshotId())
            .build();
    return env.fromSource(
        source, WatermarkStrategy.noWatermarks(), "read " + r.tableName(), PackedBatch.TYPE);
  }

  /** Serializes label rows once, beside their key hash, in batches for the sweep subtasks. */
  private static DataStream<PackedBatch> pack(DataStream<SweepRow> rows, int channels) {
    return rows.transform("pack", PackedBatch.TYPE, new LabelBatches(channels));
  }

  private static int[] positions(List<String> names, List<String> wanted) {
    return wanted.stream().mapToInt(names::indexOf).toArray();
  }
}
