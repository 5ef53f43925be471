package dev.quiver.offline;

import static dev.quiver.offline.fuzz.FuzzViews.expectedRows;
import static dev.quiver.offline.fuzz.FuzzViews.normalize;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.Feature;
import dev.quiver.offline.fuzz.FuzzViews;
import dev.quiver.offline.fuzz.FuzzViews.Ev;
import dev.quiver.offline.fuzz.FuzzViews.Spec;
import dev.quiver.offline.spark.SparkTrainingSet;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark training-set path on the views and logs of {@code FuzzDifferentialITCase} (jobs),
 * judged by the same plain reference ({@link FuzzViews}): each seed's views (event views with row
 * features and window aggregations, and tumbling-window views) get the offline table the streaming
 * job writes for their log — the rows that test proves equal to the reference's, written here in
 * three commits — and {@link SparkTrainingSet} (local[2]) and {@link PointInTimeJoin} (Flink batch)
 * build the training set at every sampled (key, t): both must equal the reference, with the
 * availability guard off and (at times during and after the log's writes) on.
 *
 * <p>{@code -Dquiver.fuzz.seeds=N} from {@code -Dquiver.fuzz.seed=S} (default 3 from 1), as in
 * jobs; {@code -Dquiver.fuzz.tumble=always|never} chooses the views' kind. The anchor is fixed
 * ({@code -Dquiver.fuzz.anchor}): nothing here depends on the wall clock.
 */
class SparkFuzzDifferentialITCase {
  @TempDir Path dir;

  private static final int VIEWS_PER_SEED = 2;

  @Test
  void sparkAndFlinkTrainingSetsAgreeWithThePlainReference() throws Exception {
    long first = Long.getLong("quiver.fuzz.seed", 1L);
    int seeds = Integer.getInteger("quiver.fuzz.seeds", 3);
    long anchor = Long.getLong("quiver.fuzz.anchor", 1_767_225_600_000L); // 2026-01-01
    Path wh = dir.resolve("warehouse");
    QuiverConfig config = QuiverConfig.of(Map.of("offline.warehouse", wh.toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    SparkSession spark = LocalSpark.session("quiver-spark-fuzz", wh, 4);
    List<String> bad = new ArrayList<>();
    int compared = 0;
    try {
      for (long seed = first; seed < first + seeds; seed++) {
        for (int v = 0; v < VIEWS_PER_SEED; v++) {
          Spec spec = Spec.generate(seed, v, anchor);
          List<String> mine = new ArrayList<>();
          compared += run(spec, catalog, config, spark, dir.resolve("s" + seed + "v" + v), mine);
          mine.stream()
              .limit(10)
              .forEach(
                  b ->
                      bad.add(
                          "seed "
                              + spec.seed
                              + " "
                              + spec.view.name()
                              + " (-Dquiver.fuzz.seed="
                              + spec.seed
                              + " -Dquiver.fuzz.seeds=1): "
                              + b));
        }
      }
    } finally {
      spark.stop();
    }
    System.out.printf(
        "SparkFuzzDifferentialITCase: seeds %d..%d, %d values compared%n",
        first, first + seeds - 1, compared);
    assertThat(bad)
        .as("%d disagreements, first ones:%n%s", bad.size(), String.join("\n", bad))
        .isEmpty();
    assertThat(compared).isGreaterThan(1000 * seeds);
  }

  /** One view: its table, then both engines' training sets against the reference. */
  private static int run(
      Spec spec,
      Catalog catalog,
      QuiverConfig config,
      SparkSession spark,
      Path dir,
      List<String> bad)
      throws Exception {
    // the log as Kafka would hold it: offsets per partition, increasing write times
    Map<Integer, Long> next = new HashMap<>();
    long written = spec.anchor + 60_000;
    for (Ev e : spec.log) {
      e.offset = next.merge(e.partition, 1L, Long::sum) - 1;
      e.kafkaTs = written++;
    }
    List<Ev> accepted = spec.accepted(spec.latenessCut());
    if (spec.tumbling()) {
      accepted = spec.windows(accepted, spec.windowCut(false));
    }
    Table table = OfflineTables.ensureTable(catalog, spec.view, spec.keys);
    for (int c = 0; c < 3; c++) {
      OfflineWriter w = new OfflineWriter(table);
      for (int i = c; i < accepted.size(); i += 3) {
        w.add(w.record(FuzzViews.row(spec, accepted.get(i), true)));
      }
      w.commit(Map.of());
    }
    assertThat(rows(table))
        .as("the offline table of %s", spec.view.name())
        .isEqualTo(expectedRows(spec, accepted, true));

    List<List<Object>> keys = spec.entityKeys(accepted);
    TreeSet<Long> times = spec.sampleTimes(accepted, new TreeSet<>());
    long firstWrite = spec.log.get(0).kafkaTs;
    long lastWrite = written - 1;
    TreeSet<Long> writeTimes = new TreeSet<>(List.of(firstWrite - 1, lastWrite, lastWrite + 1));
    Random r = new Random(spec.seed);
    for (int i = 0; i < 4; i++) {
      writeTimes.add(r.nextLong(firstWrite, lastWrite + 1));
    }
    int compared = 0;
    for (boolean guard : new boolean[] {false, true}) {
      Set<Long> at = guard ? writeTimes : times;
      Map<String, List<Map<String, Object>>> got =
          trainingSets(spec, catalog, config, spark, keys, at, guard, dir.resolve("g" + guard));
      for (List<Object> key : keys) {
        for (long t : at) {
          String id = key + "@" + t;
          List<Ev> usable = spec.usable(accepted, t);
          if (guard) {
            usable = usable.stream().filter(e -> e.kafkaTs <= t).toList();
          }
          List<Map<String, Object>> engines = got.get(id);
          for (Feature f : spec.view.features()) {
            Object want = spec.expected(usable, key, f, t);
            for (int engine = 0; engine < 2; engine++) {
              Object value = engines.get(engine).get(f.name());
              compared++;
              if (!spec.agree(f, value, want, usable, key, t)) {
                bad.add(
                    (engine == 0 ? "spark" : "flink")
                        + (guard ? " (guard on) " : " ")
                        + id
                        + " "
                        + f.name()
                        + ": got "
                        + value
                        + ", expected "
                        + want);
              }
            }
          }
        }
      }
    }
    System.out.printf(
        "SparkFuzzDifferentialITCase %s: %d rows, %d keys x %d times, %d values compared%n",
        spec.view.name(), accepted.size(), keys.size(), times.size(), compared);
    return compared;
  }

  /**
   * The training set of labels (every key at every time) on Spark and on Flink: per {@code key@t},
   * the features' values of each engine (Spark first), as plain values.
   */
  private static Map<String, List<Map<String, Object>>> trainingSets(
      Spec spec,
      Catalog catalog,
      QuiverConfig config,
      SparkSession spark,
      List<List<Object>> keys,
      Set<Long> times,
      boolean guard,
      Path dir) {
    FuzzViews.Labels labelSet = FuzzViews.labels(spec, keys, times);
    Schema schema = labelSet.schema();
    List<Record> labels = labelSet.rows();
    List<String> ids = labelSet.ids();
    Path labelFile = dir.resolve("labels").resolve("labels.parquet");
    TrainingSetFiles.write(schema, labelFile, labels);
    FeatureSelection sel = new FeatureSelection(spec.view, List.of(), spec.keys);
    TrainingSetRequest request =
        new TrainingSetRequest(
            List.of(sel),
            LabelSource.of(labelFile.toString(), "label_ts"),
            null,
            dir.resolve("out").toString(),
            guard,
            Map.of());
    Map<String, List<Map<String, Object>>> out = new HashMap<>();
    List<Row> sparkRows =
        new SparkTrainingSet(spark, catalog, "quiver_offline").build(request).collectAsList();
    assertThat(sparkRows).hasSize(labels.size());
    for (Row row : sparkRows) {
      Map<String, Object> values = new HashMap<>();
      for (Feature f : spec.view.features()) {
        Object v = row.getAs(sel.column(f.name()));
        if (v instanceof scala.collection.Seq<?> s) {
          v = new ArrayList<>(scala.collection.JavaConverters.seqAsJavaList(s));
        }
        values.put(f.name(), normalize(v));
      }
      out.computeIfAbsent(
              ids.get(((Number) row.getAs("label_id")).intValue()), x -> new ArrayList<>())
          .add(values);
    }
    PointInTimeJoin.Result res =
        new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2)
            .run(
                new TrainingSetRequest(
                    request.features(),
                    request.labels(),
                    null,
                    dir.resolve("flink").toString(),
                    guard,
                    Map.of()));
    List<Record> flinkRows = TrainingSetFiles.read(res.dataFiles());
    assertThat(flinkRows).hasSize(labels.size());
    for (Record row : flinkRows) {
      Map<String, Object> values = new HashMap<>();
      for (Feature f : spec.view.features()) {
        values.put(f.name(), normalize(row.getField(sel.column(f.name()))));
      }
      out.get(ids.get((Integer) row.getField("label_id"))).add(values);
    }
    return out;
  }

  /** Every row of a view table, formatted as {@link FuzzViews#row} formats one, sorted. */
  private static List<String> rows(Table table) throws Exception {
    table.refresh();
    List<String> out = new ArrayList<>();
    try (CloseableIterable<Record> it = IcebergGenerics.read(table).build()) {
      for (Record r : it) {
        Map<String, Object> row = new TreeMap<>();
        for (Types.NestedField c : table.schema().columns()) {
          Object v = r.getField(c.name());
          row.put(c.name(), normalize(v instanceof OffsetDateTime odt ? odt.toInstant() : v));
        }
        out.add(row.toString());
      }
    }
    out.sort(null);
    return out;
  }
}
