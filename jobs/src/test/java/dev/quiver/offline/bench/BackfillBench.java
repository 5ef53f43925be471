package dev.quiver.offline.bench;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.offline.Backfill;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineTables;
import dev.quiver.offline.OfflineWriter;
import dev.quiver.offline.TrainingSetFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Types;

/**
 * Backfill throughput (issue 5, make bench): {@code -Dbackfill.events=} (default 1,000,000) raw
 * events in Parquet over {@code -Dusers=} users, backfilled through the streaming job's SQL in
 * Flink batch mode into a new Iceberg snapshot. Then (unless {@code -Dbackfill.narrow=false}) the
 * same number of events in thirty daily files, backfilled for one day: the files and records its
 * range's scan reads, and its time. Prints events/s and writes {@code
 * $QUIVER_BENCH_DIR/backfill.json}.
 */
public final class BackfillBench {
  static final long BASE = TrainingSetBench.BASE;
  static final long SPAN = TrainingSetBench.SPAN;

  public static void main(String[] args) throws Exception {
    int n = Integer.getInteger("backfill.events", 1_000_000);
    int users = Integer.getInteger("users", 100_000);
    Path out = Path.of(System.getenv().getOrDefault("QUIVER_BENCH_DIR", "target/bench"));
    Path work = out.resolve("backfill-work");
    TrainingSetBench.deleteTree(work);
    Files.createDirectories(work);
    QuiverConfig config =
        QuiverConfig.of(
            Map.of(
                "offline.warehouse",
                work.resolve("warehouse").toString(),
                "offline.parallelism",
                "2"));
    Catalog catalog = OfflineCatalogs.open(config);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", "backfill");
    json.putAll(run(config, catalog, work, n, users));
    if (Boolean.parseBoolean(System.getProperty("backfill.narrow", "true"))) {
      json.putAll(narrow(config, catalog, work, n, users));
    }
    Files.createDirectories(out);
    Files.writeString(out.resolve("backfill.json"), TrainingSetBench.toJson(json));
    System.out.println("wrote " + out.resolve("backfill.json"));
    if (catalog instanceof AutoCloseable c) {
      c.close();
    }
    dev.quiver.offline.FlinkBatch.stopSharedCluster(); // its threads would keep the JVM alive
  }

  static final Schema RAW =
      new Schema(
          Types.NestedField.optional(1, "user_id", Types.StringType.get()),
          Types.NestedField.optional(2, "amount", Types.DoubleType.get()),
          Types.NestedField.optional(3, "ts", Types.TimestampType.withZone()),
          Types.NestedField.optional(4, "offset", Types.LongType.get()));

  static Map<String, Object> run(QuiverConfig config, Catalog catalog, Path work, int n, int users)
      throws Exception {
    Schema raw = RAW;
    Path file = work.resolve("raw").resolve("events.parquet");
    SplittableRandom rnd = new SplittableRandom(3);
    TrainingSetFiles.write(
        raw,
        file,
        TrainingSetBench.generated(
            n,
            i -> {
              GenericRecord r = GenericRecord.create(raw);
              r.setField("user_id", "u" + rnd.nextInt(users));
              r.setField("amount", rnd.nextDouble() * 100);
              r.setField("ts", OfflineWriter.timestamptz(BASE + rnd.nextLong(SPAN)));
              r.setField("offset", (long) i);
              return r;
            }));
    FeatureView view = view("bench_backfill", file.getParent());
    Backfill.Result r =
        new Backfill(config, catalog)
            .run(
                view,
                OfflineTables.joinKeys(view),
                null,
                Instant.ofEpochMilli(BASE),
                Instant.ofEpochMilli(BASE + SPAN + 1),
                false);
    double eps = r.rows() / r.seconds();
    System.out.printf(
        Locale.ROOT,
        "backfill       : %,d events in %.1f s = %,.0f events/s%n",
        r.rows(),
        r.seconds(),
        eps);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("backfill_events", r.rows());
    out.put("backfill_seconds", r.seconds());
    out.put("backfill_events_per_second", eps);
    return out;
  }

  /** The bench's view over the Parquet files in {@code folder}. */
  static FeatureView view(String name, Path folder) {
    Source source =
        new Source(
            "default",
            "raw",
            "parquet",
            List.of(
                new SourceField("user_id", FeatureType.STRING),
                new SourceField("amount", FeatureType.FLOAT64),
                new SourceField("ts", FeatureType.TIMESTAMP)),
            "ts",
            null,
            Duration.ZERO,
            Map.of("path", folder.toString()));
    return FeatureView.builder(name)
        .entities(List.of("user"))
        .source(source)
        .features(List.of(new Feature("amount", FeatureType.FLOAT64, "", null, null, Map.of())))
        .build();
  }

  /**
   * {@code n} events in thirty daily Parquet files, backfilled for one day (the 16th): the range's
   * scan reads one file.
   */
  static Map<String, Object> narrow(
      QuiverConfig config, Catalog catalog, Path work, int n, int users) throws Exception {
    long day = 86_400_000L;
    int days = (int) (SPAN / day);
    Path folder = work.resolve("raw-daily");
    SplittableRandom rnd = new SplittableRandom(5);
    int perDay = n / days;
    for (int d = 0; d < days; d++) {
      long start = BASE + d * day;
      int first = d * perDay;
      TrainingSetFiles.write(
          RAW,
          folder.resolve("day-%02d.parquet".formatted(d)),
          TrainingSetBench.generated(
              perDay,
              i -> {
                GenericRecord r = GenericRecord.create(RAW);
                r.setField("user_id", "u" + rnd.nextInt(users));
                r.setField("amount", rnd.nextDouble() * 100);
                r.setField("ts", OfflineWriter.timestamptz(start + rnd.nextLong(day)));
                r.setField("offset", (long) first + i);
                return r;
              }));
    }
    FeatureView view = view("bench_backfill_narrow", folder);
    Instant from = Instant.ofEpochMilli(BASE + 15 * day);
    Instant to = from.plusMillis(day);
    Backfill backfill = new Backfill(config, catalog);
    Backfill.Plan plan = backfill.plan(view, OfflineTables.joinKeys(view), null, from, to);
    Backfill.Result r = backfill.run(view, OfflineTables.joinKeys(view), null, from, to, false);
    System.out.printf(
        Locale.ROOT,
        "backfill 1 day : %d of %d files, %,d of %,d records read, %,d events in %.1f s%n",
        plan.files(),
        days,
        plan.recordsToRead(),
        (long) perDay * days,
        r.rows(),
        r.seconds());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("narrow_history_files", days);
    out.put("narrow_history_records", (long) perDay * days);
    out.put("narrow_files_read", plan.files());
    out.put("narrow_records_read", plan.recordsToRead());
    out.put("narrow_events", r.rows());
    out.put("narrow_seconds", r.seconds());
    return out;
  }
}
