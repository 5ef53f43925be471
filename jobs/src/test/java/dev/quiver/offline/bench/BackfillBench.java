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
 * Flink batch mode into a new Iceberg snapshot. Prints events/s and writes {@code
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
    Files.createDirectories(out);
    Files.writeString(out.resolve("backfill.json"), TrainingSetBench.toJson(json));
    System.out.println("wrote " + out.resolve("backfill.json"));
    if (catalog instanceof AutoCloseable c) {
      c.close();
    }
    dev.quiver.offline.FlinkBatch.stopSharedCluster(); // its threads would keep the JVM alive
  }

  static Map<String, Object> run(QuiverConfig config, Catalog catalog, Path work, int n, int users)
      throws Exception {
    Schema raw =
        new Schema(
            Types.NestedField.optional(1, "user_id", Types.StringType.get()),
            Types.NestedField.optional(2, "amount", Types.DoubleType.get()),
            Types.NestedField.optional(3, "ts", Types.TimestampType.withZone()),
            Types.NestedField.optional(4, "offset", Types.LongType.get()));
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
            Map.of("path", file.getParent().toString()));
    FeatureView view =
        FeatureView.builder("bench_backfill")
            .entities(List.of("user"))
            .source(source)
            .features(List.of(new Feature("amount", FeatureType.FLOAT64, "", null, null, Map.of())))
            .build();
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
}
