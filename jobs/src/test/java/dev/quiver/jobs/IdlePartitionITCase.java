package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.IcebergRows;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.offline.OfflineTables;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.Table;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jobs.source-idle-timeout}: a 1-minute tumbling-window view over a two-partition topic
 * (real KRaft broker, job on a MiniCluster, Iceberg on a temp dir). Both partitions send events of
 * the first minute (out of order within the bound, equal timestamps, duplicates); the job consumes
 * them; then only partition 0 goes on, into the third minute, while partition 1 stays silent.
 *
 * <ul>
 *   <li>With a 2 s idle timeout, partition 1 stops holding the watermark back and the windows that
 *       partition 0 alone has passed by {@code watermark_delay + allowed_lateness} close: their
 *       rows equal a plain reference (counts and sums per user and minute over both partitions'
 *       deduplicated events), and no later window is emitted.
 *   <li>With the timeout off ({@code 0s}), the same log leaves every window open: no row at all,
 *       even after the job has consumed and checkpointed everything.
 * </ul>
 */
class IdlePartitionITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  static final String WINDOW_SQL =
      """
      SELECT user_id AS entity_key,
             TUMBLE_END(ts, INTERVAL '1' MINUTE) AS window_end,
             COUNT(*) AS txn_count,
             SUM(amount) AS spend
      FROM transactions
      GROUP BY user_id, TUMBLE(ts, INTERVAL '1' MINUTE)
      """;

  static final long T0 = Transactions.T0.toEpochMilli();
  static final long BOUND =
      Transactions.WATERMARK_DELAY.toMillis() + Transactions.LATENESS.toMillis();

  @TempDir Path tmp;

  /** One event as produced: partition, the intended values and the JSON bytes. */
  record Event(int partition, String txnId, String user, long amount, long ts, byte[] bytes) {}

  /**
   * Both jobs run side by side on the class's MiniCluster, each on its own topic with the same
   * shape of log: one with a 2 s idle timeout, one with it off.
   */
  @Test
  void aWindowClosesWhileOnePartitionIsSilentOnlyWithTheIdleTimeout() throws Exception {
    Run idle = new Run("txn-idle", "2s");
    Run held = new Run("txn-no-idle", "0s");
    for (Run run : List.of(idle, held)) {
      run.produce(run.firstMinute());
    }
    idle.awaitConsumed();
    held.awaitConsumed();
    for (Run run : List.of(idle, held)) {
      run.produce(run.partitionZeroGoesOn());
    }

    List<String> expected = idle.closedWindows();
    assertThat(expected).as("closed windows of the reference").hasSizeGreaterThan(3);
    assertThat(held.closedWindows()).as("windows the idle timeout would close").isNotEmpty();
    try (HadoopCatalog catalog = MaterializationHarness.catalog(idle.warehouse);
        HadoopCatalog heldCatalog = MaterializationHarness.catalog(held.warehouse)) {
      Table table = catalog.loadTable(OfflineTables.identifier(idle.view));
      MaterializationHarness.awaitRows(table, expected.size(), Duration.ofSeconds(60));
      // every event read and a checkpoint (an Iceberg commit) taken after it, by both jobs
      idle.awaitConsumed();
      held.awaitConsumed();
      Thread.sleep(2000); // a window emitted that should not have been would show up by now
      MaterializationHarness.stop(idle.job);
      MaterializationHarness.stop(held.job);
      assertThat(windowRows(table)).as("with the timeout").isEqualTo(expected);
      assertThat(windowRows(heldCatalog.loadTable(OfflineTables.identifier(held.view))))
          .as("without it")
          .isEmpty();
    }
  }

  /** One topic, its job (started at once) and what has been produced to it. */
  final class Run {
    final String topic;
    final FeatureView view;
    final Path warehouse;
    final JobClient job;
    final List<Event> sent = new ArrayList<>();
    final Random random;

    Run(String topic, String idleTimeout) throws Exception {
      this.topic = topic;
      this.random = new Random(topic.hashCode());
      harness.kafka().createTopic(topic, 2);
      harness.kafka().createTopic(topic + ".dlq", 1);
      view =
          Transactions.sqlView(
              "idle_" + topic.replace('-', '_'),
              topic,
              "flink",
              WINDOW_SQL,
              List.of(
                  Transactions.column("txn_count", FeatureType.INT64),
                  Transactions.column("spend", FeatureType.FLOAT64)));
      warehouse = tmp.resolve(topic).resolve("warehouse");
      QuiverConfig config =
          harness
              .config(tmp.resolve(topic))
              .with(JobOptions.SOURCE_IDLE_TIMEOUT.key(), idleTimeout);
      job = harness.start(view, config, warehouse, Map.of(), null);
    }

    /** Both partitions: events of the first minute, out of order within the bound, ties, dups. */
    List<Event> firstMinute() {
      List<Event> out = new ArrayList<>();
      for (int i = 0; i < 80; i++) {
        // from T0 + 2 s to T0 + 57.4 s: the first minute's window only, none before T0
        out.add(event(i % 2, i, T0 + 10_000 + i * 600L - random.nextInt(8_000)));
        if (i % 9 == 0) {
          out.add(event(i % 2, 1000 + i, out.get(out.size() - 1).ts())); // an equal timestamp
        }
        if (i % 11 == 0) {
          out.add(out.get(out.size() - 1)); // a duplicate: the same bytes again
        }
      }
      return out;
    }

    /** Partition 0 only: on through the second minute into the third. */
    List<Event> partitionZeroGoesOn() {
      List<Event> out = new ArrayList<>();
      for (int i = 0; i < 90; i++) {
        out.add(event(0, 2000 + i, T0 + 60_000 + i * 1_000L - random.nextInt(8_000)));
      }
      return out;
    }

    Event event(int partition, int n, long ts) {
      String user = "u" + random.nextInt(4);
      long amount = 1 + random.nextInt(500);
      String id = topic + "-" + n;
      String json =
          String.format(
              Locale.ROOT,
              "{\"txn_id\":\"%s\",\"user_id\":\"%s\",\"merchant\":\"m%d\",\"amount\":%d.0,\"ts\":%d}",
              id,
              user,
              n % 3,
              amount,
              ts);
      return new Event(partition, id, user, amount, ts, json.getBytes(StandardCharsets.UTF_8));
    }

    void produce(List<Event> events) throws Exception {
      try (KafkaProducer<byte[], byte[]> p = harness.producer()) {
        for (Event e : events) {
          p.send(new ProducerRecord<>(topic, e.partition(), null, e.bytes())).get();
          sent.add(e);
        }
      }
    }

    /**
     * The reference: the deduplicated events grouped by user and minute; a window is closed once
     * partition 0's largest event time (partition 1 being idle) is past its end by the bound.
     */
    List<String> closedWindows() {
      long watermark =
          sent.stream().filter(e -> e.partition() == 0).mapToLong(Event::ts).max().orElseThrow()
              - BOUND;
      Set<String> seen = new HashSet<>();
      Map<String, List<Event>> windows = new TreeMap<>();
      for (Event e : sent) {
        if (seen.add(e.txnId())) {
          long end = Math.floorDiv(e.ts(), 60_000L) * 60_000L + 60_000L;
          windows.computeIfAbsent(e.user() + "|" + end, k -> new ArrayList<>()).add(e);
        }
      }
      List<String> rows = new ArrayList<>();
      windows.forEach(
          (k, events) -> {
            long end = Long.parseLong(k.substring(k.indexOf('|') + 1));
            if (end <= watermark) {
              rows.add(
                  String.join(
                      "|",
                      k,
                      Integer.toString(events.size()),
                      String.format(
                          Locale.ROOT,
                          "%.2f",
                          (double) events.stream().mapToLong(Event::amount).sum())));
            }
          });
      rows.sort(null);
      return rows;
    }

    /**
     * Waits until the job has committed (on a completed checkpoint) offsets at the end of both
     * partitions: it has read everything produced so far.
     */
    void awaitConsumed() {
      String group = JobOptions.groupId(view, dev.quiver.core.config.QuiverConfig.of(Map.of()));
      try (Admin admin =
          Admin.create(Map.of("bootstrap.servers", harness.kafka().bootstrapServers()))) {
        List<TopicPartition> parts =
            List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(300))
            .until(
                () -> {
                  var ends =
                      admin
                          .listOffsets(
                              parts.stream()
                                  .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                          .all()
                          .get();
                  var committed =
                      admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                  return parts.stream()
                      .allMatch(
                          tp ->
                              committed.get(tp) != null
                                  && committed.get(tp).offset() >= ends.get(tp).offset());
                });
      }
    }
  }

  static List<String> windowRows(Table table) {
    return IcebergRows.read(
        table,
        null,
        null,
        r ->
            String.join(
                "|",
                String.valueOf(r.getField("user_id")),
                Long.toString(IcebergRows.millis(r, "event_time")),
                String.valueOf(r.getField("txn_count")),
                String.format(Locale.ROOT, "%.2f", (Double) r.getField("spend"))));
  }
}
