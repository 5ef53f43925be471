package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.jobs.testing.KafkaBroker;
import dev.quiver.jobs.testing.OnlineReference;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.SourceEncodings;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other source formats end to end: the adversarial transaction log (duplicates, out of order,
 * too late, equal timestamps, malformed) encoded as Debezium change events and as Confluent-framed
 * Avro, through a real KRaft broker and the job on a MiniCluster, into the embedded online store
 * and Iceberg. Online values, Iceberg rows and dead letters (with their reasons, deletes as {@code
 * not_materialized}) must equal the plain reference, exactly as for JSON in {@link
 * MaterializationITCase}.
 */
class SourceFormatsITCase {
  static KafkaBroker kafka;

  @TempDir Path tmp;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = KafkaBroker.start();
    MaterializationITCase.kafka = kafka; // its helpers produce to and read from this broker
  }

  @AfterAll
  static void stopKafka() throws Exception {
    MaterializationITCase.kafka = null;
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void debeziumJsonChangeEventsEqualTheReference() throws Exception {
    List<Transactions.Record> log = SourceEncodings.debezium(Transactions.generate(1000, 7), 7);
    Reference ref = materialize("txn-debezium", Map.of("format", "debezium-json"), log);
    assertThat(ref.rejected.stream().filter(r -> r.reason().equals("not_materialized")).count())
        .as("deletes in the log")
        .isGreaterThan(5);
  }

  @Test
  void confluentFramedAvroEqualsTheReference() throws Exception {
    Path avsc = tmp.resolve("transaction.avsc");
    java.nio.file.Files.writeString(avsc, SourceEncodings.AVRO_SCHEMA);
    materialize(
        "txn-avro",
        Map.of(
            "format",
            "avro",
            "avro_schema_file",
            avsc.toString(),
            "avro_wire_format",
            "confluent",
            "avro_schema_id",
            Integer.toString(SourceEncodings.AVRO_SCHEMA_ID)),
        SourceEncodings.avro(Transactions.generate(900, 11)));
  }

  private Reference materialize(
      String topic, Map<String, String> formatOptions, List<Transactions.Record> records)
      throws Exception {
    kafka.createTopic(topic, 1);
    kafka.createTopic(topic + ".dlq", 1);
    List<Reference.Sent> log = MaterializationITCase.produce(topic, records);
    Reference ref =
        new Reference(
            log, Transactions.WATERMARK_DELAY.toMillis(), Transactions.LATENESS.toMillis());
    MaterializationITCase.assertAdversarial(log, ref);

    FeatureView json = Transactions.view(topic, true, true);
    Map<String, String> options = new HashMap<>(json.source().options());
    options.putAll(formatOptions);
    Source s = json.source();
    FeatureView view =
        json.withSource(
            new Source(
                s.namespace(),
                s.name(),
                s.kind(),
                s.schema(),
                s.eventTimeField(),
                s.dedupKey(),
                s.watermarkDelay(),
                options));
    Path warehouse = tmp.resolve("warehouse");
    QuiverConfig config = MaterializationITCase.config(tmp);
    Map<String, String> online = MaterializationITCase.embedded(tmp.resolve("online"));
    JobClient job = MaterializationITCase.start(view, config, warehouse, online, null);
    try (HadoopCatalog catalog = MaterializationITCase.catalog(warehouse)) {
      Table table = catalog.loadTable(TableIdentifier.of(Namespace.of("default"), "user_txn_v1"));
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> MaterializationITCase.icebergRows(table).size() >= ref.accepted.size());
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> kafka.readAll(topic + ".dlq").size() >= ref.rejected.size());
      job.cancel().get();
      assertThat(MaterializationITCase.icebergRows(table))
          .isEqualTo(MaterializationITCase.expectedRows(ref));
      MaterializationITCase.assertDeadLetters(topic, log, ref);
    }
    try (OnlineStore store = OnlineStores.open(MaterializationITCase.storeConfig(online))) {
      int compared =
          OnlineReference.assertOnlineEqualsReference(
              store, view, ref.accepted, OnlineReference.readTimes(ref.accepted));
      assertThat(compared).isGreaterThan(1000);
    }
    return ref;
  }
}
