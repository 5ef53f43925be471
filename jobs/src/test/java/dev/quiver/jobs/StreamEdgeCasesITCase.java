package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.jobs.ingest.DeadLetterSerializer;
import dev.quiver.jobs.testing.IcebergRows;
import dev.quiver.jobs.testing.JobCounters;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.OnlineReference;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.jobs.testing.Transactions.Record;
import dev.quiver.jobs.testing.Transactions.Txn;
import dev.quiver.offline.OfflineTables;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small hand-written logs for the edges the generated adversarial log only hits by chance: the
 * allowed-lateness edge to the millisecond, a repeated dedup key with another payload at the same
 * event time, a Kafka tombstone on a JSON topic, one feature over 1h, 1d, 7d and 30d windows read
 * across eight quiet days, Debezium creates, updates, deletes and tombstones (real null-value
 * records), and a duplicate re-sent after the dedup state TTL, on a real broker.
 */
class StreamEdgeCasesITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  private static final long HOUR = 3_600_000L;
  private static final long DAY = 24 * HOUR;

  @TempDir Path tmp;

  /** The generator's view plus count(*) and sum(amount) over 1h, 1d, 7d and 30d. */
  private static FeatureView longWindowsView(String topic) {
    FeatureView base = Transactions.view(topic, true, true);
    List<Feature> features = new ArrayList<>(base.features());
    for (String w : List.of("1h", "1d", "7d", "30d")) {
      Duration window = dev.quiver.core.spec.Durations.parse(w).orElseThrow();
      if (!w.equals("1h") && !w.equals("7d")) {
        features.add(
            agg("txn_count_" + w, FeatureType.INT64, "*", AggregationFunction.COUNT, window));
      }
      features.add(
          agg("amount_sum_" + w, FeatureType.FLOAT64, "amount", AggregationFunction.SUM, window));
    }
    return base.toBuilder().features(features).build();
  }

  private static Feature agg(
      String name, FeatureType type, String column, AggregationFunction fn, Duration window) {
    return new Feature(name, type, "", null, new Aggregation(column, fn, window, 0), Map.of());
  }

  /**
   * With watermark delay 5 s and allowed lateness 10 s, an event exactly 15 s behind the
   * partition's newest event is accepted and one 15.001 s behind is too late (dead letter and
   * counter); of two events with one dedup key, one event time and different payloads the first
   * wins; a tombstone on a JSON topic is a malformed dead letter that says it is a tombstone, and
   * the job goes on; every window of one feature (1h, 1d, 7d, 30d) equals the plain reference
   * across eight days of events and eight to 29 quiet days after them; and an empty string is a
   * value for count_distinct, last_n and a row feature.
   */
  @Test
  void latenessEdgeDedupPayloadTombstoneAndLongWindowsEqualTheReference() throws Exception {
    String topic = "txn-edges";
    FeatureView view = longWindowsView(topic);
    long d0 = Transactions.T0.toEpochMilli() - 8 * DAY;
    List<Record> log = new ArrayList<>();
    for (int k = 0; k < 39; k++) { // every 5 hours for 8 days
      log.add(Transactions.record(new Txn("w" + k, "w1", "m" + k % 3, k + 0.5, d0 + k * 5 * HOUR)));
      if (k >= 30) {
        log.add(Transactions.record(new Txn("v" + k, "w2", "m9", 2.0 * k, d0 + k * 5 * HOUR + 7)));
      }
    }
    long e = Transactions.T0.toEpochMilli() + HOUR + 30_000;
    long edge = e - Transactions.WATERMARK_DELAY.toMillis() - Transactions.LATENESS.toMillis();
    // an empty string is a value: merchant_distinct (count_distinct, compared exactly) of "", "m1",
    // "" is 2; it was 1 (the sketch ignored empty input). last_merchant and merchant_last3 hold ""
    log.add(Transactions.record(new Txn("blank-0", "blank", "", 1.0, e - 2_000)));
    log.add(Transactions.record(new Txn("blank-1", "blank", "m1", 2.0, e - 1_000)));
    log.add(Transactions.record(new Txn("blank-2", "blank", "", 3.0, e - 500)));
    log.add(Transactions.record(new Txn("late-0", "late", "m1", 1.0, e)));
    log.add(Transactions.record(new Txn("late-edge", "late", "m2", 2.0, edge)));
    int tooLateAt = log.size();
    log.add(Transactions.record(new Txn("late-1ms", "late", "m3", 3.0, edge - 1)));
    log.add(Transactions.record(new Txn("dup", "dup", "first", 1.25, e)));
    log.add(Transactions.record(new Txn("dup", "dup", "second", 9.75, e)));
    int tombstoneAt = log.size();
    log.add(new Record(null, null, "tombstone"));
    log.add(Transactions.record(new Txn("after", "late", "m4", 4.0, e + 1)));

    MaterializationHarness.CaughtUp run =
        harness.catchUp(
            view, log, tmp, MaterializationHarness.embedded(tmp.resolve("online")), true);
    Reference ref = run.reference();
    assertThat(ref.rejected)
        .extracting(Reference.Rejected::reason)
        .containsExactly("too_late", "malformed");
    assertThat(ref.accepted.stream().filter(a -> a.txn().txnId().equals("dup")))
        .singleElement()
        .satisfies(a -> assertThat(a.txn().merchant()).isEqualTo("first"));
    try (HadoopCatalog catalog = MaterializationHarness.catalog(run.warehouse())) {
      assertThat(IcebergRows.read(catalog.loadTable(OfflineTables.identifier(view))))
          .isEqualTo(IcebergRows.expected(ref));
    }

    Map<Long, ConsumerRecord<byte[], byte[]>> letters = new TreeMap<>();
    harness
        .kafka()
        .readAll(topic + ".dlq")
        .forEach(
            r ->
                letters.put(
                    Long.parseLong(
                        MaterializationHarness.header(r, DeadLetterSerializer.SOURCE_OFFSET)),
                    r));
    long tooLateOffset = run.log().get(tooLateAt).offset();
    long tombstoneOffset = run.log().get(tombstoneAt).offset();
    assertThat(letters).containsOnlyKeys(tooLateOffset, tombstoneOffset);
    assertThat(
            MaterializationHarness.header(letters.get(tooLateOffset), DeadLetterSerializer.DETAIL))
        .isEqualTo(
            "event time "
                + Instant.ofEpochMilli(edge - 1)
                + " < watermark "
                + Instant.ofEpochMilli(e - Transactions.WATERMARK_DELAY.toMillis())
                + " - allowed lateness 10000ms (10001ms behind the watermark)");
    ConsumerRecord<byte[], byte[]> tombstone = letters.get(tombstoneOffset);
    assertThat(MaterializationHarness.header(tombstone, DeadLetterSerializer.REASON))
        .isEqualTo("malformed");
    assertThat(MaterializationHarness.header(tombstone, DeadLetterSerializer.DETAIL))
        .isEqualTo(
            "no value (a Kafka tombstone or an empty record; expected: a JSON object, deletes"
                + " are read from a debezium-json source)");
    assertThat(tombstone.value()).isEmpty();

    // the reads: at the end of each event's tile (inside a head tile an as_of read may
    // under-count, online-store.md), then over the quiet days after the last event of each user
    TreeSet<Long> times = new TreeSet<>();
    long tile = Transactions.TILE.toMillis();
    for (Reference.Accepted a : ref.accepted) {
      times.add(Math.floorDiv(a.txn().ts(), tile) * tile + tile - 1);
    }
    long lastW1 = d0 + 38 * 5 * HOUR;
    for (long after : List.of(HOUR, DAY, 7 * DAY, 8 * DAY, 15 * DAY, 29 * DAY)) {
      for (long from : List.of(lastW1, e)) {
        long t = from + after;
        times.addAll(
            List.of(Math.floorDiv(t, tile) * tile - 1, Math.floorDiv(t, tile) * tile + tile - 1));
      }
    }
    try (OnlineStore store =
        OnlineStores.open(
            MaterializationHarness.storeConfig(
                MaterializationHarness.embedded(tmp.resolve("online"))))) {
      int compared =
          OnlineReference.assertOnlineEqualsReference(
              store, view, ref.accepted, List.copyOf(times));
      assertThat(compared).isGreaterThan(1000);
      // not vacuous: eight days after w1's last event its 7d window is empty, its 30d is not
      FeatureReader reader = new FeatureReader(store, Clock.systemUTC());
      var w1 =
          reader
              .read(
                  view,
                  List.of("txn_count_7d", "txn_count_30d", "amount_sum_1d"),
                  List.of(EntityKeyCodec.encode(Transactions.keys(), List.of("w1"))),
                  lastW1 + 8 * DAY)
              .get()
              .get(0)
              .features();
      assertThat(w1.get("txn_count_7d").value()).isEqualTo(0L);
      assertThat(w1.get("txn_count_30d").value()).isEqualTo(39L);
    }
  }

  /**
   * Debezium creates, updates, deletes and the tombstone after a delete (a real null-value Kafka
   * record, with the row's key): creates and updates are events; the delete and the tombstone are
   * dead letters {@code not_materialized}, not malformed, and retract nothing (the row features
   * keep the update's values). The source declares no dedup key, as the guide advises for change
   * events, so the update (same txn_id) counts.
   */
  @Test
  void debeziumDeleteAndTombstoneAreNotMaterializedAndRetractNothing() throws Exception {
    String topic = "txn-cdc";
    FeatureView json = Transactions.view(topic, true, true);
    Source s = json.source();
    FeatureView view =
        json.withSource(
            new Source(
                s.namespace(),
                s.name(),
                s.kind(),
                s.schema(),
                s.eventTimeField(),
                null,
                s.watermarkDelay(),
                Map.of("topic", topic, "format", "debezium-json")));
    harness.createTopics(topic);
    long x = Transactions.T0.toEpochMilli() + 2 * HOUR;
    String c1 = row("c1", "u1", "a", 10.0, x);
    String c1Updated = row("c1", "u1", "b", 20.0, x + 1000);
    List<byte[]> values = new ArrayList<>();
    values.add(envelope("c", "null", c1, x));
    values.add(envelope("u", c1, c1Updated, x + 1000));
    values.add(envelope("d", c1Updated, "null", x + 2000));
    values.add(null); // the tombstone Debezium writes after a delete
    values.add(envelope("c", "null", row("c2", "u2", "c", 5.0, x + 3000), x + 3000));
    try (KafkaProducer<byte[], byte[]> p = harness.producer()) {
      for (int i = 0; i < values.size(); i++) {
        String key = i == 4 ? "u2" : "u1";
        p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), values.get(i)))
            .get();
      }
    }
    Path warehouse = tmp.resolve("warehouse");
    Map<String, String> online = MaterializationHarness.embedded(tmp.resolve("online"));
    JobClient job = harness.start(view, harness.config(tmp), warehouse, online, null);
    try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
      MaterializationHarness.awaitRows(
          catalog.loadTable(OfflineTables.identifier(view)), 3, Duration.ofSeconds(60));
      harness.awaitDeadLetters(topic, 2);
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(JobCounters.of(job.getJobID()))
                      .containsEntry("quiverDeadLetterNotMaterialized", 2L)
                      .containsEntry("quiverDeadLetterMalformed", 0L)
                      .containsEntry("quiverEventsAccepted", 3L));
    } finally {
      MaterializationHarness.stop(job);
    }
    List<ConsumerRecord<byte[], byte[]>> letters = harness.kafka().readAll(topic + ".dlq");
    assertThat(letters)
        .extracting(r -> MaterializationHarness.header(r, DeadLetterSerializer.REASON))
        .containsExactly("not_materialized", "not_materialized");
    assertThat(MaterializationHarness.header(letters.get(0), DeadLetterSerializer.DETAIL))
        .contains("delete");
    assertThat(MaterializationHarness.header(letters.get(1), DeadLetterSerializer.DETAIL))
        .contains("tombstone");
    assertThat(letters.get(1).value()).isEmpty();
    assertThat(new String(letters.get(1).key(), StandardCharsets.UTF_8)).isEqualTo("u1");

    try (OnlineStore store = OnlineStores.open(MaterializationHarness.storeConfig(online))) {
      var u1 =
          new FeatureReader(store, Clock.systemUTC())
              .read(
                  view,
                  List.of("last_merchant", "last_amount", "txn_count_1h"),
                  List.of(EntityKeyCodec.encode(Transactions.keys(), List.of("u1"))),
                  x + 10_000)
              .get()
              .get(0)
              .features();
      assertThat(u1.get("last_merchant").value()).isEqualTo("b");
      assertThat(u1.get("last_amount").value()).isEqualTo(20.0);
      assertThat(u1.get("txn_count_1h").value()).isEqualTo(2L);
    }
  }

  /**
   * Dedup keys live in state with a processing-time TTL (never below twice tile + delay + lateness,
   * here 2 s): a copy re-sent within it is dropped, a copy re-sent after it is counted again, as
   * the guide says. One view with 1 s tiles, no delay and no lateness, and {@code jobs.dedup-ttl:
   * 1s}.
   */
  @Test
  void aDuplicateAfterTheDedupTtlIsCountedAgain() throws Exception {
    String topic = "txn-dedup-ttl";
    FeatureView base = Transactions.view(topic, true, true);
    Source s = base.source();
    FeatureView view =
        base.toBuilder()
            .features(
                base.features().stream()
                    .filter(f -> !f.isAggregation())
                    .collect(java.util.stream.Collectors.toList()))
            .source(
                new Source(
                    s.namespace(),
                    s.name(),
                    s.kind(),
                    s.schema(),
                    s.eventTimeField(),
                    s.dedupKey(),
                    Duration.ZERO,
                    s.options()))
            .allowedLateness(Duration.ZERO)
            .tileSize(Duration.ofSeconds(1))
            .build();
    harness.createTopics(topic);
    Map<String, String> conf = new java.util.HashMap<>(harness.config(tmp).asMap());
    conf.put(JobOptions.DEDUP_TTL.key(), "1s");
    Path warehouse = tmp.resolve("warehouse");
    JobClient job =
        harness.start(
            view,
            dev.quiver.core.config.QuiverConfig.of(conf),
            warehouse,
            MaterializationHarness.embedded(tmp.resolve("online")),
            null);
    long ts = Transactions.T0.toEpochMilli() + 3 * HOUR;
    byte[] copy = Transactions.record(new Txn("again", "u1", "m1", 3.0, ts)).bytes();
    try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse);
        KafkaProducer<byte[], byte[]> p = harness.producer()) {
      var table = catalog.loadTable(OfflineTables.identifier(view));
      p.send(new ProducerRecord<>(topic, copy)).get();
      p.send(new ProducerRecord<>(topic, copy)).get(); // within the TTL: dropped
      MaterializationHarness.awaitRows(table, 1, Duration.ofSeconds(60));
      Thread.sleep(3_000); // past the 2 s TTL (processing time)
      p.send(new ProducerRecord<>(topic, copy)).get();
      MaterializationHarness.awaitRows(table, 2, Duration.ofSeconds(30));
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(JobCounters.of(job.getJobID()))
                      .containsEntry("quiverEventsAccepted", 3L)
                      .containsEntry("quiverDuplicatesDropped", 1L));
      assertThat(IcebergRows.count(table)).isEqualTo(2);
    } finally {
      MaterializationHarness.stop(job);
    }
  }

  private static String row(String txn, String user, String merchant, double amount, long ts) {
    return "{\"txn_id\":\""
        + txn
        + "\",\"user_id\":\""
        + user
        + "\",\"merchant\":\""
        + merchant
        + "\",\"amount\":"
        + amount
        + ",\"ts\":"
        + ts
        + "}";
  }

  private static byte[] envelope(String op, String before, String after, long tsMs) {
    return ("{\"before\":"
            + before
            + ",\"after\":"
            + after
            + ",\"source\":{\"connector\":\"postgresql\",\"ts_ms\":"
            + tsMs
            + "},\"op\":\""
            + op
            + "\",\"ts_ms\":"
            + (tsMs + 5)
            + "}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
