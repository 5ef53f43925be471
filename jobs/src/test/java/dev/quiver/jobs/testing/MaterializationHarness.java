package dev.quiver.jobs.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.JobOptions;
import dev.quiver.jobs.LocalFlink;
import dev.quiver.jobs.StreamingPipeline;
import dev.quiver.jobs.ingest.DeadLetterSerializer;
import dev.quiver.jobs.plan.JobPlanner;
import dev.quiver.jobs.plan.PlannerSettings;
import dev.quiver.offline.OfflineTables;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.Table;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The shared set-up of the jobs' integration tests, as a JUnit extension held in a static field
 * ({@code @RegisterExtension static final MaterializationHarness harness = new
 * MaterializationHarness();}): one real KRaft broker and one Flink MiniCluster per test class,
 * started before its first test and stopped after its last, plus what every scenario does with them
 * — produce a generated log, start the view's job (online store + Iceberg on a temp dir), wait for
 * it to catch up, and compare Iceberg rows, dead letters and online values with the plain {@link
 * Reference}. Each ITCase keeps only its scenario.
 */
public final class MaterializationHarness implements BeforeAllCallback, AfterAllCallback {
  /** Jobs of one class run one after another; a few spare slots absorb a slow cancellation. */
  private static final int SLOTS = 4;

