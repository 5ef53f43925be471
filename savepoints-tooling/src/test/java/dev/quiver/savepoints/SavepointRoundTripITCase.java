package dev.quiver.savepoints;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.jobs.JobOptions;
import dev.quiver.jobs.LocalFlink;
import dev.quiver.jobs.Materializer;
import dev.quiver.kafka.EmbeddedKafka;
import dev.quiver.offline.OfflineTables;
import dev.quiver.online.EntityFeatures;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.FeatureValue;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The savepoint tooling against a real view job on a Flink MiniCluster (through its REST endpoint)
 * reading a real Kafka broker: a stop-with-savepoint mid-log, a restore from it, a savepoint of the
 * running job, and the end state equal to a plain reference computed from the events produced
 * (every distinct transaction once in Iceberg, online counts, sums and last values per user). The
 * log has duplicates on both sides of the savepoint, so a dedup state that did not survive it would
 * count some twice; the savepoints' Kafka offsets equal what was produced before each.
 */
class SavepointRoundTripITCase {
  private static final String NS = "default";
  private static final String VIEW = "sp_txn";
  private static final String TOPIC = "sp-txn";
  private static final Instant T0 =
      Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(1));

  private static EmbeddedKafka kafka;
  private static MiniCluster flink;
  private static String rest;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start();
    Configuration conf = LocalFlink.configuration(QuiverConfig.of(Map.of()), null, false);
    conf.setString("taskmanager.numberOfTaskSlots", "4");
    flink =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(4)
                .build());
    flink.start();
    rest = "http://127.0.0.1:" + flink.getRestAddress().get().getPort();
  }

  @AfterAll
  static void stop() throws Exception {
    try (AutoCloseable k = kafka) {
      if (flink != null) {
        flink.close();
      }
    }
  }

  // ------------------------------------------------------------ the view and its events

  record Txn(int i, String user, double amount, long ts) {
    String id() {
      return "t" + i;
    }

    byte[] json() {
      return ("{\"txn_id\":\""
              + id()
              + "\",\"user_id\":\""
              + user
              + "\",\"amount\":"
              + amount
              + ",\"ts\":\""
              + Instant.ofEpochMilli(ts)
              + "\"}")
          .getBytes(StandardCharsets.UTF_8);
    }
  }

  static Txn txn(int i) {
    return new Txn(i, "u" + ((i * 7) % 10), (i % 13) + 1, T0.toEpochMilli() + i * 1000L);
  }

  static FeatureView view() {
    Source source =
        new Source(
            NS,
            "sp_transactions",
            "kafka",
            List.of(
                new SourceField("txn_id", FeatureType.STRING),
                new SourceField("user_id", FeatureType.STRING),
                new SourceField("amount", FeatureType.FLOAT64),
                new SourceField("ts", FeatureType.TIMESTAMP)),
            "ts",
            "txn_id",
            Duration.ofSeconds(5),
            Map.of("topic", TOPIC, "format", "json"));
    List<Feature> features =
        List.of(
            new Feature("last_txn", FeatureType.STRING, "", "txn_id", null, Map.of()),
            new Feature(
                "txn_count_7d",
                FeatureType.INT64,
                "",
                null,
                new Aggregation("*", AggregationFunction.COUNT, Duration.ofDays(7), 0),
                Map.of()),
            new Feature(
                "amount_sum_7d",
                FeatureType.FLOAT64,
                "",
                null,
                new Aggregation("amount", AggregationFunction.SUM, Duration.ofDays(7), 0),
                Map.of()));
    return FeatureView.builder(VIEW)
        .entities(List.of("user"))
        .source(source)
        .features(features)
        .ttl(Duration.ofDays(30))
        .allowedLateness(Duration.ofSeconds(10))
        .tileSize(Duration.ofMinutes(1))
        .build();
  }

  static final List<JoinKey> KEYS = List.of(new JoinKey("user_id", FeatureType.STRING));

  QuiverConfig config() {
    return QuiverConfig.of(
        Map.of(
            JobOptions.KAFKA_BOOTSTRAP.key(),
            kafka.bootstrapServers(),
            JobOptions.CHECKPOINT_INTERVAL.key(),
            "1s",
            JobOptions.CHECKPOINT_DIR.key(),
            tmp.resolve("checkpoints").toString(),
            "online.type",
            "embedded",
            "online.embedded.path",
            tmp.resolve("online").toString(),
            "offline.warehouse",
            tmp.resolve("warehouse").toString()));
  }

  /** Builds the job as quiver materialize does, named as it names it, and submits it. */
  JobID submit(FeatureView view, String restore) throws Exception {
    QuiverConfig config = config();
    Configuration conf =
        LocalFlink.configuration(config, restore == null ? null : Path.of(restore), false);
    if (restore != null) {
      // a savepoint location is a file: URI, which Path.of does not take
      conf.setString("execution.savepoint.path", restore);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    Materializer.build(env, view, KEYS, config);
    StreamGraph sg = env.getStreamGraph();
    sg.setJobName(Materializer.jobName(view));
    JobGraph graph = sg.getJobGraph();
    graph.getJobConfiguration().addAll(conf);
    if (restore != null) {
      graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(restore));
    }
    return flink.submitJob(graph).get().getJobID();
  }

  /** Sends in order, each to its user's partition; returns the next offset per partition. */
  static void produce(List<Txn> txns, Map<Integer, Long> ends) throws Exception {
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
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (Txn t : txns) {
        sent.add(
            p.send(
                new ProducerRecord<>(
                    TOPIC, t.user().hashCode() & 1, null, t.user().getBytes(), t.json())));
      }
      for (Future<RecordMetadata> f : sent) {
        RecordMetadata m = f.get();
        ends.merge(m.partition(), m.offset() + 1, Math::max);
      }
    }
  }

  /** Transactions from..to-1, each i % 25 == 0 sent twice in a row (a producer's retry). */
  static List<Txn> log(int from, int to) {
    List<Txn> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(txn(i));
      if (i % 25 == 0) {
        out.add(txn(i));
      }
    }
    return out;
  }

  static Table table(Catalog catalog) {
    return catalog.loadTable(OfflineTables.identifier(view()));
  }

  void awaitRows(long rows) {
    Catalog catalog = Materializer.openCatalog(config());
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              Table t = table(catalog);
              t.refresh();
              return t.currentSnapshot() != null
                  && Long.parseLong(
                          t.currentSnapshot().summary().getOrDefault("total-records", "0"))
                      >= rows;
            });
  }

  void awaitStatus(JobID job, JobStatus status) {
    await().atMost(Duration.ofSeconds(60)).until(() -> flink.getJobStatus(job).get() == status);
  }

  // ------------------------------------------------------------ the round trip

  @Test
  void stopWithSavepointRestoreAndSavepointAgainEqualTheReference() throws Exception {
    kafka.createTopic(TOPIC, 2);
    kafka.createTopic(TOPIC + ".dlq", 1);
    FeatureView view = view();
    SavepointTrigger trigger =
        new SavepointTrigger(new FlinkRest(rest, Duration.ofSeconds(10)), Duration.ofMillis(200));
    Path savepoints = tmp.resolve("savepoints");
    Map<Integer, Long> ends = new TreeMap<>();

    JobID first = submit(view, null);
    produce(log(0, 200), ends);
    awaitRows(200);
    Map<Integer, Long> firstEnds = Map.copyOf(ends);

    FlinkRest.Job running = trigger.runningJob(NS, VIEW, null);
    assertThat(running.id()).isEqualTo(first.toHexString());
    assertThat(running.name()).isEqualTo("quiver-materialize-default.sp_txn-v1");
    List<String> progress = new ArrayList<>();
    SavepointTrigger.Taken stopped =
        trigger.take(running, savepoints.toString(), true, Duration.ofSeconds(60), progress::add);
    awaitStatus(first, JobStatus.FINISHED);
    assertThat(stopped.location()).contains(savepoints + "/savepoint-");

    StateSnapshot atStop = StateSnapshots.read(stopped.location());
    assertThat(atStop.savepoint()).isTrue();
    assertThat(atStop.owners()).containsExactly("default.sp_txn:v1");
    assertThat(offsets(atStop)).isEqualTo(firstEnds);
    assertThat(atStop.operators()).anyMatch(o -> o.holds().contains("Kafka source offsets"));
    assertThat(atStop.operators()).anyMatch(o -> o.holds().contains("keyed state"));
    assertThat(atStop.stateSize()).isPositive();
    // quiver savepoint inspect --json prints this map
    var json =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(
                new com.fasterxml.jackson.databind.ObjectMapper()
                    .writeValueAsString(atStop.asMap()));
    assertThat(json.path("kind").asText()).isEqualTo("savepoint");
    assertThat(json.path("owners").get(0).asText()).isEqualTo("default.sp_txn:v1");
    Map<Integer, Long> jsonOffsets = new TreeMap<>();
    json.path("kafka_offsets")
        .forEach(o -> jsonOffsets.put(o.path("partition").asInt(), o.path("offset").asLong()));
    assertThat(jsonOffsets).isEqualTo(firstEnds);

    List<StateSnapshot> listed =
        StateSnapshots.list(tmp.resolve("checkpoints").toString(), savepoints.toString(), NS, VIEW)
            .snapshots();
    assertThat(listed).isNotEmpty();
    assertThat(listed.get(0).path()).isEqualTo(atStop.path());
    assertThat(listed).allMatch(s -> s.owners().equals(List.of("default.sp_txn:v1")));
    assertThat(
            StateSnapshots.list(
                    tmp.resolve("checkpoints").toString(), savepoints.toString(), NS, "other")
                .snapshots())
        .isEmpty();

    // the second half re-sends the last transactions before the savepoint (within the lateness):
    // only the restored dedup keys keep them from being counted twice
    List<Txn> second = new ArrayList<>();
    for (int i = 190; i < 200; i++) {
      second.add(txn(i));
    }
    second.addAll(log(200, 400));
    produce(second, ends);
    JobID restored = submit(view, stopped.location());
    awaitRows(400);
    awaitStatus(restored, JobStatus.RUNNING);

    // a savepoint Flink cannot write fails with Flink's reason, and the job keeps running
    Path notADirectory = Files.writeString(tmp.resolve("a-file"), "x");
    FlinkRest.Job again = trigger.runningJob(NS, VIEW, "v1");
    assertThatThrownBy(
            () ->
                trigger.take(
                    again,
                    notADirectory.resolve("sub").toString(),
                    false,
                    Duration.ofSeconds(60),
                    progress::add))
        .isInstanceOf(SavepointException.class)
        .hasMessageContaining("the savepoint of quiver-materialize-default.sp_txn-v1")
        .hasMessageContaining("failed: ")
        .hasMessageContaining("Check that the JobManager can write")
        .extracting(e -> ((SavepointException) e).kind())
        .isEqualTo(SavepointException.Kind.FAILED);
    assertThat(flink.getJobStatus(restored).get()).isEqualTo(JobStatus.RUNNING);

    SavepointTrigger.Taken kept =
        trigger.take(again, savepoints.toString(), false, Duration.ofSeconds(60), progress::add);
    assertThat(flink.getJobStatus(restored).get()).isEqualTo(JobStatus.RUNNING);
    StateSnapshot whileRunning = StateSnapshots.read(kept.location());
    assertThat(offsets(whileRunning)).isEqualTo(ends);
    assertThat(whileRunning.owners()).containsExactly("default.sp_txn:v1");
    assertThat(whileRunning.checkpointId()).isGreaterThan(0);
    flink.cancelJob(restored).get();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> flink.getJobStatus(restored).get().isGloballyTerminalState());

    assertEqualsReference(view, 400);
  }

  private static Map<Integer, Long> offsets(StateSnapshot s) {
    Map<Integer, Long> m = new TreeMap<>();
    for (StateSnapshot.KafkaOffset o : s.offsets()) {
      assertThat(o.topic()).isEqualTo(TOPIC);
      m.put(o.partition(), o.offset());
    }
    return m;
  }

  /** Iceberg rows and online values equal the plain reference of transactions 0..n-1. */
  private void assertEqualsReference(FeatureView view, int n) throws Exception {
    List<String> expectedRows = new ArrayList<>();
    Map<String, Long> counts = new TreeMap<>();
    Map<String, Double> sums = new TreeMap<>();
    Map<String, String> last = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      Txn t = txn(i);
      expectedRows.add(t.user() + "|" + t.id() + "|" + t.ts());
      counts.merge(t.user(), 1L, Long::sum);
      sums.merge(t.user(), t.amount(), Double::sum);
      last.put(t.user(), t.id()); // event times increase with i
    }
    expectedRows.sort(null);

    List<String> rows = new ArrayList<>();
    Table table = table(Materializer.openCatalog(config()));
    table.refresh();
    try (CloseableIterable<Record> it = IcebergGenerics.read(table).build()) {
      for (Record r : it) {
        Object ts = r.getField(OfflineTables.EVENT_TIME);
        long millis =
            ts instanceof java.time.OffsetDateTime o
                ? o.toInstant().toEpochMilli()
                : ((java.time.LocalDateTime) ts).toInstant(java.time.ZoneOffset.UTC).toEpochMilli();
        rows.add(r.getField("user_id") + "|" + r.getField("last_txn") + "|" + millis);
      }
    }
    rows.sort(null);
    assertThat(rows).isEqualTo(expectedRows);

    try (OnlineStore store =
        OnlineStores.open(
            QuiverConfig.of(
                Map.of(
                    "online.type",
                    "embedded",
                    "online.embedded.path",
                    tmp.resolve("online").toString())))) {
      List<String> users = List.copyOf(counts.keySet());
      List<byte[]> keys = new ArrayList<>();
      users.forEach(u -> keys.add(EntityKeyCodec.encode(KEYS, List.of(u))));
      List<EntityFeatures> got =
          new FeatureReader(store, Clock.systemUTC())
              .read(
                  view,
                  List.of("last_txn", "txn_count_7d", "amount_sum_7d"),
                  keys,
                  System.currentTimeMillis())
              .get();
      for (int i = 0; i < users.size(); i++) {
        Map<String, FeatureValue> f = got.get(i).features();
        String u = users.get(i);
        assertThat(f.get("txn_count_7d").value()).as(u + " txn_count_7d").isEqualTo(counts.get(u));
        assertThat(f.get("amount_sum_7d").value()).as(u + " amount_sum_7d").isEqualTo(sums.get(u));
        assertThat(f.get("last_txn").value()).as(u + " last_txn").isEqualTo(last.get(u));
      }
    }
  }

  // ------------------------------------------------------------ errors

  @Test
  void noSuchJobAndUnreachableClusterNameTheFix() throws Exception {
    SavepointTrigger trigger =
        new SavepointTrigger(new FlinkRest(rest, Duration.ofSeconds(10)), Duration.ofMillis(200));
    assertThatThrownBy(() -> trigger.runningJob(NS, "nosuch", null))
        .isInstanceOf(SavepointException.class)
        .hasMessageContaining("no running job of default.nosuch on the Flink cluster at " + rest)
        .hasMessageContaining("start it with quiver materialize default.nosuch")
        .extracting(e -> ((SavepointException) e).kind())
        .isEqualTo(SavepointException.Kind.NOT_FOUND);

    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    SavepointTrigger nowhere =
        new SavepointTrigger(
            new FlinkRest("http://127.0.0.1:" + closed, Duration.ofSeconds(5)),
            Duration.ofMillis(200));
    assertThatThrownBy(() -> nowhere.runningJob(NS, VIEW, null))
        .isInstanceOf(SavepointException.class)
        .hasMessageContaining("cannot reach Flink's REST endpoint at http://127.0.0.1:" + closed)
        .hasMessageContaining("--flink URL")
        .extracting(e -> ((SavepointException) e).kind())
        .isEqualTo(SavepointException.Kind.UNREACHABLE);

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> StateSnapshots.read(empty.toString()))
        .isInstanceOf(SavepointException.class)
        .hasMessageContaining(empty + ": no checkpoint or savepoint there")
        .extracting(e -> ((SavepointException) e).kind())
        .isEqualTo(SavepointException.Kind.NOT_FOUND);
  }
}
