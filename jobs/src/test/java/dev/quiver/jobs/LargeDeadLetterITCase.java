package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.ingest.DeadLetterSerializer;
import dev.quiver.jobs.testing.IcebergRows;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.offline.OfflineTables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.Table;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A malformed record larger than the dead-letter producer's {@code max.request.size} (1 MiB by
 * default), on a topic that allows such records, is still a dead letter and the job keeps running.
 * Before: the producer refused the letter (RecordTooLargeException), which failed the job on the
 * same record after every restart. Real KRaft broker, Flink MiniCluster, Iceberg on a temp dir.
 */
class LargeDeadLetterITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  private static final int BIG = 2 * 1024 * 1024;

  @TempDir Path tmp;

  @Test
  void aMalformedRecordTooLargeForTheProducerIsADeadLetterWithoutItsBytes() throws Exception {
    String topic = "large_records";
    try (Admin admin =
        Admin.create(Map.of("bootstrap.servers", harness.kafka().bootstrapServers()))) {
      Map<String, String> large = Map.of("max.message.bytes", Integer.toString(4 * BIG));
      admin
          .createTopics(
              List.of(
                  new NewTopic(topic, 1, (short) 1).configs(large),
                  new NewTopic(topic + ".dlq", 1, (short) 1).configs(large)))
          .all()
          .get();
    }
    FeatureView view = Transactions.view(topic, false, true);
    Path warehouse = tmp.resolve("warehouse");
    JobClient job = harness.start(view, harness.config(tmp), warehouse, Map.of(), null);
    try {
      List<Reference.Sent> before =
          harness.produce(topic, Transactions.generateChunk(0, 100, 5, 10));
      byte[] huge = new byte[BIG];
      Arrays.fill(huge, (byte) 'x'); // not JSON
      long hugeOffset;
      try (KafkaProducer<byte[], byte[]> p =
          new KafkaProducer<>(
              Map.of(
                  "bootstrap.servers",
                  harness.kafka().bootstrapServers(),
                  "max.request.size",
                  Integer.toString(4 * BIG)),
              new ByteArraySerializer(),
              new ByteArraySerializer())) {
        hugeOffset = p.send(new ProducerRecord<>(topic, huge)).get().offset();
      }
      List<Reference.Sent> after =
          harness.produce(topic, Transactions.generateChunk(100, 100, 5, 10));

      List<Reference.Sent> log = new ArrayList<>(before);
      log.addAll(after);
      Reference ref = MaterializationHarness.reference(log);
      try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
        Table table = catalog.loadTable(OfflineTables.identifier(view));
        MaterializationHarness.awaitRows(table, ref.accepted.size(), Duration.ofSeconds(90));
        assertThat(IcebergRows.read(table))
            .containsExactlyInAnyOrderElementsOf(IcebergRows.expected(ref));
      }
      harness.awaitDeadLetters(topic, ref.rejected.size() + 1);
      assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);

      ConsumerRecord<byte[], byte[]> letter =
          harness.kafka().readAll(topic + ".dlq").stream()
              .filter(
                  r ->
                      Long.toString(hugeOffset)
                          .equals(
                              MaterializationHarness.header(r, DeadLetterSerializer.SOURCE_OFFSET)))
              .findFirst()
              .orElseThrow();
      assertThat(MaterializationHarness.header(letter, DeadLetterSerializer.REASON))
          .isEqualTo("malformed");
      assertThat(MaterializationHarness.header(letter, DeadLetterSerializer.DETAIL))
          .startsWith("bad JSON");
      assertThat(MaterializationHarness.header(letter, DeadLetterSerializer.OMITTED))
          .isEqualTo(Integer.toString(BIG));
      assertThat(letter.value()).isEmpty();
    } finally {
      MaterializationHarness.stop(job);
    }
  }
}
