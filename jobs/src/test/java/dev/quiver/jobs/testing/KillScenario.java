package dev.quiver.jobs.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.JobOptions;
import dev.quiver.offline.OfflineTables;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.iceberg.Table;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The exactly-once scenario of {@code ExactlyOnceITCase} and {@code HBaseMaterializationITCase}:
 * one topic, its generated adversarial log in two halves, the view's job on a given online store
 * and Iceberg, and the checks that online values, Iceberg rows and dead letters equal the plain
 * {@link Reference} after the job was killed.
 *
 * <p>A kill is mid-stream when the job is still reading: {@link #produceSecondHalfSlowly} sends the
 * second half in small chunks over about 5 s, and {@link #awaitMidSecondHalf} returns once a third
 * of it is in the topic, so the kill lands while events arrive and are being written online.
 */
public final class KillScenario {
  /**
   * The kill tests' checkpoint interval: longer than the span from the first commit to the kill
   * (about 2 s), so that the kill always comes after work that the next checkpoint did not cover.
   */
  public static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(3);

  private final MaterializationHarness harness;
  public final String topic;
  public final Path warehouse;
  public final Map<String, String> online;
  private final QuiverConfig storeConfig;
  public final QuiverConfig config;
  public final FeatureView view;
  private final List<Transactions.Record> records = Transactions.generate(900, 2);
  public final List<Reference.Sent> log = Collections.synchronizedList(new ArrayList<>());

  /**
   * @param online the sink's online options ({@code store.}-prefixed)
   * @param checkpointInterval null for the harness's 1 s
   */
  public KillScenario(
      MaterializationHarness harness,
      String topic,
      Path tmp,
      Map<String, String> online,
      Duration checkpointInterval)
      throws Exception {
    this.harness = harness;
    this.topic = topic;
    this.warehouse = tmp.resolve("warehouse");
    this.online = online;
    this.storeConfig = MaterializationHarness.storeConfig(online);
    QuiverConfig base = harness.config(tmp);
    this.config =
        checkpointInterval == null
            ? base
            : base.with(JobOptions.CHECKPOINT_INTERVAL.key(), checkpointInterval.toSeconds() + "s");
    this.view = Transactions.view(topic, true, true);
    harness.createTopics(topic);
  }

  public JobGraph jobGraph(Path restore, boolean restarts) {
    return MaterializationHarness.jobGraph(view, config, warehouse, online, restore, restarts);
  }

  /**
   * Submits the job restored from {@code restore} when not null, with the fixed-delay restarts of
   * {@code quiver materialize} (a store write that times out restarts it from its checkpoint).
   */
  public JobClient startLocal(Path restore) throws Exception {
    return harness.submit(jobGraph(restore, true));
  }

  private int half() {
    return records.size() / 2;
  }

  public void produceFirstHalf() throws Exception {
    log.addAll(harness.produce(topic, records.subList(0, half())));
  }

  public void produceSecondHalf() throws Exception {
    log.addAll(harness.produce(topic, records.subList(half(), records.size())));
  }

  /**
   * Produces the second half in chunks of 5 records 50 ms apart (about 5 s), in order, on another
   * thread; {@link #log} grows as they are acknowledged.
   */
  public Future<Void> produceSecondHalfSlowly() {
    return CompletableFuture.runAsync(
        () -> {
          try (KafkaProducer<byte[], byte[]> p = harness.producer()) {
            List<Transactions.Record> rest = records.subList(half(), records.size());
            for (int i = 0; i < rest.size(); i += 5) {
              long kts = System.currentTimeMillis();
              for (Transactions.Record r : rest.subList(i, Math.min(rest.size(), i + 5))) {
                long offset =
                    p.send(new ProducerRecord<>(topic, null, kts, null, r.bytes())).get().offset();
                log.add(new Reference.Sent(offset, kts++, r));
              }
              Thread.sleep(50);
            }
          } catch (Exception e) {
            throw new IllegalStateException("producing the second half of " + topic, e);
          }
        },
        r -> {
          Thread t = new Thread(r, "second-half-" + topic);
          t.setDaemon(true);
          t.start();
        });
  }

  /** Waits until a third of the second half has been produced (see the class comment). */
  public void awaitMidSecondHalf() {
    int target = half() + (records.size() - half()) / 3;
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> log.size() >= target);
  }

  /** Asserts that {@code producer} is still sending: the kill happens mid-stream. */
  public static void assertStillProducing(Future<Void> producer) {
    assertThat(producer.isDone()).as("events still arriving when the job is killed").isFalse();
  }

  public Reference reference() {
    synchronized (log) {
      return MaterializationHarness.reference(List.copyOf(log));
    }
  }

  private Table table(HadoopCatalog c) {
    return c.loadTable(OfflineTables.identifier(view));
  }

  /** Waits until Iceberg holds at least one committed row (a checkpoint has completed). */
  public void awaitSomeCommitted() throws Exception {
    try (HadoopCatalog c = MaterializationHarness.catalog(warehouse)) {
      MaterializationHarness.awaitRows(table(c), 1, Duration.ofSeconds(120));
    }
  }

  /**
   * Waits until Iceberg holds every accepted event and the dead-letter topic every rejected one.
   */
  public void awaitAll() throws Exception {
    Reference ref = reference();
    try (HadoopCatalog c = MaterializationHarness.catalog(warehouse)) {
      MaterializationHarness.awaitRows(table(c), ref.accepted.size(), Duration.ofSeconds(120));
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                harness.kafka().readAll(topic + ".dlq").stream()
                        .map(r -> MaterializationHarness.header(r, "quiver.source.offset"))
                        .distinct()
                        .count()
                    >= ref.rejected.size());
  }

  /**
   * The whole log was adversarial enough, and Iceberg rows, dead letters (each with its reason and
   * original bytes, one per rejected record) and online values equal the reference.
   */
  public void assertEqualsReference() throws Exception {
    List<Reference.Sent> all;
    synchronized (log) {
      all = List.copyOf(log);
    }
    assertThat(all).as("every record produced").hasSize(records.size());
    Reference ref = MaterializationHarness.reference(all);
    MaterializationHarness.assertAdversarial(all, ref);
    try (HadoopCatalog c = MaterializationHarness.catalog(warehouse)) {
      assertThat(IcebergRows.read(table(c))).isEqualTo(IcebergRows.expected(ref));
    }
    harness.assertDeadLetters(topic, all, ref);
    harness.assertDeadLetterDetails(topic, all);
    try (OnlineStore store = OnlineStores.open(storeConfig)) {
      OnlineReference.assertOnlineEqualsReference(
          store, view, ref.accepted, OnlineReference.readTimes(ref.accepted));
    }
  }

  /** The newest completed checkpoint ({@code chk-N} with a {@code _metadata}) of a job. */
  public Path latestCheckpoint(JobClient job) throws IOException {
    Path jobDir = Path.of(config.get(JobOptions.CHECKPOINT_DIR)).resolve(job.getJobID().toString());
    try (Stream<Path> dirs = Files.list(jobDir)) {
      return dirs.filter(p -> p.getFileName().toString().startsWith("chk-"))
          .filter(p -> Files.exists(p.resolve("_metadata")))
          .max(
              Comparator.comparingInt(
                  p -> Integer.parseInt(p.getFileName().toString().substring(4))))
          .orElseThrow(() -> new AssertionError("no completed checkpoint in " + jobDir));
    }
  }
}
