package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.ingest.DeadLetterSerializer;
import dev.quiver.jobs.plan.JobPlanner;
import dev.quiver.jobs.plan.MaterializationPlan;
import dev.quiver.jobs.plan.PlannerSettings;
import dev.quiver.jobs.testing.KafkaBroker;
import dev.quiver.jobs.testing.OnlineReference;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka (real KRaft broker) → the materialization job (Flink MiniCluster) → Iceberg on a temp dir
 * and the dead-letter topic, compared with a plain reference computed from the produced log.
 */
class MaterializationITCase {
  static KafkaBroker kafka;

  @TempDir Path tmp;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = KafkaBroker.start();
  }

  @AfterAll
  static void stopKafka() throws Exception {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void onlineOfflineAndDeadLettersEqualTheReference() throws Exception {
    String topic = "txn-embedded";
    kafka.createTopic(topic, 1);
    kafka.createTopic(topic + ".dlq", 1);
    List<Reference.Sent> log = produce(topic, Transactions.generate(1500, 42));
    Reference ref =
        new Reference(
            log, Transactions.WATERMARK_DELAY.toMillis(), Transactions.LATENESS.toMillis());
    assertAdversarial(log, ref);

    FeatureView view = Transactions.view(topic, true, true);
    Path warehouse = tmp.resolve("warehouse");
    QuiverConfig config = config(tmp);
    Map<String, String> online = embedded(tmp.resolve("online"));
    JobClient job = start(view, config, warehouse, online, null);
    try (HadoopCatalog catalog = catalog(warehouse)) {
      Table table = catalog.loadTable(TableIdentifier.of(Namespace.of("default"), "user_txn_v1"));
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> icebergRows(table).size() >= ref.accepted.size());
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> kafka.readAll(topic + ".dlq").size() >= ref.rejected.size());
      job.cancel().get();
      assertThat(icebergRows(table)).isEqualTo(expectedRows(ref));
      assertDeadLetters(topic, log, ref);
    }
    try (OnlineStore store = OnlineStores.open(storeConfig(online))) {
      int compared =
          OnlineReference.assertOnlineEqualsReference(
              store, view, ref.accepted, OnlineReference.readTimes(ref.accepted));
      assertThat(compared).isGreaterThan(1000);
    }
  }

  static Map<String, String> embedded(Path dir) {
    return Map.of("store.online.type", "embedded", "store.online.embedded.path", dir.toString());
  }

  static QuiverConfig storeConfig(Map<String, String> sinkOptions) {
    Map<String, String> m = new java.util.HashMap<>();
    sinkOptions.forEach((k, v) -> m.put(k.substring("store.".length()), v));
    return QuiverConfig.of(m);
  }

  // ---------------------------------------------------------------- helpers

  static void assertAdversarial(List<Reference.Sent> log, Reference ref) {
    long dup = log.size() - ref.rejected.size() - ref.accepted.size();
    long tooLate = ref.rejected.stream().filter(r -> r.reason().equals("too_late")).count();
    long malformed = ref.rejected.size() - tooLate;
    assertThat(dup).as("duplicates").isGreaterThanOrEqualTo(log.size() * 5 / 100);
    assertThat(tooLate).as("too late").isGreaterThan(10);
    assertThat(malformed).as("malformed").isGreaterThan(10);
    long outOfOrder = 0;
    long max = Long.MIN_VALUE;
    for (Reference.Accepted a : ref.accepted) {
      if (a.txn().ts() < max) {
        outOfOrder++;
      }
      max = Math.max(max, a.txn().ts());
    }
    assertThat(outOfOrder).as("accepted out of order").isGreaterThan(ref.accepted.size() / 10);
  }

  static QuiverConfig config(Path tmp) {
    return QuiverConfig.of(
        Map.of(
            JobOptions.KAFKA_BOOTSTRAP.key(), kafka.bootstrapServers(),
            JobOptions.CHECKPOINT_INTERVAL.key(), "1s",
            JobOptions.CHECKPOINT_DIR.key(), tmp.resolve("checkpoints").toString()));
  }

  static HadoopCatalog catalog(Path warehouse) {
    HadoopCatalog c = new HadoopCatalog();
    c.setConf(new org.apache.hadoop.conf.Configuration());
    c.initialize("test", Map.of("warehouse", warehouse.toUri().toString()));
    return c;
  }

  static PlannerSettings settings(Path warehouse, Map<String, String> onlineOptions) {
    return new PlannerSettings(
        !onlineOptions.isEmpty(),
        true,
        onlineOptions,
        "quiver_offline",
        Map.of(
            "type", "iceberg",
            "catalog-type", "hadoop",
            "warehouse", warehouse.toUri().toString()));
  }

  static JobClient start(
      FeatureView view,
      QuiverConfig config,
      Path warehouse,
      Map<String, String> online,
      Path restore)
      throws Exception {
    MaterializationPlan plan =
        new JobPlanner(settings(warehouse, online)).plan(view, Transactions.keys());
    try (HadoopCatalog c = catalog(warehouse)) {
      dev.quiver.offline.OfflineTables.ensureTable(c, view, Transactions.keys());
    }
    StreamExecutionEnvironment env =
        LocalFlink.localEnvironment(LocalFlink.configuration(config, restore, false));
    StreamingPipeline.build(env, plan, config);
    return env.executeAsync("test-" + view.name());
  }

  static List<Reference.Sent> produce(String topic, List<Transactions.Record> records)
      throws Exception {
    List<Reference.Sent> out = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(
            Map.of(
                "bootstrap.servers",
                kafka.bootstrapServers(),
                "acks",
                "all",
                "enable.idempotence",
                "true",
                "max.in.flight.requests.per.connection",
                "1"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      long ts = System.currentTimeMillis();
      List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
      List<Long> times = new ArrayList<>();
      for (Transactions.Record r : records) {
        long kts = ts++;
        sent.add(p.send(new ProducerRecord<>(topic, null, kts, null, r.bytes())));
        times.add(kts);
      }
      for (int i = 0; i < records.size(); i++) {
        out.add(new Reference.Sent(sent.get(i).get().offset(), times.get(i), records.get(i)));
      }
    }
    return out;
  }

  /** Every row, sorted (a list, not a set: a row written twice must show up twice). */
  static List<String> icebergRows(Table table) throws Exception {
    table.refresh();
    List<String> rows = new ArrayList<>();
    if (table.currentSnapshot() == null) {
      return rows;
    }
    try (CloseableIterable<Record> it = IcebergGenerics.read(table).build()) {
      for (Record r : it) {
        rows.add(
            String.join(
                "|",
                String.valueOf(r.getField("user_id")),
                Long.toString(
                    ((OffsetDateTime) r.getField("event_time")).toInstant().toEpochMilli()),
                String.valueOf(r.getField("last_merchant")),
                String.valueOf(r.getField("last_amount")),
                String.valueOf(r.getField("amount_x100")),
                String.valueOf(r.getField("_in_amount")),
                String.valueOf(r.getField("_in_merchant")),
                String.valueOf(r.getField("_seq")),
                Long.toString(
                    ((OffsetDateTime) r.getField("_ingested_at")).toInstant().toEpochMilli())));
      }
    }
    rows.sort(null);
    return rows;
  }

  static List<String> expectedRows(Reference ref) {
    List<String> rows = new ArrayList<>();
    for (Reference.Accepted a : ref.accepted) {
      var t = a.txn();
      rows.add(
          String.join(
              "|",
              t.userId(),
              Long.toString(t.ts()),
              t.merchant(),
              Double.toString(t.amount()),
              Long.toString((long) (t.amount() * 100)),
              Double.toString(t.amount()),
              t.merchant(),
              Long.toString(a.seq()),
              Long.toString(a.ingestedAt())));
    }
    rows.sort(null);
    return rows;
  }

  static void assertDeadLetters(String topic, List<Reference.Sent> log, Reference ref) {
    Map<Long, String> expected = new TreeMap<>();
    ref.rejected.forEach(r -> expected.put(r.offset(), r.reason()));
    Map<Long, String> actual = new TreeMap<>();
    Map<Long, byte[]> bytes = new TreeMap<>();
    List<ConsumerRecord<byte[], byte[]>> letters = kafka.readAll(topic + ".dlq");
    // exactly-once dead letters (transactions committed on checkpoints, read_committed here): one
    // record per rejected offset, even after a restore
    assertThat(letters).as("dead letters, one per rejected record").hasSize(expected.size());
    for (ConsumerRecord<byte[], byte[]> rec : letters) {
      long offset = Long.parseLong(header(rec, DeadLetterSerializer.SOURCE_OFFSET));
      actual.put(offset, header(rec, DeadLetterSerializer.REASON));
      assertThat(header(rec, DeadLetterSerializer.DETAIL)).isNotBlank();
      bytes.put(offset, rec.value());
    }
    assertThat(actual).isEqualTo(expected);
    for (Reference.Sent s : log) {
      if (bytes.containsKey(s.offset())) {
        assertThat(bytes.get(s.offset())).isEqualTo(s.record().bytes());
      }
    }
  }

  static String header(ConsumerRecord<byte[], byte[]> rec, String key) {
    var h = rec.headers().lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