  private KafkaBroker kafka;
  private MiniCluster flink;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    kafka = KafkaBroker.start();
    Configuration conf = LocalFlink.configuration(QuiverConfig.of(Map.of()), null, false);
    conf.setString("taskmanager.numberOfTaskSlots", Integer.toString(SLOTS));
    conf.setString("taskmanager.memory.managed.size", "512m");
    JobCounters.register(conf);
    flink =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(SLOTS)
                .build());
    flink.start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try (AutoCloseable k = kafka) {
      if (flink != null) {
        flink.close();
      }
    }
  }

  public KafkaBroker kafka() {
    return kafka;
  }

  /** The class's MiniCluster (for tests that kill a task manager). */
  public MiniCluster flink() {
    return flink;
  }

  // ------------------------------------------------------------ Kafka

  /** Creates {@code topic} and its dead-letter topic, one partition each. */
  public void createTopics(String topic) throws Exception {
    kafka.createTopic(topic, 1);
    kafka.createTopic(topic + ".dlq", 1);
  }

  /**
   * Produces {@code records} in order to partition 0 of {@code topic} (idempotent, one in flight),
   * with increasing Kafka timestamps, and returns them with their offsets.
   */
  public List<Reference.Sent> produce(String topic, List<Transactions.Record> records)
      throws Exception {
    return produce(kafka.bootstrapServers(), topic, records);
  }

  /** As above, to the broker at {@code bootstrapServers} (a test without this harness). */
  public static List<Reference.Sent> produce(
      String bootstrapServers, String topic, List<Transactions.Record> records) throws Exception {
    List<Reference.Sent> out = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> p = producer(bootstrapServers)) {
      long ts = System.currentTimeMillis();
      List<Future<RecordMetadata>> sent = new ArrayList<>();
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

  /** An idempotent byte producer to this broker (one request in flight: order is kept). */
  public KafkaProducer<byte[], byte[]> producer() {
    return producer(kafka.bootstrapServers());
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
    return new KafkaProducer<>(
        Map.of(
            "bootstrap.servers",
            bootstrapServers,
            "acks",
            "all",
            "enable.idempotence",
            "true",
            "max.in.flight.requests.per.connection",
            "1"),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  /** The streaming job's reference for a log: the generator's watermark delay and lateness. */
  public static Reference reference(List<Reference.Sent> log) {
    return new Reference(
        log, Transactions.WATERMARK_DELAY.toMillis(), Transactions.LATENESS.toMillis());
  }

  // ------------------------------------------------------------ the job

  /** The jobs' settings for this broker: 1 s checkpoints under {@code tmp/checkpoints}. */
  public QuiverConfig config(Path tmp) {
    return QuiverConfig.of(
        Map.of(
            JobOptions.KAFKA_BOOTSTRAP.key(), kafka.bootstrapServers(),
            JobOptions.CHECKPOINT_INTERVAL.key(), "1s",
            JobOptions.CHECKPOINT_DIR.key(), tmp.resolve("checkpoints").toString()));
  }

  /** The sink options of an embedded online store in {@code dir}. */
  public static Map<String, String> embedded(Path dir) {
    return Map.of("store.online.type", "embedded", "store.online.embedded.path", dir.toString());
  }

  /** The store configuration behind sink options ({@code store.} prefix dropped). */
  public static QuiverConfig storeConfig(Map<String, String> sinkOptions) {
    Map<String, String> m = new HashMap<>();
    sinkOptions.forEach((k, v) -> m.put(k.substring("store.".length()), v));
    return QuiverConfig.of(m);
  }

  /** A Hadoop catalog on the warehouse directory. */
  public static HadoopCatalog catalog(Path warehouse) {
    HadoopCatalog c = new HadoopCatalog();
    c.setConf(new org.apache.hadoop.conf.Configuration());
    c.initialize("test", Map.of("warehouse", warehouse.toUri().toString()));
    return c;
  }

  public static PlannerSettings settings(Path warehouse, Map<String, String> onlineOptions) {
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

  /**
   * The view's job graph as {@code quiver materialize} builds it (the Iceberg table is created
   * first), restored from {@code restore} when not null.
   */
  public static JobGraph jobGraph(
      FeatureView view,
      QuiverConfig config,
      Path warehouse,
      Map<String, String> online,
      Path restore,
      boolean restarts) {
    return jobGraph(view, Transactions.keys(), config, warehouse, online, restore, restarts);
  }

  /** As above, for a view of other entities than the generator's user ({@code keys}). */
  public static JobGraph jobGraph(
      FeatureView view,
      List<dev.quiver.core.spec.JoinKey> keys,
      QuiverConfig config,
      Path warehouse,
      Map<String, String> online,
      Path restore,
      boolean restarts) {
    try (HadoopCatalog c = catalog(warehouse)) {
      OfflineTables.ensureTable(c, view, keys);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Configuration conf = LocalFlink.configuration(config, restore, restarts);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    StreamingPipeline.build(
        env, new JobPlanner(settings(warehouse, online)).plan(view, keys), config);
    JobGraph graph = env.getStreamGraph().getJobGraph();
    graph.getJobConfiguration().addAll(conf);
    if (restore != null) {
      graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(restore.toString()));
    }
    return graph;
  }

  /** Submits the view's job (no restarts) to the class's MiniCluster. */
  public JobClient start(
      FeatureView view,
      QuiverConfig config,
      Path warehouse,
      Map<String, String> online,
      Path restore)
      throws Exception {
    return submit(jobGraph(view, config, warehouse, online, restore, false));
  }

  /** Submits a job graph to the class's MiniCluster. */
  public JobClient submit(JobGraph graph) throws Exception {
    return new MiniClusterJobClient(
        flink.submitJob(graph).get().getJobID(),
        flink,
        getClass().getClassLoader(),
        MiniClusterJobClient.JobFinalizationBehavior.NOTHING);
  }

  /** Cancels the job and waits until it has ended (its slots are free again). */
  public static void stop(JobClient job) throws Exception {
    job.cancel().get();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> job.getJobStatus().get().isGloballyTerminalState());
  }

  // ------------------------------------------------------------ catching up and comparing

  /** Waits until the table holds at least {@code rows} rows (of any snapshot). */
  public static void awaitRows(Table table, int rows, Duration atMost) {
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(300))
        .until(() -> IcebergRows.count(table) >= rows);
  }

  /** Waits until the dead-letter topic holds (committed) at least {@code letters} records. */
  public void awaitDeadLetters(String topic, int letters) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(300))
        .until(() -> kafka.readAll(topic + ".dlq").size() >= letters);
  }

  /**
   * The job's counters (read through a Flink metric reporter, as an operator would) come to the
   * numbers of records the reference rejects for each reason, accepts (before dedup) and drops as
   * duplicates — not one more or less.
   */
  public static void awaitCountersEqualTheReference(
      JobClient job, List<Reference.Sent> log, Reference ref) {
    Map<String, Long> expected = new TreeMap<>();
    expected.put("quiverDeadLetterMalformed", rejected(ref, "malformed"));
    expected.put("quiverDeadLetterTooLate", rejected(ref, "too_late"));
    expected.put("quiverDeadLetterTooEarly", rejected(ref, "too_early"));
    expected.put("quiverDeadLetterNotMaterialized", rejected(ref, "not_materialized"));
    long passed = log.size() - ref.rejected.size();
    expected.put("quiverEventsAccepted", passed);
    expected.put("quiverDuplicatesDropped", passed - ref.accepted.size());
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              Map<String, Long> all = JobCounters.of(job.getJobID());
              Map<String, Long> actual = new TreeMap<>();
              expected.keySet().forEach(k -> actual.put(k, all.getOrDefault(k, 0L)));
              assertThat(actual).as("the job's counters").isEqualTo(expected);
            });
  }

  private static long rejected(Reference ref, String reason) {
    return ref.rejected.stream().filter(r -> r.reason().equals(reason)).count();
  }

  /**
   * What {@link #catchUp} leaves behind.
   *
   * @param snapshotId the Iceberg snapshot current when the job was stopped
   */
  public record CaughtUp(
      List<Reference.Sent> log, Reference reference, Path warehouse, long snapshotId) {}

  /**
   * Produces {@code records} to the view's topic (created here), runs the view's job until Iceberg
   * holds every event the reference accepts (and, with {@code awaitDeadLetters}, the dead-letter
   * topic every rejected record), and stops it.
   */
  public CaughtUp catchUp(
      FeatureView view,
      List<Transactions.Record> records,
      Path tmp,
      Map<String, String> online,
      boolean awaitDeadLetters)
      throws Exception {
    String topic = view.source().option("topic");
    createTopics(topic);
    List<Reference.Sent> log = produce(topic, records);
    Reference ref = reference(log);
    Path warehouse = tmp.resolve("warehouse");
    JobClient job = start(view, config(tmp), warehouse, online, null);
    try (HadoopCatalog catalog = catalog(warehouse)) {
      Table table = catalog.loadTable(OfflineTables.identifier(view));
      awaitRows(table, ref.accepted.size(), Duration.ofSeconds(120));
      if (awaitDeadLetters) {
        awaitDeadLetters(topic, ref.rejected.size());
        awaitCountersEqualTheReference(job, log, ref);
      }
      stop(job);
      table.refresh();
      return new CaughtUp(log, ref, warehouse, table.currentSnapshot().snapshotId());
    }
  }

  /**
   * The whole adversarial scenario: {@link #catchUp} on a log checked to be adversarial enough,
   * then Iceberg rows, dead letters (reason and original bytes) and online values (read back
   * through {@code storeConfig}) must equal the plain reference.
   *
   * @return the reference, for further checks
   */
  public Reference assertMaterializesLikeTheReference(
      FeatureView view,
      List<Transactions.Record> records,
      Path tmp,
      Map<String, String> online,
      QuiverConfig storeConfig)
      throws Exception {
    CaughtUp run = catchUp(view, records, tmp, online, true);
    Reference ref = run.reference();
    assertAdversarial(run.log(), ref);
    try (HadoopCatalog catalog = catalog(run.warehouse())) {
      Table table = catalog.loadTable(OfflineTables.identifier(view));
      assertThat(IcebergRows.read(table)).isEqualTo(IcebergRows.expected(ref));
    }
    assertDeadLetters(view.source().option("topic"), run.log(), ref);
    if ("json".equals(view.source().option("format"))) {
      assertDeadLetterDetails(view.source().option("topic"), run.log());
    }
    try (OnlineStore store = OnlineStores.open(storeConfig)) {
      int compared =
          OnlineReference.assertOnlineEqualsReference(
              store, view, ref.accepted, OnlineReference.readTimes(ref.accepted));
      assertThat(compared).isGreaterThan(1000);
    }
    return ref;
  }

  /**
   * The log holds what the issue asks of it: at least 5% duplicates, more than 10 records too late
   * and 10 malformed, more than 10% of the accepted events out of order, and more than 10 with an
   * equal timestamp.
   */
  public static void assertAdversarial(List<Reference.Sent> log, Reference ref) {
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
    long sharedTimes =
        ref.accepted.size() - ref.accepted.stream().mapToLong(a -> a.txn().ts()).distinct().count();
    assertThat(sharedTimes).as("accepted events with an equal timestamp").isGreaterThan(10);
  }

  /**
   * The dead-letter topic holds exactly one committed record per rejected offset, with the
   * reference's reason, a detail and the original bytes.
   */
  public void assertDeadLetters(String topic, List<Reference.Sent> log, Reference ref) {
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
      assertThat(header(rec, DeadLetterSerializer.VIEW)).isNotBlank();
      bytes.put(offset, rec.value());
    }
    assertThat(actual).isEqualTo(expected);
    for (Reference.Sent s : log) {
      if (bytes.containsKey(s.offset())) {
        assertThat(bytes.get(s.offset())).isEqualTo(s.record().bytes());
      }
    }
  }

  /**
   * Each dead letter of a JSON source says what was wrong with its record, by the generator's
   * intent: the broken JSON, the missing key or event time, the field of the wrong type, the
   * lateness bound of a too-late event.
   */
  public void assertDeadLetterDetails(String topic, List<Reference.Sent> log) {
    Map<Long, Reference.Sent> byOffset = new TreeMap<>();
    log.forEach(sent -> byOffset.put(sent.offset(), sent));
    for (ConsumerRecord<byte[], byte[]> rec : kafka.readAll(topic + ".dlq")) {
      Reference.Sent sent =
          byOffset.get(Long.parseLong(header(rec, DeadLetterSerializer.SOURCE_OFFSET)));
      String detail = header(rec, DeadLetterSerializer.DETAIL);
      String kind = sent.record().txn() != null ? "too late" : sent.record().malformedKind();
      String expected =
          switch (kind) {
            case "bad JSON" -> "bad JSON";
            case "missing key" -> "missing key 'user_id'";
            case "missing event time" -> "missing event time 'ts'";
            case "wrong type" -> "wrong type for 'amount'";
            case "too late" -> "allowed lateness " + Transactions.LATENESS.toMillis() + "ms";
            default -> "";
          };
      assertThat(detail)
          .as("dead letter of offset " + sent.offset() + " (" + kind + ")")
          .contains(expected);
    }
  }

  public static String header(ConsumerRecord<byte[], byte[]> rec, String key) {
    var h = rec.headers().lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
