package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.offline.spark.SparkTrainingSet;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark path in local[2] on the same generated log, labels and views as the Flink ITCase: Spark
 * reads the Quiver-layout Iceberg tables unchanged and its training set equals the plain reference
 * row for row, in the same deterministic order (the Flink path is held to the same reference on the
 * same input by PointInTimeJoinITCase).
 */
class SparkTrainingSetITCase {
  @TempDir Path dir;

  @Test
  void sparkTrainingSetEqualsTheReference() {
    Path wh = dir.resolve("warehouse");
    QuiverConfig config = QuiverConfig.of(Map.of("offline.warehouse", wh.toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    FeatureView profile = TestViews.userProfile();
    FeatureView aggs = TestViews.userTxnAggs();
    FeatureView risk = TestViews.merchantRisk();
    EventLog log =
        new EventLog(42)
            .generate(profile, "u", 6, 400)
            .generate(aggs, "u", 6, 600)
            .generate(risk, "m", 4, 300);
    EventLog.write(catalog, profile, log.events, "user_id");
    EventLog.write(catalog, aggs, log.events, "user_id");
    EventLog.write(catalog, risk, log.events, "merchant_id");
    Random rnd = new Random(7);
    List<Record> labels = new ArrayList<>();
    var schema = PointInTimeJoinITCase.labelSchema();
    for (int i = 0; i < 300; i++) {
      long t = EventLog.BASE - 30 * EventLog.MIN + (long) (rnd.nextDouble() * 8 * EventLog.HOUR);
      GenericRecord r = GenericRecord.create(schema);
      r.setField("label_id", i);
      r.setField("user_id", "u" + rnd.nextInt(7));
      r.setField("merchant_id", "m" + rnd.nextInt(5));
      r.setField("ts", OfflineWriter.timestamptz(t));
      r.setField("is_fraud", i % 3 == 0);
      labels.add(r);
    }
    Path labelFile = dir.resolve("labels").resolve("labels.parquet");
    TrainingSetFiles.write(schema, labelFile, labels);

    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("quiver-spark-training-set")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.datetime.java8API.enabled", "true")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.catalog.quiver_offline", "org.apache.iceberg.spark.SparkCatalog")
            .config("spark.sql.catalog.quiver_offline.type", "hadoop")
            .config("spark.sql.catalog.quiver_offline.warehouse", wh.toUri().toString())
            .getOrCreate();
    try {
      for (boolean guard : new boolean[] {true}) {
        TrainingSetRequest req =
            new TrainingSetRequest(
                List.of(
                    FeatureSelection.all(profile),
                    FeatureSelection.all(aggs),
                    FeatureSelection.all(risk)),
                LabelSource.of(labelFile.getParent().toString(), "ts"),
                null,
                dir.resolve("out").toString(),
                guard,
                Map.of());
        List<Row> rows =
            new SparkTrainingSet(spark, catalog, "quiver_offline").build(req).collectAsList();
        assertThat(rows).hasSize(labels.size());
        long prev = Long.MIN_VALUE;
        for (Row row : rows) {
          long t = ((Instant) row.getAs("ts")).toEpochMilli();
          assertThat(t).isGreaterThanOrEqualTo(prev);
          prev = t;
          String user = row.getAs("user_id");
          String merchant = row.getAs("merchant_id");
          String where = "label " + row.getAs("label_id") + " guard=" + guard;
          check(
              row, "user_profile", ReferencePit.values(profile, log.events, user, t, guard), where);
          check(row, "user_txn_aggs", ReferencePit.values(aggs, log.events, user, t, guard), where);
          check(
              row,
              "merchant_risk",
              ReferencePit.values(risk, log.events, merchant, t, guard),
              where);
        }
      }
    } finally {
      spark.stop();
    }
  }

  private static void check(Row row, String view, Map<String, Object> expected, String where) {
    expected.forEach(
        (f, v) -> {
          Object actual = row.getAs(view + "__" + f);
          if (actual instanceof scala.collection.Seq<?> s) {
            actual = scala.collection.JavaConverters.seqAsJavaList(s);
          }
          PitAssert.assertFeature(where + " " + view + "__" + f, actual, v);
        });
  }
}
