package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.SpecParser;
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
import dev.quiver.online.EntityFeatures;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.FeatureValue;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.charset.StandardCharsets;
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
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
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
 * <p>{@code -Dquiver.fuzz.seeds=N} runs N seeds (default 3) from {@code -Dquiver.fuzz.seed=S}
 * (default 1); every view runs, and a failure names its seed and view, its YAML and the anchor time
 * ({@code -Dquiver.fuzz.anchor=<epoch ms>} reproduces a run exactly while the anchor is within the
 * view's TTL of now).
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

  // ------------------------------------------------------------ one view

  private int run(Spec spec, Path dir) throws Exception {
    FeatureView view = spec.view;
    String topic = view.source().option("topic");
    harness.kafka().createTopic(topic, spec.partitions);
    harness.kafka().createTopic(topic + ".dlq", 1);
    produce(topic, spec.log);
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
    JobClient job =
        harness.submit(
            MaterializationHarness.jobGraph(
                view, spec.keys, harness.config(dir), warehouse, online, null, false));
    List<String> streamRows;
    List<String> streamRowsWithoutIngestedAt;
    try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
      Table table = catalog.loadTable(OfflineTables.identifier(view));
      try {
        MaterializationHarness.awaitRows(table, accepted.size(), Duration.ofSeconds(120));
        // every record has been read: the rejected ones (malformed, too late) are dead letters
        harness.awaitDeadLetters(
            topic, spec.log.size() - spec.accepted(spec.lateness, true).size());
      } finally {
        MaterializationHarness.stop(job);
      }
      streamRows = rows(table, true);
      streamRowsWithoutIngestedAt = rows(table, false);
    }
    assertThat(streamRows)
        .as("Iceberg rows of the streaming job")
        .isEqualTo(expectedRows(spec, accepted, true));

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
    List<String> backfillRows;
    try {
      new Backfill(bfConfig, bfCatalog)
          .run(
              view,
              spec.keys,
              "kafka",
              Instant.ofEpochMilli(spec.start - Duration.ofDays(1).toMillis()),
              Instant.ofEpochMilli(spec.anchor + Duration.ofDays(1).toMillis()),
              true);
      backfillRows = rows(bfCatalog.loadTable(OfflineTables.identifier(view)), false);
    } finally {
      if (bfCatalog instanceof AutoCloseable c) {
        c.close();
      }
    }
    assertThat(backfillRows)
        .as("Iceberg rows of the backfill (no lateness)")
        .isEqualTo(expectedRows(spec, all, false));
    // every event the stream accepted is a backfill row, but for a dedup key whose first copy the
    // stream dropped as too late (the backfill keeps that first copy)
    Set<Ev> firstCopies = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    firstCopies.addAll(all);
    Set<String> firstCopyRows =
        new HashSet<>(
            expectedRows(spec, accepted.stream().filter(firstCopies::contains).toList(), false));
    List<String> streamed =
        streamRowsWithoutIngestedAt.stream().filter(firstCopyRows::contains).toList();
    assertThat(streamed).hasSize(firstCopyRows.size());
    Set<String> backfillSet = new HashSet<>(backfillRows);
    assertThat(streamed).as("streaming rows in the backfill").allMatch(backfillSet::contains);

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
      assertThat(rows(filesCatalog.loadTable(OfflineTables.identifier(view)), false))
          .as("Iceberg rows of the backfill from Parquet files")
          .isEqualTo(backfillRows);
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

  /** Every row of a view table, each formatted as {@code column=value|...}, sorted. */
  private static List<String> rows(Table table, boolean withIngestedAt) {
    table.refresh();
    List<String> out = new ArrayList<>();
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
        out.add(row.toString());
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    out.sort(null);
    return out;
  }

  private static List<String> expectedRows(Spec spec, List<Ev> events, boolean withIngestedAt) {
    List<String> out = new ArrayList<>();
    for (Ev e : events) {
      Map<String, Object> row = new TreeMap<>();
      for (int i = 0; i < spec.keys.size(); i++) {
        row.put(spec.keys.get(i).name(), normalize(e.key.get(i)));
      }
      row.put(OfflineTables.EVENT_TIME, e.ts);
      for (Feature f : spec.view.features()) {
        if (!f.isAggregation()) {
          row.put(f.name(), normalize(spec.rowValue(f, e)));
        }
      }
      for (String c : spec.inputColumns()) {
        row.put(OfflineTables.INPUT_PREFIX + c, normalize(e.values.get(c)));
      }
      row.put(OfflineTables.SEQ, e.offset);
      if (withIngestedAt) {
        row.put(OfflineTables.INGESTED_AT, e.kafkaTs);
      }
      out.add(row.toString());
    }
    out.sort(null);
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
    List<Types.NestedField> fields = new ArrayList<>();
    fields.add(Types.NestedField.required(1, "label_id", Types.IntegerType.get()));
    int id = 2;
    for (JoinKey k : spec.keys) {
      Type type =
          switch (k.type().scalar()) {
            case INT32 -> Types.IntegerType.get();
            case INT64 -> Types.LongType.get();
            default -> Types.StringType.get();
          };
      fields.add(Types.NestedField.optional(id++, k.name(), type));
    }
    fields.add(Types.NestedField.optional(id, "label_ts", Types.TimestampType.withZone()));
    Schema schema = new Schema(fields);
    List<Record> labels = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (long t : times) {
      for (List<Object> k : keys) {
        GenericRecord r = GenericRecord.create(schema);
        r.setField("label_id", ids.size());
        for (int i = 0; i < spec.keys.size(); i++) {
          r.setField(spec.keys.get(i).name(), k.get(i));
        }
        r.setField("label_ts", OfflineWriter.timestamptz(t));
        labels.add(r);
        ids.add(k + "@" + t);
      }
    }
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

  /** Plain Java values: Long for integers, Double for floats, String, lists of those. */
  static Object normalize(Object v) {
    if (v instanceof List<?> l) {
      return l.stream().map(FuzzDifferentialITCase::normalize).toList();
    }
    if (v instanceof CharSequence cs) {
      return cs.toString();
    }
    if (v instanceof Integer i) {
      return i.longValue();
    }
    if (v instanceof Short i) {
      return i.longValue();
    }
    if (v instanceof Float x) {
      return x.doubleValue();
    }
    if (v instanceof Instant i) {
      return i.toEpochMilli();
    }
    if (v instanceof OffsetDateTime odt) {
      return odt.toInstant().toEpochMilli();
    }
    return v;
  }

  // ------------------------------------------------------------ the generated view and events

  /** One record of the log: its meaning (null key when malformed) and bytes. */
  static final class Ev {
    String id;
    List<Object> key;
    long ts;
    Map<String, Object> values = new HashMap<>();
    byte[] bytes;
    String malformed;
    int partition;
    long offset;
    long kafkaTs;

    Ev copy() {
      Ev e = new Ev();
      e.id = id;
      e.key = key;
      e.ts = ts;
      e.values = values;
      e.bytes = bytes;
      e.malformed = malformed;
      e.partition = partition;
      return e;
    }
  }

  /** A value column of the source. */
  record Col(String name, String type) {}

  static final List<Col> COLUMNS =
      List.of(
          new Col("v_int", "INT32"),
          new Col("v_long", "INT64"),
          new Col("v_double", "FLOAT64"),
          new Col("v_str", "STRING"),
          new Col("v_float", "FLOAT32"),
          new Col("v_bool", "BOOL"),
          new Col("v_time", "TIMESTAMP"));

  static final String[] STRINGS = {
    "a",
    "b",
    "c",
    "d",
    "e",
    "é",
    "ü",
    "Zeta",
    "a,b",
    "x y",
    "",
    "q\"uote",
    "back\\slash",
    "line\nbreak",
    "\uD83D\uDE00",
    "\uFB00",
    "nul\u0000",
    "\u00e9t\u00e9"
  };

  /** A row feature: its YAML and its plain evaluation. */
  record RowFeature(String name, String dtype, String expr, Function<Ev, Object> eval) {}

  static final List<RowFeature> ROW_FEATURES =
      List.of(
          new RowFeature("r_long", "INT64", "v_long", e -> e.values.get("v_long")),
          new RowFeature("v_int", "INT32", null, e -> e.values.get("v_int")),
          new RowFeature(
              "r_upper",
              "STRING",
              "UPPER(v_str)",
              e ->
                  e.values.get("v_str") == null
                      ? null
                      : ((String) e.values.get("v_str")).toUpperCase(Locale.ROOT)),
          new RowFeature(
              "r_dbl2",
              "FLOAT64",
              "v_double * 2",
              e -> e.values.get("v_double") == null ? null : (Double) e.values.get("v_double") * 2),
          new RowFeature(
              "r_ratio",
              "FLOAT64",
              "v_double / v_int",
              e -> {
                Double d = (Double) e.values.get("v_double");
                Integer i = (Integer) e.values.get("v_int");
                return d == null || i == null || i == 0 ? null : d / i;
              }),
          new RowFeature(
              "r_sum2",
              "INT64",
              "CAST(v_int AS BIGINT) + v_long",
              e -> {
                Integer i = (Integer) e.values.get("v_int");
                Long l = (Long) e.values.get("v_long");
                return i == null || l == null ? null : i.longValue() + l;
              }),
          new RowFeature("v_float", "FLOAT32", null, e -> e.values.get("v_float")),
          new RowFeature(
              "r_flag",
              "BOOL",
              "NOT v_bool",
              e -> e.values.get("v_bool") == null ? null : !(Boolean) e.values.get("v_bool")),
          new RowFeature("r_time", "TIMESTAMP", "v_time", e -> e.values.get("v_time")));

  static final class Spec {
    final long seed;
    final String yaml;
    final FeatureView view;
    final List<JoinKey> keys;
    final long tile;
    final long ttl;
    final long delay;
    final long lateness;
    final boolean dedup;
    final long start;
    final long anchor;
    final List<Ev> log;
    final Map<String, RowFeature> rowFeatures;
    final List<List<Object>> entities;
    final int partitions;
    final java.util.function.Predicate<Ev> where;

    private Spec(
        long seed,
        String yaml,
        FeatureView view,
        List<JoinKey> keys,
        boolean dedup,
        long start,
        long anchor,
        List<Ev> log,
        Map<String, RowFeature> rowFeatures,
        List<List<Object>> entities,
        int partitions,
        java.util.function.Predicate<Ev> where) {
      this.seed = seed;
      this.yaml = yaml;
      this.view = view;
      this.keys = keys;
      this.tile = view.tileSize().toMillis();
      this.ttl = view.ttl().toMillis();
      this.delay = view.source().watermarkDelay().toMillis();
      this.lateness = view.allowedLateness().toMillis();
      this.dedup = dedup;
      this.start = start;
      this.anchor = anchor;
      this.log = log;
      this.rowFeatures = rowFeatures;
      this.entities = entities;
      this.partitions = partitions;
      this.where = where;
    }

    /** The events usable offline at t: {@code event_time <= t - availability_delay}. */
    List<Ev> usable(List<Ev> events, long t) {
      long d = view.availabilityDelay().toMillis();
      return d == 0 ? events : events.stream().filter(e -> e.ts <= t - d).toList();
    }

    long latenessCut() {
      return lateness;
    }

    List<Ev> accepted(long lateness) {
      return accepted(lateness, false);
    }

    /**
     * The events the job keeps: the gate (too late when below the highest event time accepted
     * before it − delay − lateness), then dedup (first copy per entity and dedup key); with {@code
     * gateOnly} the events that pass the gate, duplicates included.
     */
    List<Ev> accepted(long lateness, boolean gateOnly) {
      Map<Integer, Long> maxes = new HashMap<>(); // the gate is per partition
      Set<String> seen = new HashSet<>();
      List<Ev> out = new ArrayList<>();
      for (Ev e : log) {
        if (e.malformed != null) {
          continue;
        }
        Long max = maxes.get(e.partition);
        if (max != null && e.ts < max - delay - lateness) {
          continue;
        }
        maxes.put(e.partition, max == null ? e.ts : Math.max(max, e.ts));
        if (gateOnly || !dedup || seen.add(e.key + "\u0000" + e.id)) {
          // a transformation's WHERE filters the deduplicated events
          if (gateOnly || where == null || where.test(e)) {
            out.add(e);
          }
        }
      }
      return out;
    }

    List<String> inputColumns() {
      TreeSet<String> out = new TreeSet<>();
      for (Feature f : view.features()) {
        if (f.isAggregation() && !f.aggregation().column().equals("*")) {
          out.add(f.aggregation().column());
        }
      }
      return List.copyOf(out);
    }

    Object rowValue(Feature f, Ev e) {
      return rowFeatures.get(f.name()).eval().apply(e);
    }

    List<List<Object>> entityKeys(List<Ev> accepted) {
      List<List<Object>> out = new ArrayList<>(entities);
      // a key with no events at all
      List<Object> never = new ArrayList<>();
      for (JoinKey k : keys) {
        never.add(
            switch (k.type().scalar()) {
              case INT32 -> 999;
              case INT64 -> 999_999L;
              default -> "never";
            });
      }
      out.add(never);
      return out;
    }

    /** Sample times: tile ends (into {@code tileEnds}) and any times, for rows and offline. */
    TreeSet<Long> sampleTimes(List<Ev> accepted, TreeSet<Long> tileEnds) {
      Random r = new Random(new java.util.SplittableRandom(seed * 31 + 7).nextLong());
      long min = accepted.stream().mapToLong(e -> e.ts).min().orElse(start);
      long max = accepted.stream().mapToLong(e -> e.ts).max().orElse(anchor);
      TreeSet<Long> out = new TreeSet<>();
      List<Long> windows =
          view.features().stream()
              .filter(Feature::isAggregation)
              .map(f -> f.aggregation().window().toMillis())
              .distinct()
              .toList();
      // tile ends across the events, before the first one, and after the last (decay)
      tileEnds.add(Math.floorDiv(min, tile) * tile - 1);
      for (int i = 0; i < 40; i++) {
        long t = r.nextLong(min, max + 1);
        tileEnds.add(Math.floorDiv(t, tile) * tile + tile - 1);
      }
      for (long w : windows) {
        tileEnds.add(Math.floorDiv(max, tile) * tile + w - 1); // the last tile still in
        tileEnds.add(Math.floorDiv(max, tile) * tile + w + tile - 1); // just out
      }
      // window edges: an event on the tile grid is the first (t = ts + W − 1) or just out
      List<Ev> onGrid = accepted.stream().filter(e -> Math.floorMod(e.ts, tile) == 0).toList();
      for (int i = 0; i < 25 && !onGrid.isEmpty() && !windows.isEmpty(); i++) {
        long ts = onGrid.get(r.nextInt(onGrid.size())).ts;
        long w = windows.get(r.nextInt(windows.size()));
        tileEnds.add(ts + w - 1);
        tileEnds.add(ts + w + tile - 1);
        tileEnds.add(ts - 1);
        tileEnds.add(ts + tile - 1);
      }
      out.addAll(tileEnds);
      // row features: event times, 1 ms before, TTL edges, random times
      for (int i = 0; i < 30 && !accepted.isEmpty(); i++) {
        long ts = accepted.get(r.nextInt(accepted.size())).ts;
        out.add(ts);
        out.add(ts - 1);
        out.add(ts + ttl - 1);
        out.add(ts + ttl);
        out.add(r.nextLong(min - tile, max + 2 * tile));
      }
      return out;
    }

    // ---------------------------------------------------------- the reference

    /** The expected value of {@code f} for {@code key} at {@code t}. */
    Object expected(List<Ev> accepted, List<Object> key, Feature f, long t) {
      List<Ev> mine =
          accepted.stream()
              .filter(e -> e.key.equals(key) && e.ts <= t)
              .sorted(Comparator.comparingLong((Ev e) -> e.ts).thenComparingLong(e -> e.offset))
              .toList();
      if (!f.isAggregation()) {
        if (mine.isEmpty()) {
          return null;
        }
        Ev latest = mine.get(mine.size() - 1);
        return latest.ts <= t - ttl ? null : normalize(rowValue(f, latest));
      }
      long w = f.aggregation().window().toMillis();
      long from = Math.floorDiv(t, tile) * tile + tile - w;
      String col = f.aggregation().column();
      List<Ev> in = mine.stream().filter(e -> e.ts >= from).toList();
      if (col.equals("*")) {
        return (long) in.size();
      }
      List<Object> values = new ArrayList<>();
      for (Ev e : in) {
        if (e.values.get(col) != null) {
          values.add(e.values.get(col));
        }
      }
      int n = values.size();
      return switch (f.aggregation().function()) {
        case COUNT -> (long) n;
        case SUM -> {
          if (values.isEmpty()) {
            yield floating(col) ? (Object) 0.0 : (Object) 0L;
          }
          if (floating(col)) {
            double s = 0;
            for (Object v : values) {
              s += ((Number) v).doubleValue();
            }
            yield s;
          }
          // an INT64 sum beyond the long range is null
          java.math.BigInteger s = java.math.BigInteger.ZERO;
          for (Object v : values) {
            s = s.add(java.math.BigInteger.valueOf(((Number) v).longValue()));
          }
          yield s.bitLength() < 64 ? (Object) s.longValue() : null;
        }
        case AVG -> {
          if (n == 0) {
            yield null;
          }
          double s = 0;
          for (Object v : values) {
            s += ((Number) v).doubleValue();
          }
          yield s / n;
        }
        case STDDEV -> {
          if (n < 2) {
            yield null;
          }
          double s = 0;
          for (Object v : values) {
            s += ((Number) v).doubleValue();
          }
          double mean = s / n;
          double ss = 0;
          for (Object v : values) {
            double d = ((Number) v).doubleValue() - mean;
            ss += d * d;
          }
          yield Math.sqrt(ss / (n - 1));
        }
        case MIN, MAX -> {
          Object best = null;
          for (Object v : values) {
            if (best == null) {
              best = v;
            } else {
              int c = compare(v, best);
              if (f.aggregation().function() == dev.quiver.core.spec.AggregationFunction.MIN
                  ? c < 0
                  : c > 0) {
                best = v;
              }
            }
          }
          yield normalize(best);
        }
        case FIRST -> n == 0 ? null : normalize(values.get(0));
        case LAST -> n == 0 ? null : normalize(values.get(n - 1));
        case LAST_N -> {
          List<Object> out = new ArrayList<>();
          for (int i = n - 1; i >= 0 && out.size() < f.aggregation().n(); i--) {
            out.add(normalize(values.get(i)));
          }
          yield out;
        }
        case COUNT_DISTINCT -> {
          Set<Object> d = new HashSet<>();
          for (Object v : values) {
            // -0.0 is 0.0; a FLOAT32 is its exact FLOAT64 widening
            Object c = v instanceof Float x ? (Object) x.doubleValue() : v;
            d.add(c instanceof Double x && x == 0.0 ? (Object) 0.0 : c);
          }
          yield (long) d.size();
        }
        default -> throw new IllegalArgumentException(f.name());
      };
    }

    private static boolean floating(String column) {
      return column.equals("v_double") || column.equals("v_float");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compare(Object a, Object b) {
      return ((Comparable) a).compareTo(b);
    }

    /**
     * Equal; doubles within 1e-9 of the sum of the magnitudes folded into them (the three sides
     * fold in different orders), count_distinct within 3 × 1.6%.
     */
    boolean agree(Feature f, Object got, Object want, List<Ev> accepted, List<Object> key, long t) {
      if (got instanceof Double x && want instanceof Double y) {
        if (x.equals(y)) {
          return true;
        }
        double scale = 1;
        if (f.isAggregation() && !f.aggregation().column().equals("*")) {
          long w = f.aggregation().window().toMillis();
          long from = Math.floorDiv(t, tile) * tile + tile - w;
          for (Ev e : accepted) {
            Object v = e.values.get(f.aggregation().column());
            if (e.key.equals(key) && e.ts >= from && e.ts <= t && v instanceof Number num) {
              scale += Math.abs(num.doubleValue());
            }
          }
        } else {
          scale = Math.max(1, Math.abs(y));
        }
        return Math.abs(x - y) <= 1e-9 * scale;
      }
      if (f.isAggregation()
          && f.aggregation().function() == dev.quiver.core.spec.AggregationFunction.COUNT_DISTINCT
          && got instanceof Long g
          && want instanceof Long w) {
        return Math.abs(g - w) <= Math.ceil(3 * 0.016 * w);
      }
      return Objects.equals(got, want);
    }

    // ---------------------------------------------------------- generation

    static Spec generate(long seed, int index, long anchor) {
      Random r = new Random(new java.util.SplittableRandom(seed * 1_000_003L + index).nextLong());
      String suffix = seed + "_" + index;
      // tiles, including ones that do not divide an hour
      long[] tiles = {60_000, 90_000, 300_000, 420_000, 600_000, 900_000, 2_700_000, 3_600_000};
      long tile = tiles[r.nextInt(tiles.length)];
      long[] ttls = {
        3 * 3_600_000L, 86_400_000L, 2 * 86_400_000L, 7 * 86_400_000L, 30 * 86_400_000L
      };
      long ttl = ttls[r.nextInt(ttls.length)];
      ttl = Math.max(ttl, 4 * tile);
      // windows: multiples of the tile, up to the TTL
      TreeSet<Long> windowSet = new TreeSet<>();
      long[] candidates = {
        tile,
        2 * tile,
        3 * tile,
        7 * tile,
        13 * tile,
        60 * tile,
        3_600_000L,
        86_400_000L,
        129_600_000L,
        7 * 86_400_000L,
        30 * 86_400_000L
      };
      int nWindows = 2 + r.nextInt(3);
      for (int i = 0; i < 30 && windowSet.size() < nWindows; i++) {
        long w = candidates[r.nextInt(candidates.length)];
        if (w % tile == 0 && w <= ttl) {
          windowSet.add(w);
        }
      }
      windowSet.add(tile);
      List<Long> windows = List.copyOf(windowSet);
      long[] delays = {0, 1_000, 5_000, 30_000, 300_000};
      long delay = delays[r.nextInt(delays.length)];
      long[] latenesses = {0, 10_000, 60_000, 600_000};
      long lateness = latenesses[r.nextInt(latenesses.length)];
      boolean dedup = r.nextInt(3) != 0;
      boolean tsAsLong = r.nextInt(3) == 0;
      // keys: one or two join keys
      List<String[]> keyDefs = new ArrayList<>();
      keyDefs.add(new String[] {"k1", r.nextBoolean() ? "STRING" : "INT64"});
      if (r.nextInt(3) == 0) {
        keyDefs.add(new String[] {"k2", r.nextBoolean() ? "STRING" : "INT32"});
      }
      StringBuilder y = new StringBuilder();
      // two join keys: of one entity, or two entities of one key each
      String entity = "acct_" + suffix;
      boolean twoEntities = keyDefs.size() == 2 && r.nextBoolean();
      List<String> entityNames = new ArrayList<>();
      for (int i = 0; i < keyDefs.size(); i++) {
        if (i == 0 || twoEntities) {
          String name = i == 0 ? entity : "shop_" + suffix;
          entityNames.add(name);
          y.append(i == 0 ? "" : "---\n");
          y.append("kind: entity\nname: ").append(name).append("\njoin_keys:\n");
        }
        String[] k = keyDefs.get(i);
        y.append("  - {name: ").append(k[0]).append(", type: ").append(k[1]).append("}\n");
      }
      String source = "src_" + suffix;
      String topic = "fuzz-" + suffix + "-" + Long.toHexString(anchor);
      y.append("---\nkind: kafka\nname: ").append(source).append("\nschema:\n");
      y.append("  - {name: id, type: STRING}\n");
      for (String[] k : keyDefs) {
        y.append("  - {name: ").append(k[0]).append(", type: ").append(k[1]).append("}\n");
      }
      for (Col c : COLUMNS) {
        y.append("  - {name: ").append(c.name()).append(", type: ").append(c.type()).append("}\n");
      }
      y.append("  - {name: ts, type: ").append(tsAsLong ? "INT64" : "TIMESTAMP").append("}\n");
      y.append("event_time_field: ts\n");
      if (dedup) {
        y.append("dedup_key: id\n");
      }
      y.append("watermark_delay: ").append(dur(delay)).append('\n');
      y.append("options: {topic: ").append(topic).append(", format: json}\n");
      y.append("---\nname: fuzz_").append(suffix).append('\n');
      y.append("entities: [").append(String.join(", ", entityNames)).append("]\n");
      y.append("source: ").append(source).append('\n');
      y.append("ttl: ").append(dur(ttl)).append('\n');
      y.append("tile_size: ").append(dur(tile)).append('\n');
      y.append("allowed_lateness: ").append(dur(lateness)).append('\n');
      long availability = new long[] {0, 0, 0, 1_000, 60_000, 900_000}[r.nextInt(6)];
      if (availability > 0) {
        y.append("availability_delay: ").append(dur(availability)).append('\n');
      }
      y.append("features:\n");
      Map<String, RowFeature> rowFeatures = new LinkedHashMap<>();
      List<RowFeature> rows = new ArrayList<>(ROW_FEATURES);
      java.util.Collections.shuffle(rows, r);
      for (RowFeature f : rows.subList(0, 1 + r.nextInt(3))) {
        rowFeatures.put(f.name(), f);
        y.append("  - name: ")
            .append(f.name())
            .append("\n    dtype: ")
            .append(f.dtype())
            .append('\n');
        if (f.expr() != null) {
          y.append("    expr: '").append(f.expr()).append("'\n");
        }
      }
      String[] functions = {
        "count", "sum", "avg", "min", "max", "stddev", "first", "last", "last_n", "count_distinct"
      };
      int nAggs = 3 + r.nextInt(5);
      for (int i = 0; i < nAggs; i++) {
        String fn = functions[r.nextInt(functions.length)];
        List<Col> ok =
            COLUMNS.stream()
                .filter(
                    c ->
                        switch (fn) {
                          case "sum", "avg", "stddev" ->
                              !List.of("STRING", "BOOL", "TIMESTAMP").contains(c.type());
                          case "min", "max" -> !c.type().equals("BOOL");
                          default -> true;
                        })
                .toList();
        String column =
            fn.equals("count") && r.nextBoolean() ? "*" : ok.get(r.nextInt(ok.size())).name();
        y.append("  - name: a").append(i).append('_').append(fn).append('\n');
        y.append("    aggregation: {column: '").append(column).append("', function: ").append(fn);
        if (fn.equals("last_n")) {
          y.append(", n: ").append(1 + r.nextInt(5));
        }
        // several windows of one function and column share tiles
        List<Long> ws = new ArrayList<>(windows);
        java.util.Collections.shuffle(ws, r);
        ws = ws.subList(0, 1 + r.nextInt(Math.min(2, ws.size())));
        y.append(", windows: [");
        y.append(String.join(", ", ws.stream().sorted().map(Spec::dur).toList()));
        y.append("]}\n");
      }
      // a SQL transformation that filters the events, sometimes
      java.util.function.Predicate<Ev> where = null;
      if (r.nextInt(4) == 0) {
        y.append("transformations:\n  - language: sql\n    code: \"SELECT * FROM ")
            .append(source)
            .append(" WHERE v_int IS NULL OR v_int > -20\"\n");
        where = e -> e.values.get("v_int") == null || (Integer) e.values.get("v_int") > -20;
      }
      String yaml = y.toString();
      FeatureRegistry.SpecBundle bundle =
          SpecParser.parse(yaml, "fuzz_" + suffix + ".yaml").bundle();
      FeatureView view = bundle.views().get(0);
      List<JoinKey> keys = new ArrayList<>();
      for (String name : view.entities()) {
        for (Entity ent : bundle.entities()) {
          if (ent.name().equals(name)) {
            keys.addAll(ent.joinKeys());
          }
        }
      }

      // entities
      int nEntities = 3 + r.nextInt(8);
      List<List<Object>> entities = new ArrayList<>();
      Set<List<Object>> seenKeys = new HashSet<>();
      while (entities.size() < nEntities) {
        List<Object> k = new ArrayList<>();
        for (JoinKey jk : keys) {
          k.add(
              switch (jk.type().scalar()) {
                case INT32 -> r.nextInt(4) - 1;
                case INT64 ->
                    r.nextBoolean() ? (long) r.nextInt(20) : -1_000_000_000_000L - r.nextInt(3);
                default ->
                    r.nextInt(5) == 0
                        ? new String[] {"k\u0000x", "k,1", "é", "k\u0001", " "}[r.nextInt(5)]
                        : "k" + r.nextInt(20);
              });
        }
        if (seenKeys.add(k)) {
          entities.add(List.copyOf(k));
        }
      }

      // event times: from start to anchor, with quiet gaps
      long span =
          Math.min(
              (long) (ttl * 0.7),
              new long[] {2 * 3_600_000L, 10 * 3_600_000L, 2 * 86_400_000L}[r.nextInt(3)]);
      long start = anchor - span;
      int n = 800 + r.nextInt(1200);
      List<long[]> gaps = new ArrayList<>();
      for (int g = 0; g < 2; g++) {
        long gs = start + (long) (r.nextDouble() * span);
        gaps.add(new long[] {gs, gs + (long) (r.nextDouble() * span * 0.25)});
      }
      List<Long> nominal = new ArrayList<>();
      while (nominal.size() < n) {
        long t = start + (long) (r.nextDouble() * span);
        boolean inGap = false;
        for (long[] g : gaps) {
          inGap |= t >= g[0] && t < g[1];
        }
        if (!inGap) {
          nominal.add(t);
        }
      }
      nominal.sort(null);
      // partitions: each entity's events go to one of them (some may stay idle)
      int partitions = 1 + r.nextInt(3);
      Map<List<Object>, Integer> partitionOf = new HashMap<>();
      entities.forEach(k -> partitionOf.put(k, r.nextInt(partitions)));
      List<Ev> log = new ArrayList<>();
      List<Ev> valid = new ArrayList<>();
      Map<Integer, Long> maxes = new HashMap<>();
      long prevNominal = start - 1;
      long prevTs = start;
      for (int i = 0; i < n; i++) {
        long nom = nominal.get(i);
        List<Object> key = entities.get(r.nextInt(entities.size()));
        int partition = partitionOf.get(key);
        Long max = maxes.get(partition);
        long ts = nom;
        double p = r.nextDouble();
        long grid = Math.floorDiv(nom, tile) * tile;
        boolean crossed = grid > prevNominal;
        long bound = delay + lateness;
        if (max != null && p < 0.10) {
          ts = max - (bound == 0 ? 0 : r.nextLong(bound + 1)); // out of order, within the bound
        } else if (max != null && p < 0.13) {
          ts = max - bound - 1 - r.nextLong(2 * tile); // too late
        } else if (max != null && p < 0.14) {
          ts = max - bound; // at the lateness edge: accepted
        } else if (max != null && p < 0.15) {
          ts = max - bound - 1; // 1 ms beyond it: too late
        } else if (p < 0.23) {
          ts = prevTs; // equal timestamps
        } else if (crossed && p < 0.45) {
          ts = grid; // on a tile (window) edge
        } else if (crossed && p < 0.55 && grid - 1 > prevNominal) {
          ts = grid - 1; // 1 ms before it
        }
        prevNominal = nom;
        prevTs = ts;
        Ev e = new Ev();
        e.id = "e" + i;
        e.key = key;
        e.partition = partition;
        e.ts = ts;
        randomValues(r, e);
        e.bytes = json(e, keys, tsAsLong, r);
        if (max == null || ts >= max - bound) {
          maxes.put(partition, max == null ? ts : Math.max(max, ts));
        }
        log.add(e);
        valid.add(e);
        double q = r.nextDouble();
        if (q < 0.06) {
          // a re-sent copy, a little later in the log
          log.add(valid.get(Math.max(0, valid.size() - 1 - r.nextInt(5))).copy());
        } else if (q < 0.08) {
          // the same id and key with another payload (a duplicate only with a dedup key)
          Ev d = e.copy();
          d.values = new HashMap<>();
          randomValues(r, d);
          d.ts = e.ts + (r.nextBoolean() ? 0 : r.nextInt(1000));
          d.bytes = json(d, keys, tsAsLong, r);
          log.add(d);
        } else if (q < 0.10) {
          Ev bad = malformed(r, i, keys, tsAsLong);
          bad.partition = r.nextInt(partitions);
          log.add(bad);
        }
      }
      return new Spec(
          seed,
          yaml,
          view,
          keys,
          dedup,
          start,
          anchor,
          log,
          rowFeatures,
          entities,
          partitions,
          where);
    }

    static void randomValues(Random r, Ev e) {
      e.values.put(
          "v_int",
          r.nextInt(10) == 0
              ? null
              : r.nextInt(20) == 0
                  ? (r.nextBoolean() ? Integer.MAX_VALUE : Integer.MIN_VALUE)
                  : r.nextInt(101) - 50);
      e.values.put(
          "v_long",
          r.nextInt(10) == 0
              ? null
              : r.nextInt(20) == 0
                  ? (r.nextInt(4) == 0 ? 4_000_000_000_000_000_000L : 1_000_000_000_000_000L)
                      * (r.nextBoolean() ? 1 : -1) // sums beyond the long range are null
                  : (long) r.nextInt(2_000_001) - 1_000_000);
      e.values.put(
          "v_double",
          r.nextInt(10) == 0
              ? null
              : r.nextInt(15) == 0
                  ? (r.nextBoolean() ? 0.0 : -0.0)
                  : Math.round(r.nextDouble() * 200_000 - 100_000) / 100.0);
      e.values.put("v_str", r.nextInt(10) == 0 ? null : STRINGS[r.nextInt(STRINGS.length)]);
      e.values.put(
          "v_float",
          r.nextInt(10) == 0
              ? null
              : r.nextInt(15) == 0
                  ? (r.nextBoolean() ? 0.0f : -0.0f)
                  : Math.round(r.nextDouble() * 20_000 - 10_000) / 100.0f);
      e.values.put("v_bool", r.nextInt(10) == 0 ? null : r.nextBoolean());
      e.values.put(
          "v_time",
          r.nextInt(10) == 0 ? null : e.ts - r.nextInt(3) * 86_400_000L + r.nextInt(1000) - 500);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
        new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * The event as JSON (Jackson escapes the strings): an absent value is null too; the event time
     * as epoch millis, or (TIMESTAMP column) ISO-8601 text in UTC or with an offset.
     */
    static byte[] json(Ev e, List<JoinKey> keys, boolean tsAsLong, Random r) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", e.id);
      for (int i = 0; i < keys.size(); i++) {
        m.put(keys.get(i).name(), e.key.get(i));
      }
      for (Col c : COLUMNS) {
        Object v = e.values.get(c.name());
        if (v != null && c.type().equals("TIMESTAMP") && r.nextBoolean()) {
          v = Instant.ofEpochMilli((Long) v).toString();
        }
        if (v != null || r.nextBoolean()) {
          m.put(c.name(), v);
        }
      }
      int form = tsAsLong ? 0 : r.nextInt(4);
      m.put(
          "ts",
          switch (form) {
            case 0 -> (Object) e.ts;
            case 1 ->
                OffsetDateTime.ofInstant(Instant.ofEpochMilli(e.ts), ZoneOffset.ofHours(1))
                    .toString();
            case 2 ->
                OffsetDateTime.ofInstant(
                        Instant.ofEpochMilli(e.ts), ZoneOffset.ofHoursMinutes(-5, -30))
                    .toString();
            default -> Instant.ofEpochMilli(e.ts).toString();
          });
      try {
        return JSON.writeValueAsBytes(m);
      } catch (java.io.IOException x) {
        throw new java.io.UncheckedIOException(x);
      }
    }

    static Ev malformed(Random r, int i, List<JoinKey> keys, boolean tsAsLong) {
      Ev e = new Ev();
      String text =
          switch (r.nextInt(3)) {
            case 0 -> "{\"id\":\"bad" + i + "\", \"k1\": ";
            case 1 -> "{\"id\":\"bad" + i + "\",\"v_long\":1,\"ts\":1}";
            default -> {
              Ev x = new Ev();
              x.id = "bad" + i;
              List<Object> k = new ArrayList<>();
              for (JoinKey jk : keys) {
                k.add(
                    jk.type().scalar() == dev.quiver.core.spec.FeatureType.Scalar.STRING
                        ? "k1"
                        : 1);
              }
              x.key = k;
              x.ts = 0;
              x.values.put("v_long", null);
              String good = new String(json(x, keys, true, r), StandardCharsets.UTF_8);
              yield good.replace("\"ts\":0", "\"v_long_text\":1,\"ts\":0")
                  .replaceAll("\"v_long\":null,?", "")
                  .replace("\"v_long_text\":1", "\"v_long\":\"12\"");
            }
          };
      e.bytes = text.getBytes(StandardCharsets.UTF_8);
      e.malformed = "malformed";
      return e;
    }

    static String dur(long ms) {
      if (ms == 0) {
        return "0s";
      }
      if (ms % 86_400_000L == 0) {
        return ms / 86_400_000L + "d";
      }
      if (ms % 3_600_000L == 0) {
        return ms / 3_600_000L + "h";
      }
      if (ms % 60_000L == 0) {
        return ms / 60_000L + "m";
      }
      return ms / 1000 + "s";
    }
  }
}
