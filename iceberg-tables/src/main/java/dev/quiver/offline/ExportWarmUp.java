package dev.quiver.offline;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;

/**
 * One small point-in-time export over generated data in a temporary warehouse, run once when a
 * long-running server starts ({@code offline.warm-up}), so that the first real export does not pay
 * what every JVM's first export pays: the local Flink cluster's start, loading the export path's
 * ~6,500 classes and compiling it (measured: the bench's 1M-label export as a fresh JVM's first
 * cost 29.8 and 33.3 CPU-s, after this warm-up 18.6 and 23.7; the warm-up itself 9.8–12.6). Nothing
 * of the server's own catalog or views is read or written; the directory is deleted afterwards.
 */
final class ExportWarmUp {
  static final int LABELS = 1_000;
  static final int EVENTS = 10_000;
  private static final int USERS = 1_000;
  private static final long BASE = 1_714_521_600_000L; // 2024-05-01
  private static final long SPAN = 30L * 86_400_000L;

  private ExportWarmUp() {}

  /**
   * Runs the warm-up export with {@code parallelism} sweep subtasks and deletes its files.
   *
   * @return the rows it exported ({@link #LABELS})
   */
  static long run(int parallelism) {
    return run(parallelism, Path.of(System.getProperty("java.io.tmpdir")));
  }

  /** {@link #run(int)} with its temporary directory under {@code parent}. */
  static long run(int parallelism, Path parent) {
    Path dir;
    try {
      dir = Files.createTempDirectory(parent, "quiver-warm-up-");
    } catch (IOException e) {
      throw new UncheckedIOException("creating the warm-up's temporary directory", e);
    }
    try {
      QuiverConfig config =
          QuiverConfig.of(
              Map.of(OfflineOptions.WAREHOUSE.key(), dir.resolve("warehouse").toString()));
      Catalog catalog = OfflineCatalogs.open(config);
      List<FeatureSelection> features = new ArrayList<>();
      int seed = 0;
      for (String name : List.of("warm_up_a", "warm_up_b", "warm_up_c")) {
        FeatureView view =
            FeatureView.builder(name)
                .entities(List.of("user"))
                .ttl(Duration.ofDays(7))
                .features(
                    List.of(
                        Feature.row("f_double", FeatureType.FLOAT64),
                        Feature.row("f_long", FeatureType.INT64)))
                .build();
        writeEvents(catalog, view, dir.resolve("events").resolve(name + ".parquet"), seed++);
        features.add(FeatureSelection.all(view));
      }
      Path labels = dir.resolve("labels");
      writeLabels(labels.resolve("labels.parquet"));
      PointInTimeJoin.Result result =
          new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), parallelism)
              .run(
                  new TrainingSetRequest(
                      features,
                      LabelSource.of(labels.toString(), "ts"),
                      null,
                      dir.resolve("out").toString(),
                      true,
                      Map.of()));
      if (catalog instanceof AutoCloseable c) {
        c.close();
      }
      return result.rows();
    } catch (Exception e) {
      throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
    } finally {
      FlinkBatch.deleteQuietly(dir);
    }
  }

  /** Events as the streaming job writes them (zstd, the tables' codec), appended to the table. */
  private static void writeEvents(Catalog catalog, FeatureView view, Path file, int seed)
      throws IOException {
    Table table =
        catalog
            .buildTable(OfflineTables.identifier(view), OfflineTables.schema(view))
            .withPartitionSpec(PartitionSpec.unpartitioned())
            .withProperty(TableProperties.FORMAT_VERSION, "2")
            .create();
    Schema schema = table.schema();
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Record> rows = new ArrayList<>(EVENTS);
    for (int i = 0; i < EVENTS; i++) {
      long t = BASE + rnd.nextLong(SPAN);
      GenericRecord r = GenericRecord.create(schema);
      r.setField("user_id", "u" + rnd.nextInt(USERS));
      r.setField(OfflineTables.EVENT_TIME, OfflineWriter.timestamptz(t));
      r.setField("f_double", rnd.nextDouble());
      r.setField("f_long", (long) i);
      r.setField(OfflineTables.SEQ, (long) i);
      r.setField(OfflineTables.INGESTED_AT, OfflineWriter.timestamptz(t + 1000));
      rows.add(r);
    }
    TrainingSetFiles.write(schema, file, rows, "zstd");
    TrainingSetFiles.appendTo(table, file);
  }

  private static void writeLabels(Path file) {
    Schema schema =
        new Schema(
            Types.NestedField.optional(1, "user_id", Types.StringType.get()),
            Types.NestedField.optional(2, "ts", Types.TimestampType.withZone()),
            Types.NestedField.optional(3, "label", Types.IntegerType.get()));
    SplittableRandom rnd = new SplittableRandom(99);
    List<Record> rows = new ArrayList<>(LABELS);
    for (int i = 0; i < LABELS; i++) {
      GenericRecord r = GenericRecord.create(schema);
      r.setField("user_id", "u" + rnd.nextInt(USERS));
      r.setField("ts", OfflineWriter.timestamptz(BASE + rnd.nextLong(SPAN + 86_400_000L)));
      r.setField("label", rnd.nextInt(2));
      rows.add(r);
    }
    TrainingSetFiles.write(schema, file, rows, "snappy");
  }
}
