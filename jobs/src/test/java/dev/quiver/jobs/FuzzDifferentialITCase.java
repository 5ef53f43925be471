package dev.quiver.jobs;

import static dev.quiver.offline.fuzz.FuzzViews.expectedRows;
import static dev.quiver.offline.fuzz.FuzzViews.normalize;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.offline.Backfill;
import dev.quiver.offline.FeatureSelection;
import dev.quiver.offline.LabelSource;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineTables;
import dev.quiver.offline.OfflineWriter;
import dev.quiver.offline.PointInTimeJoin;
import dev.quiver.offline.TrainingSetFiles;
import dev.quiver.offline.TrainingSetRequest;
import dev.quiver.offline.fuzz.FuzzViews;
import dev.quiver.offline.fuzz.FuzzViews.Ev;
import dev.quiver.offline.fuzz.FuzzViews.Restart;
import dev.quiver.offline.fuzz.FuzzViews.Spec;
import dev.quiver.online.EntityFeatures;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.FeatureValue;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded, randomized differential test of every materialization path against a plain reference
 * written here. Each seed generates two feature views as YAML (parsed and validated like {@code
 * quiver apply}): random tile sizes (also ones that do not divide an hour), windows from one tile
 * to 30 days, TTL, watermark delay, allowed lateness, availability delay, with or without a dedup
 * key, one or two join keys (STRING, INT64, INT32; of one entity or two), row features with SQL
 * expressions, random aggregations (count, sum, avg, min, max, stddev, first, last, last_n,
 * count_distinct) over INT32, INT64, FLOAT32, FLOAT64, STRING, BOOL and TIMESTAMP columns with
 * nulls, and sometimes a SQL transformation with a WHERE. Each view gets a log over one to three
 * partitions (an entity's events in one) with duplicates (same bytes, and same key with another
 * payload), out-of-order events within and beyond the lateness bound, events exactly at the
 * lateness edge, equal timestamps, events on tile (window) edges, long quiet gaps, zero, -0.0,
 * negative and long-overflowing values, escaped, NUL and non-BMP strings (in keys too), event times
 * as epoch millis or ISO-8601 with offsets, and malformed records.
 *
 * <p>The real streaming job (KRaft broker → Flink MiniCluster → embedded online store, or HBase
 * with {@code -Dquiver.fuzz.online=hbase}, + Iceberg on a temp dir) runs until it has caught up,
 * then these must agree with the reference:
 *
 * <ol>
 *   <li>the Iceberg rows of the streaming job (every column, {@code _seq} and {@code
 *       _ingested_at});
 *   <li>the backfill's rows (same SQL in Flink batch mode, from the Kafka offset range, into an
 *       empty warehouse, with {@code --online} into an empty store): the reference without
 *       lateness, and equal to the streaming rows on every event the stream accepted; and a
 *       backfill of the same history as Parquet files (offset and partition columns): the same
 *       rows;
 *   <li>the streaming job's and the backfill's online stores at sampled t ({@code as_of}; window
 *       aggregations only at tile ends {@code k·s − 1}, where an as_of read is exact,
 *       docs/online-store.md), and the streaming one at now (no as_of);
 *   <li>the training set ({@link PointInTimeJoin}, guard off) at every sampled (key, t), including
 *       the nulls of nothing-yet and expired, and a key with no events; and with the availability
 *       guard on at times during and after the log's writes (only events written by t count).
 * </ol>
 *
 * <p>The window rule is the documented one (docs/materialization.md): {@code a(t) ≤ event_time ≤
 * t}, {@code a(t) = floor(t/s)·s + s − W}; row features are the newest event with {@code event_time
 * ≤ t} (ties: higher offset) and null when {@code event_time ≤ t − ttl}; offline, only events with
 * {@code event_time ≤ t − availability_delay}. Doubles are compared within 1e-9 of the sum of the
 * magnitudes folded, count_distinct within three times the sketch's stated error (1.6%).
 *
 * <p>One view in three is a tumbling-window view (a SQL transformation {@code GROUP BY} the join
 * keys and {@code TUMBLE(ts, ...)}, with and without a WHERE; docs/materialization.md): its rows
 * are the windows of the accepted events, one per entity and window at the window's end, with the
 * largest {@code _seq} and {@code _ingested_at} of its events; the stream emits those ending by its
 * final watermark (the backfill every one), and a row feature's rule (newest row at or before t,
 * TTL, availability) reads them. One view in three has its streaming job interrupted partway
 * through the log ({@link Restart}): task manager terminated, or stopped and restored from its last
 * checkpoint (an event view as a compatible revision); the end state must equal the same reference,
 * nothing lost or counted twice. One event view in six gets a new major ({@code v2}, its last
 * feature dropped) started beside it once half the log is in: v2 reads the topic from the start, so
 * its own table and online store must equal the reference for its features, and v1 passes every
 * check as before. The generator and the reference are {@link dev.quiver.offline.fuzz.FuzzViews}
 * (iceberg-tables' tests), which {@code SparkFuzzDifferentialITCase} holds the Spark training-set
 * path to as well.
 *
 * <p>{@code -Dquiver.fuzz.seeds=N} runs N seeds (default 3) from {@code -Dquiver.fuzz.seed=S}
 * (default 1); every view runs, and a failure names its seed and view, its YAML and the anchor time
 * ({@code -Dquiver.fuzz.anchor=<epoch ms>} reproduces a run exactly while the anchor is within the
 * view's TTL of now); {@code -Dquiver.fuzz.restart=none|failure|restore}, {@code
 * -Dquiver.fuzz.tumble=always|never}, {@code -Dquiver.fuzz.major=always|never} and {@code
 * -Dquiver.fuzz.tumble-partitions=many} (several partitions, each window closing only after the 30
 * s source idle timeout) fix the variants.
 */
class FuzzDifferentialITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  @TempDir Path tmp;

  private static final int VIEWS_PER_SEED = 2;

  private dev.quiver.online.hbase.HBaseMiniClusterFixture hbase;

  @Test
  void everyPathAgreesWithThePlainReference() throws Exception {
    long first = Long.getLong("quiver.fuzz.seed", 1L);
    int seeds = Integer.getInteger("quiver.fuzz.seeds", 3);
    long anchor =
        Long.getLong(
            "quiver.fuzz.anchor",
            Instant.now()
                .minus(Duration.ofMinutes(2))
                .truncatedTo(java.time.temporal.ChronoUnit.MINUTES)
                .toEpochMilli());
    int compared = 0;
    List<AssertionError> failures = new ArrayList<>();
    warmUpIcebergWrites();
    // -Dquiver.fuzz.online=hbase: the streaming job writes to a real HBase (mini-cluster) instead
    if ("hbase".equals(System.getProperty("quiver.fuzz.online"))) {
      String tmpdir = System.getProperty("java.io.tmpdir");
      hbase = dev.quiver.online.hbase.HBaseMiniClusterFixture.start();
      System.setProperty("java.io.tmpdir", tmpdir); // as HBaseMaterializationITCase does
    }
    for (long seed = first; seed < first + seeds; seed++) {
      for (int v = 0; v < VIEWS_PER_SEED; v++) {
        Spec spec = Spec.generate(seed, v, anchor);
        System.out.printf("FuzzDifferentialITCase seed %d view %d:%n%s", seed, v, spec.yaml);
        try {
          compared += run(spec, tmp.resolve("s" + seed + "v" + v));
        } catch (Throwable e) {
          AssertionError failure =
              new AssertionError(
                  "fuzz seed "
                      + seed
                      + " view "
                      + v
                      + " (reproduce: -Dquiver.fuzz.seed="
                      + seed
                      + " -Dquiver.fuzz.seeds=1 -Dquiver.fuzz.anchor="
                      + anchor
                      + ")\n"
                      + spec.yaml
                      + "\n"
                      + e.getMessage(),
                  e);
          String m = failure.getMessage();
          System.out.println(
              "FuzzDifferentialITCase FAILED: " + m.substring(0, Math.min(m.length(), 6000)));
          failures.add(failure);
        }
      }
    }
    System.out.printf(
        "FuzzDifferentialITCase: seeds %d..%d, %d views, %d values compared%n",
        first, first + seeds - 1, seeds * VIEWS_PER_SEED, compared);
    if (hbase != null) {
      hbase.close();
    }
    if (!failures.isEmpty()) {
      AssertionError all =
          new AssertionError(
              failures.size()
                  + " of "
                  + seeds * VIEWS_PER_SEED
                  + " views failed; the first:\n"
                  + failures.get(0).getMessage(),
              failures.get(0));
      failures.subList(1, failures.size()).forEach(all::addSuppressed);
      throw all;
    }
  }

  /**
   * Writes and commits one row of a scratch Iceberg table in this JVM. The MiniCluster's tasks run
   * in this JVM too: a task manager terminated ({@link Restart#FAILURE}) while one of its tasks
   * initializes a class for the first time (Iceberg's Avro manifest classes, at a job's first
   * commit) leaves that class unusable for the rest of the JVM ("NoClassDefFoundError: Could not
   * initialize class org.apache.iceberg.shaded.org.apache.avro.LogicalTypes"), and every later
   * commit of every job fails. Initialized here first, they cannot be.
   */
  private void warmUpIcebergWrites() throws Exception {
    try (HadoopCatalog catalog = MaterializationHarness.catalog(tmp.resolve("warm-up"))) {
      Table table =
          catalog.createTable(
              org.apache.iceberg.catalog.TableIdentifier.of("warm", "up"),
              new Schema(Types.NestedField.optional(1, "x", Types.LongType.get())),
              org.apache.iceberg.PartitionSpec.unpartitioned());
      OfflineWriter w = new OfflineWriter(table);
      w.add(w.record(Map.of("x", 1L)));
      w.commit(Map.of());
    }
  }

  // ------------------------------------------------------------ one view

  private int run(Spec spec, Path dir) throws Exception {
    FeatureView view = spec.view;
    String topic = view.source().option("topic");
    harness.kafka().createTopic(topic, spec.partitions);
    harness.kafka().createTopic(topic + ".dlq", 1);
    List<Ev> accepted = spec.accepted(spec.latenessCut());
    List<Ev> all = spec.accepted(Long.MAX_VALUE / 4);

    // the streaming job, until Iceberg holds every accepted event
    Path warehouse = dir.resolve("warehouse");
    Map<String, String> online = MaterializationHarness.embedded(dir.resolve("online"));
    if (hbase != null) {
      Map<String, String> options = new LinkedHashMap<>();
      hbase
          .config("fuzz_" + dir.getFileName())
          .asMap()
          .forEach((k, v) -> options.put("store." + k, v));
      online = options;
    }
    QuiverConfig jobConfig = harness.config(dir);
    if (spec.tumbling() && spec.partitions == 1) {
      // one partition: no other to wait for at the start, windows close as the events arrive
      jobConfig = jobConfig.with(JobOptions.SOURCE_IDLE_TIMEOUT.key(), "0s");
    }
    JobClient job;
    // a new major (v2, one feature dropped) started beside v1 once half the log is in: it reads
    // the topic from the start (docs/operations.md), so it must hold the whole reference, and v1
    // must hold it as if v2 did not exist
    Spec major = spec.newMajor() ? spec.withView(newMajor(view)) : null;
    Map<String, String> majorOnline = MaterializationHarness.embedded(dir.resolve("online-v2"));
    JobClient majorJob = null;
    if (major != null) {
      int half = spec.log.size() / 2;
      produce(topic, spec.log.subList(0, half));
      job =
          harness.submit(
              MaterializationHarness.jobGraph(
                  view, spec.keys, jobConfig, warehouse, online, null, false));
      try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
        MaterializationHarness.awaitRows(
            catalog.loadTable(OfflineTables.identifier(view)), 1, Duration.ofSeconds(120));
      }
      majorJob =
          harness.submit(
              MaterializationHarness.jobGraph(
                  major.view, spec.keys, jobConfig, warehouse, majorOnline, null, false));
      produce(topic, spec.log.subList(half, spec.log.size()));
      System.out.printf(
          "FuzzDifferentialITCase %s: v2 started after %d of %d records%n",
          view.name(), half, spec.log.size());
    } else if (spec.restart == Restart.NONE) {
      produce(topic, spec.log);
      job =
          harness.submit(
              MaterializationHarness.jobGraph(
                  view, spec.keys, jobConfig, warehouse, online, null, false));
    } else {
      job = restartMidStream(spec, topic, jobConfig, warehouse, online);
    }
    List<Map<String, Object>> streamRows;
    List<String> streamRowsWithoutIngestedAt;
    try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
      Table table = catalog.loadTable(OfflineTables.identifier(view));
      try {
        if (spec.tumbling()) {
          // every window closed by the smallest partition's cut, then a while for any beyond it
          MaterializationHarness.awaitRows(
              table, spec.windows(accepted, spec.windowCut(false)).size(), Duration.ofSeconds(120));
          Thread.sleep(3000);
        } else {
          MaterializationHarness.awaitRows(table, accepted.size(), Duration.ofSeconds(120));
        }
        // every record has been read: the rejected ones (malformed, too late) are dead letters
        harness.awaitDeadLetters(
            topic, spec.log.size() - spec.accepted(spec.lateness, true).size());
      } finally {
        MaterializationHarness.stop(job);
      }
      streamRows = rowMaps(table, true);
      streamRowsWithoutIngestedAt = rows(table, false);
    }
    if (spec.tumbling()) {
      // the windows the stream closed: those ending by the final watermark, which lies between
      // the smallest and the largest partition cut (partitions fall idle one by one at the end)
      long cut = spec.windowCut(false);
      for (Ev w : spec.windows(accepted, spec.windowCut(true))) {
        if (w.ts > cut
            && rowsDiffer(streamRows, expected(spec, spec.windows(accepted, w.ts), true)) == null) {
          cut = w.ts;
        }
      }
      accepted = spec.windows(accepted, cut);
      all = spec.windows(all, Long.MAX_VALUE);
      System.out.printf(
          "FuzzDifferentialITCase %s: %d windows closed (cut %d, partition cuts %d..%d)%n",
          view.name(), accepted.size(), cut, spec.windowCut(false), spec.windowCut(true));
    }
    assertSameRows("Iceberg rows of the streaming job", streamRows, expected(spec, accepted, true));

    int majorCompared = 0;
    if (major != null) {
      majorCompared = checkNewMajor(major, warehouse, majorOnline, majorJob, accepted);
    }

    // the backfill of the same Kafka range into an empty warehouse: the same SQL, no lateness
    // with --online, into an empty online store (unthrottled here)
    Path bfWarehouse = dir.resolve("warehouse-backfill");
    Map<String, String> bfOnline = MaterializationHarness.embedded(dir.resolve("online-backfill"));
    QuiverConfig bfConfig =
        QuiverConfig.of(
            Map.of(
                "offline.warehouse", bfWarehouse.toString(),
                "kafka.bootstrap-servers", harness.kafka().bootstrapServers(),
                "online.type", "embedded",
                "online.embedded.path", dir.resolve("online-backfill").toString(),
                "offline.backfill.online-rate", "10000000"));
    Catalog bfCatalog = OfflineCatalogs.open(bfConfig);
    List<Map<String, Object>> backfillRows;
    try {
      new Backfill(bfConfig, bfCatalog)
          .run(
              view,
              spec.keys,
              "kafka",
              Instant.ofEpochMilli(spec.start - Duration.ofDays(1).toMillis()),
              Instant.ofEpochMilli(spec.anchor + Duration.ofDays(1).toMillis()),
              true);
      backfillRows = rowMaps(bfCatalog.loadTable(OfflineTables.identifier(view)), false);
    } finally {
      if (bfCatalog instanceof AutoCloseable c) {
        c.close();
      }
    }
    assertSameRows(
        "Iceberg rows of the backfill (no lateness)", backfillRows, expected(spec, all, false));
    if (!spec.tumbling()) {
      // every event the stream accepted is a backfill row, but for a dedup key whose first copy
      // the stream dropped as too late (the backfill keeps that first copy)
      Set<Ev> firstCopies = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      firstCopies.addAll(all);
      Set<String> firstCopyRows =
          new HashSet<>(
              expectedRows(spec, accepted.stream().filter(firstCopies::contains).toList(), false));
      List<String> streamed =
          streamRowsWithoutIngestedAt.stream().filter(firstCopyRows::contains).toList();
      assertThat(streamed).hasSize(firstCopyRows.size());
      Set<String> backfillSet = new HashSet<>(strings(backfillRows));
      assertThat(streamed).as("streaming rows in the backfill").allMatch(backfillSet::contains);
    }

    // the same history as Parquet files of raw events (with offset and partition columns): the
    // same rows as the Kafka range's
    Path raw = dir.resolve("raw").resolve("events.parquet");
    writeRaw(spec, raw);
    QuiverConfig filesConfig =
        QuiverConfig.of(Map.of("offline.warehouse", dir.resolve("warehouse-files").toString()));
    Catalog filesCatalog = OfflineCatalogs.open(filesConfig);
    try {
      new Backfill(filesConfig, filesCatalog)
          .run(
              view,
              spec.keys,
              raw.getParent().toString(),
              Instant.ofEpochMilli(spec.start - Duration.ofDays(1).toMillis()),
              Instant.ofEpochMilli(spec.anchor + Duration.ofDays(1).toMillis()),
              false);
      assertSameRows(
          "Iceberg rows of the backfill from Parquet files",
          rowMaps(filesCatalog.loadTable(OfflineTables.identifier(view)), false),
          backfillRows);
    } finally {
      if (filesCatalog instanceof AutoCloseable c) {
        c.close();
      }
    }

    // online and offline at sampled (key, t)
    List<List<Object>> keys = spec.entityKeys(accepted);
    TreeSet<Long> tileEnds = new TreeSet<>();
    TreeSet<Long> times = spec.sampleTimes(accepted, tileEnds);
    long now = System.currentTimeMillis();
    Map<String, Map<String, Object>> onlineValues = onlineValues(spec, online, keys, times, now);
    Map<String, Map<String, Object>> backfillOnline =
        onlineValues(spec, bfOnline, keys, times, now);
    Map<String, Map<String, Object>> offlineValues =
        offlineValues(spec, warehouse, keys, times, false);
    List<String> bad = new ArrayList<>();
    int compared = 0;
    for (List<Object> key : keys) {
      for (long t : times) {
        String id = key + "@" + t;
        for (Feature f : view.features()) {
          Object want = spec.expected(accepted, key, f, t);
          // offline, an event is usable at t once it is availability_delay old
          List<Ev> usable = spec.usable(accepted, t);
          Object wantOff = spec.expected(usable, key, f, t);
          Object off = offlineValues.get(id).get(f.name());
          compared++;
          if (!spec.agree(f, off, wantOff, usable, key, t)) {
            bad.add("offline " + id + " " + f.name() + ": got " + off + ", expected " + wantOff);
          }
          if (!f.isAggregation() || tileEnds.contains(t)) {
            Object on = onlineValues.get(id).get(f.name());
            compared++;
            if (!spec.agree(f, on, want, accepted, key, t)) {
              bad.add("online as_of " + id + " " + f.name() + ": got " + on + ", expected " + want);
            }
            // the backfill's online store holds every event (no lateness)
            Object wantAll = spec.expected(all, key, f, t);
            Object bf = backfillOnline.get(id).get(f.name());
            compared++;
            if (!spec.agree(f, bf, wantAll, all, key, t)) {
              bad.add(
                  "backfill online as_of "
                      + id
                      + " "
                      + f.name()
                      + ": got "
                      + bf
                      + ", expected "
                      + wantAll);
            }
          }
        }
      }
      String id = key + "@now";
      for (Feature f : view.features()) {
        Object want = spec.expected(accepted, key, f, now);
        Object on = onlineValues.get(id).get(f.name());
        compared++;
        if (!spec.agree(f, on, want, accepted, key, now)) {
          bad.add(
              "online now="
                  + now
                  + " "
                  + key
                  + " "
                  + f.name()
                  + ": got "
                  + on
                  + ", expected "
                  + want);
        }
      }
    }
    // the availability guard: at t, only the events written (Kafka timestamp) by t are usable
    long firstWrite = spec.log.stream().mapToLong(e -> e.kafkaTs).min().orElseThrow();
    long lastWrite = spec.log.stream().mapToLong(e -> e.kafkaTs).max().orElseThrow();
    TreeSet<Long> writeTimes = new TreeSet<>(List.of(firstWrite - 1, lastWrite, lastWrite + 1));
    Random r = new Random(spec.seed);
    for (int i = 0; i < 4; i++) {
      writeTimes.add(r.nextLong(firstWrite, lastWrite + 1));
    }
    Map<String, Map<String, Object>> guarded =
        offlineValues(spec, warehouse, keys, writeTimes, true);
    for (List<Object> key : keys) {
      for (long t : writeTimes) {
        List<Ev> written = spec.usable(accepted, t).stream().filter(e -> e.kafkaTs <= t).toList();
        String id = key + "@" + t;
        for (Feature f : view.features()) {
          Object want = spec.expected(written, key, f, t);
          Object off = guarded.get(id).get(f.name());
          compared++;
          if (!spec.agree(f, off, want, written, key, t)) {
            bad.add(
                "offline (guard on) "
                    + id
                    + " "
                    + f.name()
                    + ": got "
                    + off
                    + ", expected "
                    + want);
          }
        }
      }
    }
    compared += majorCompared;
    assertThat(bad)
        .as(
            "%d disagreements of %d values, first ones:%n%s",
            bad.size(), compared, String.join("\n", bad.subList(0, Math.min(25, bad.size()))))
        .isEmpty();
    System.out.printf(
        "FuzzDifferentialITCase %s: %d records, %d accepted (%d without lateness), %d keys x %d"
            + " times, %d values compared%n",
        view.name(),
        spec.log.size(),
        accepted.size(),
        all.size(),
        keys.size(),
        times.size(),
        compared);
    return compared;
  }

  /** The view's next major: version {@code v2}, its last feature dropped (a breaking change). */
  private static FeatureView newMajor(FeatureView view) {
    List<Feature> features = new ArrayList<>(view.features());
    features.remove(features.size() - 1);
    return view.toBuilder()
        .version(dev.quiver.core.spec.Version.of(view.version().major() + 1))
        .features(features)
        .build();
  }

  /**
   * The new major's job, once it holds every accepted event: its own Iceberg table and online store
   * equal the reference for its features (online as_of at sampled times, as for v1).
   */
  private static int checkNewMajor(
      Spec major, Path warehouse, Map<String, String> online, JobClient job, List<Ev> accepted)
      throws Exception {
    try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
      Table table = catalog.loadTable(OfflineTables.identifier(major.view));
      try {
        MaterializationHarness.awaitRows(table, accepted.size(), Duration.ofSeconds(120));
      } finally {
        MaterializationHarness.stop(job);
      }
      assertSameRows(
          "Iceberg rows of the new major " + major.view.version(),
          rowMaps(table, true),
          expected(major, accepted, true));
    }
    List<List<Object>> keys = major.entityKeys(accepted);
    TreeSet<Long> tileEnds = new TreeSet<>();
    TreeSet<Long> times = major.sampleTimes(accepted, tileEnds);
    long now = System.currentTimeMillis();
    Map<String, Map<String, Object>> values = onlineValues(major, online, keys, times, now);
    List<String> bad = new ArrayList<>();
    int compared = 0;
    for (List<Object> key : keys) {
      for (long t : times) {
        for (Feature f : major.view.features()) {
          if (f.isAggregation() && !tileEnds.contains(t)) {
            continue;
          }
          Object want = major.expected(accepted, key, f, t);
          Object got = values.get(key + "@" + t).get(f.name());
          compared++;
          if (!major.agree(f, got, want, accepted, key, t)) {
            bad.add(key + "@" + t + " " + f.name() + ": got " + got + ", expected " + want);
          }
        }
      }
    }
    assertThat(bad)
        .as(
            "new major %s online: %d disagreements of %d values, first ones:%n%s",
            major.view.version(),
            bad.size(),
            compared,
            String.join("\n", bad.subList(0, Math.min(25, bad.size()))))
        .isEmpty();
    System.out.printf(
        "FuzzDifferentialITCase %s %s: %d values compared%n",
        major.view.name(), major.view.version(), compared);
    return compared;
  }

  /** The index of the MiniCluster's live task manager (a terminated one stays in its list). */
  private static int taskManager = 0;

  /**
   * Produces the first half of the log, starts the job (with restarts), waits for a checkpoint's
   * commit, then produces the second half slowly on another thread and interrupts the job ({@link
   * Restart}) while a third of it is in Kafka; returns the job that runs on.
   */
  private static JobClient restartMidStream(
      Spec spec, String topic, QuiverConfig config, Path warehouse, Map<String, String> online)
      throws Exception {
    int half = spec.log.size() / 2;
    produce(topic, spec.log.subList(0, half));
    JobClient first =
        harness.submit(
            MaterializationHarness.jobGraph(
                spec.view, spec.keys, config, warehouse, online, null, true));
    // the kill comes after a commit (for a tumbling-window view, after its first windows closed,
    // once the start's idle timeout has passed)
    try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
      Table table = catalog.loadTable(OfflineTables.identifier(spec.view));
      if (spec.tumbling()) {
        try {
          MaterializationHarness.awaitRows(table, 1, Duration.ofSeconds(30));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          System.out.printf(
              "FuzzDifferentialITCase %s: no window closed in the first half%n", spec.view.name());
        }
      } else {
        MaterializationHarness.awaitRows(table, 1, Duration.ofSeconds(120));
      }
    }
    List<Ev> rest = spec.log.subList(half, spec.log.size());
    long after = spec.log.get(half - 1).kafkaTs;
    java.util.concurrent.atomic.AtomicInteger sent =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CompletableFuture<Void> producer =
        java.util.concurrent.CompletableFuture.runAsync(
            () -> {
              try (KafkaProducer<byte[], byte[]> p = harness.producer()) {
                long ts = Math.max(after + 1, System.currentTimeMillis());
                for (int i = 0; i < rest.size(); i += 10) {
                  for (Ev e : rest.subList(i, Math.min(rest.size(), i + 10))) {
                    e.kafkaTs = ts++;
                    e.offset =
                        p.send(new ProducerRecord<>(topic, e.partition, e.kafkaTs, null, e.bytes))
                            .get()
                            .offset();
                    sent.incrementAndGet();
                  }
                  Thread.sleep(25);
                  ts = Math.max(ts, System.currentTimeMillis());
                }
              } catch (Exception e) {
                throw new IllegalStateException("producing the second half of " + topic, e);
              }
            });
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> sent.get() >= rest.size() / 3 || producer.isDone());
    assertThat(producer.isDone()).as("events still arriving when the job is killed").isFalse();
    JobClient job = first;
    if (spec.restart == Restart.FAILURE) {
      harness.flink().terminateTaskManager(taskManager).get();
      harness.flink().startTaskManager();
      taskManager++;
    } else {
      MaterializationHarness.stop(first);
      Path checkpoint = latestCheckpoint(config, first);
      job =
          harness.submit(
              MaterializationHarness.jobGraph(
                  revision(spec.view), spec.keys, config, warehouse, online, checkpoint, true));
    }
    producer.get();
    System.out.printf(
        "FuzzDifferentialITCase %s: %s after %d of %d records%n",
        spec.view.name(), spec.restart, half + rest.size() / 3, spec.log.size());
    return job;
  }

  /**
   * The view that a restore brings up: an event view's compatible revision ({@code v1.1}, one more
   * aggregation, {@code count(*)} over one tile), which shares the major's tables and state and
   * restores its checkpoint; the view's features must then end as if nothing had happened
   * (docs/operations.md, "Restoring after a view change": the new feature is computed from the
   * events the restored job reads, so the reference does not state it). A tumbling-window view's
   * features are its SELECT's, so it is restored unchanged.
   */
  private static dev.quiver.core.spec.FeatureView revision(FeatureView view) {
    if (view.transformations().stream().anyMatch(t -> t.code().contains("TUMBLE"))) {
      return view;
    }
    List<Feature> features = new ArrayList<>(view.features());
    features.add(
        new Feature(
            "rev_count",
            dev.quiver.core.spec.FeatureType.INT64,
            "",
            null,
            new dev.quiver.core.spec.Aggregation(
                "*", dev.quiver.core.spec.AggregationFunction.COUNT, view.tileSize(), 0),
            Map.of()));
    return view.toBuilder()
        .version(new dev.quiver.core.spec.Version(view.version().major(), 1))
        .features(features)
        .build();
  }

  /** The newest completed checkpoint ({@code chk-N} with a {@code _metadata}) of a job. */
  private static Path latestCheckpoint(QuiverConfig config, JobClient job) throws Exception {
    Path jobDir = Path.of(config.get(JobOptions.CHECKPOINT_DIR)).resolve(job.getJobID().toString());
    try (java.util.stream.Stream<Path> dirs = java.nio.file.Files.list(jobDir)) {
      return dirs.filter(p -> p.getFileName().toString().startsWith("chk-"))
          .filter(p -> java.nio.file.Files.exists(p.resolve("_metadata")))
          .max(
              Comparator.comparingInt(
                  p -> Integer.parseInt(p.getFileName().toString().substring(4))))
          .orElseThrow(() -> new AssertionError("no completed checkpoint in " + jobDir));
    }
  }

  /**
   * Produces the log in order, each record to its partition (an entity's events to one partition,
   * as a producer keying by entity does), with increasing Kafka timestamps.
   */
  private static void produce(String topic, List<Ev> log) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = harness.producer()) {
      long ts = System.currentTimeMillis();
      List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
      for (Ev e : log) {
        e.kafkaTs = ts++;
        sent.add(p.send(new ProducerRecord<>(topic, e.partition, e.kafkaTs, null, e.bytes)));
      }
      for (int i = 0; i < log.size(); i++) {
        log.get(i).offset = sent.get(i).get().offset();
      }
    }
  }

  /** The log's well-formed records as a Parquet file of raw events, with offset and partition. */
  private static void writeRaw(Spec spec, Path file) {
    List<Types.NestedField> fields = new ArrayList<>();
    int id = 1;
    for (dev.quiver.core.spec.SourceField f : spec.view.source().schema()) {
      Type type =
          switch (f.type().scalar()) {
            case INT32 -> Types.IntegerType.get();
            case INT64 -> Types.LongType.get();
            case FLOAT32 -> Types.FloatType.get();
            case FLOAT64 -> Types.DoubleType.get();
            case BOOL -> Types.BooleanType.get();
            case TIMESTAMP -> Types.TimestampType.withZone();
            default -> Types.StringType.get();
          };
      fields.add(Types.NestedField.optional(id++, f.name(), type));
    }
    fields.add(Types.NestedField.optional(id++, "offset", Types.LongType.get()));
    fields.add(Types.NestedField.optional(id, "partition", Types.IntegerType.get()));
    Schema schema = new Schema(fields);
    List<Record> records = new ArrayList<>();
    for (Ev e : spec.log) {
      if (e.malformed != null) {
        continue;
      }
      GenericRecord r = GenericRecord.create(schema);
      for (dev.quiver.core.spec.SourceField f : spec.view.source().schema()) {
        Object v =
            switch (f.name()) {
              case "id" -> e.id;
              case "ts" -> e.ts;
              default -> {
                int k = spec.keys.stream().map(JoinKey::name).toList().indexOf(f.name());
                yield k >= 0 ? e.key.get(k) : e.values.get(f.name());
              }
            };
        if (v != null && f.type().scalar() == dev.quiver.core.spec.FeatureType.Scalar.TIMESTAMP) {
          v = OfflineWriter.timestamptz((Long) v);
        }
        r.setField(f.name(), v);
      }
      r.setField("offset", e.offset);
      r.setField("partition", e.partition);
      records.add(r);
    }
    TrainingSetFiles.write(schema, file, records);
  }

  // ------------------------------------------------------------ reading the paths

  /** Equal rows, as {@link #rowsDiffer} compares them. */
  private static void assertSameRows(
      String what, List<Map<String, Object>> got, List<Map<String, Object>> want) {
    String differ = rowsDiffer(got, want);
    if (differ != null) {
      throw new AssertionError(what + ": " + differ);
    }
  }

  /**
   * Null when the rows are equal but for doubles within 1e-9 of their magnitude (a batch sums a
   * window in another order than the stream); otherwise the counts and the first rows each lacks.
   */
  private static String rowsDiffer(List<Map<String, Object>> got, List<Map<String, Object>> want) {
    List<String> g = strings(got);
    List<String> w = strings(want);
    if (g.equals(w)) {
      return null;
    }
    Map<String, List<Map<String, Object>>> extra = new HashMap<>();
    Map<String, Integer> wanted = new HashMap<>();
    w.forEach(x -> wanted.merge(x, 1, Integer::sum));
    for (Map<String, Object> row : got) {
      if (wanted.getOrDefault(row.toString(), 0) > 0) {
        wanted.merge(row.toString(), -1, Integer::sum);
      } else {
        extra.computeIfAbsent(masked(row), k -> new ArrayList<>()).add(row);
      }
    }
    List<String> missing = new ArrayList<>();
    for (Map<String, Object> row : want) {
      if (wanted.getOrDefault(row.toString(), 0) == 0) {
        continue;
      }
      wanted.merge(row.toString(), -1, Integer::sum);
      List<Map<String, Object>> candidates = extra.getOrDefault(masked(row), List.of());
      Map<String, Object> close =
          candidates.stream().filter(x -> closeDoubles(x, row)).findFirst().orElse(null);
      if (close != null) {
        candidates.remove(close);
      } else {
        missing.add(row.toString());
      }
    }
    List<String> unexpected = strings(extra.values().stream().flatMap(List::stream).toList());
    if (missing.isEmpty() && unexpected.isEmpty()) {
      return null;
    }
    missing.sort(null);
    return String.format(
        "%d rows, expected %d; %d missing, first ones:%n%s%n%d unexpected, first ones:%n%s",
        g.size(),
        w.size(),
        missing.size(),
        String.join("\n", missing.subList(0, Math.min(8, missing.size()))),
        unexpected.size(),
        String.join("\n", unexpected.subList(0, Math.min(8, unexpected.size()))));
  }

  private static List<String> strings(List<Map<String, Object>> rows) {
    List<String> out = new ArrayList<>(rows.stream().map(Object::toString).toList());
    out.sort(null);
    return out;
  }

  private static String masked(Map<String, Object> row) {
    Map<String, Object> m = new TreeMap<>(row);
    m.replaceAll((k, v) -> v instanceof Double ? "~" : v);
    return m.toString();
  }

  private static boolean closeDoubles(Map<String, Object> a, Map<String, Object> b) {
    for (Map.Entry<String, Object> e : a.entrySet()) {
      if (e.getValue() instanceof Double x && b.get(e.getKey()) instanceof Double y) {
        if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.max(Math.abs(x), Math.abs(y)))) {
          return false;
        }
      }
    }
    return true;
  }

  private static List<Map<String, Object>> expected(
      Spec spec, List<Ev> events, boolean withIngestedAt) {
    return events.stream().map(e -> FuzzViews.row(spec, e, withIngestedAt)).toList();
  }

  /** Every row of a view table, each formatted as {@code column=value|...}, sorted. */
  private static List<String> rows(Table table, boolean withIngestedAt) {
    return strings(rowMaps(table, withIngestedAt));
  }

  /** Every row of a view table as plain values by column name. */
  private static List<Map<String, Object>> rowMaps(Table table, boolean withIngestedAt) {
    table.refresh();
    List<Map<String, Object>> out = new ArrayList<>();
    if (table.currentSnapshot() == null) {
      return out;
    }
    try (CloseableIterable<Record> it = IcebergGenerics.read(table).build()) {
      for (Record r : it) {
        Map<String, Object> row = new TreeMap<>();
        for (Types.NestedField c : table.schema().columns()) {
          if (!withIngestedAt && c.name().equals(OfflineTables.INGESTED_AT)) {
            continue;
          }
          Object v = r.getField(c.name());
          if (v instanceof OffsetDateTime odt) {
            v = odt.toInstant().toEpochMilli();
          }
          row.put(c.name(), normalize(v));
        }
        out.add(row);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  private static Map<String, Map<String, Object>> onlineValues(
      Spec spec, Map<String, String> options, List<List<Object>> keys, Set<Long> times, long now)
      throws Exception {
    Map<String, Map<String, Object>> out = new HashMap<>();
    List<byte[]> encoded = new ArrayList<>();
    for (List<Object> k : keys) {
      encoded.add(EntityKeyCodec.encode(spec.keys, k));
    }
    List<String> names = spec.view.features().stream().map(Feature::name).toList();
    try (OnlineStore store = OnlineStores.open(MaterializationHarness.storeConfig(options))) {
      List<Long> all = new ArrayList<>(times);
      all.add(null);
      for (Long t : all) {
        FeatureReader reader =
            new FeatureReader(store, Clock.fixed(Instant.ofEpochMilli(now), ZoneOffset.UTC));
        List<EntityFeatures> got = reader.read(spec.view, names, encoded, t).get();
        for (int i = 0; i < keys.size(); i++) {
          Map<String, Object> values = new HashMap<>();
          for (String n : names) {
            FeatureValue v = got.get(i).features().get(n);
            values.put(n, normalize(v == null ? null : v.value()));
          }
          out.put(keys.get(i) + "@" + (t == null ? "now" : t), values);
        }
      }
    }
    return out;
  }

  private static Map<String, Map<String, Object>> offlineValues(
      Spec spec, Path warehouse, List<List<Object>> keys, Set<Long> times, boolean guard)
      throws Exception {
    FuzzViews.Labels labelSet = FuzzViews.labels(spec, keys, times);
    Schema schema = labelSet.schema();
    List<Record> labels = labelSet.rows();
    List<String> ids = labelSet.ids();
    String suffix = guard ? "-guarded" : "";
    Path labelFile = warehouse.resolveSibling("labels" + suffix).resolve("labels.parquet");
    TrainingSetFiles.write(schema, labelFile, labels);
    QuiverConfig cfg = QuiverConfig.of(Map.of("offline.warehouse", warehouse.toString()));
    FeatureSelection sel = new FeatureSelection(spec.view, List.of(), spec.keys);
    PointInTimeJoin.Result res;
    try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
      res =
          new PointInTimeJoin(catalog, OfflineCatalogs.properties(cfg), 2)
              .run(
                  new TrainingSetRequest(
                      List.of(sel),
                      LabelSource.of(labelFile.toString(), "label_ts"),
                      null,
                      warehouse.resolveSibling("training-set" + suffix).toString(),
                      guard,
                      Map.of()));
    }
    List<Record> rows = TrainingSetFiles.read(res.dataFiles());
    assertThat(rows).hasSize(labels.size());
    Map<String, Map<String, Object>> out = new HashMap<>();
    for (Record row : rows) {
      Map<String, Object> values = new HashMap<>();
      for (Feature f : spec.view.features()) {
        values.put(f.name(), normalize(row.getField(sel.column(f.name()))));
      }
      out.put(ids.get((Integer) row.getField("label_id")), values);
    }
    return out;
  }
}
