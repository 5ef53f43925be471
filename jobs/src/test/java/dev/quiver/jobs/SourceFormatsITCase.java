package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.IcebergRows;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.SourceEncodings;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.offline.Backfill;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.catalog.Catalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  @TempDir Path tmp;

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
    Files.writeString(avsc, SourceEncodings.AVRO_SCHEMA);
    materialize(
        "txn-avro", confluentAvro(avsc), SourceEncodings.avro(Transactions.generate(900, 11)));
  }

  /**
   * A backfill from a Kafka offset range of a Debezium topic and of an Avro topic decodes the
   * records with the streaming job's decoder for the format, so its Iceberg rows are the
   * reference's without lateness (every well-formed, deduplicated event; deletes and malformed
   * records skipped). Before, any format other than json was refused ("sources.x.format: 'avro'
   * (expected: json for a backfill)").
   */
  @Test
  void backfillsFromDebeziumAndAvroTopicsEqualTheReference() throws Exception {
    backfillFromKafka(
        "bf-debezium",
        Map.of("format", "debezium-json"),
        SourceEncodings.debezium(Transactions.generate(600, 5), 5));
    Path avsc = tmp.resolve("bf-transaction.avsc");
    Files.writeString(avsc, SourceEncodings.AVRO_SCHEMA);
    backfillFromKafka(
        "bf-avro", confluentAvro(avsc), SourceEncodings.avro(Transactions.generate(500, 9)));
  }

  /** Source options of a Confluent-framed Avro topic with the test's writer schema file. */
  private static Map<String, String> confluentAvro(Path avsc) {
    return Map.of(
        "format",
        "avro",
        "avro_schema_file",
        avsc.toString(),
        "avro_wire_format",
        "confluent",
        "avro_schema_id",
        Integer.toString(SourceEncodings.AVRO_SCHEMA_ID));
  }

  private void backfillFromKafka(
      String topic, Map<String, String> formatOptions, List<Transactions.Record> records)
      throws Exception {
    FeatureView json = Transactions.view(topic, true, true);
    FeatureView view = json.withSource(json.source().withMoreOptions(formatOptions));
    harness.createTopics(topic);
    List<Reference.Sent> log = harness.produce(topic, records);
    Reference ref = new Reference(log, 0, Long.MAX_VALUE / 4); // a backfill has no lateness
    assertThat(ref.rejected).as("malformed records in the log").isNotEmpty();
    QuiverConfig config =
        QuiverConfig.of(
            Map.of(
                "offline.warehouse", tmp.resolve("warehouse-" + topic).toString(),
                "kafka.bootstrap-servers", harness.kafka().bootstrapServers()));
    Catalog catalog = OfflineCatalogs.open(config);
    Backfill.Result run =
        new Backfill(config, catalog)
            .run(
                view,
                Transactions.keys(),
                "kafka",
                Transactions.T0.minus(Duration.ofHours(1)),
                Transactions.T0.plus(Duration.ofDays(1)),
                false);
    assertThat(run.rows()).isEqualTo(ref.accepted.size());
    assertThat(
            IcebergRows.read(
                catalog.loadTable(OfflineTables.identifier(view)),
                null,
                run.snapshotId(),
                IcebergRows.TRANSACTIONS_WITHOUT_INGESTED_AT))
        .isEqualTo(IcebergRows.expectedWithoutIngestedAt(ref));
    if (catalog instanceof AutoCloseable c) {
      c.close();
    }
  }

  private Reference materialize(
      String topic, Map<String, String> formatOptions, List<Transactions.Record> records)
      throws Exception {
    FeatureView json = Transactions.view(topic, true, true);
    FeatureView view = json.withSource(json.source().withMoreOptions(formatOptions));
    Map<String, String> online = MaterializationHarness.embedded(tmp.resolve("online"));
    return harness.assertMaterializesLikeTheReference(
        view, records, tmp, online, MaterializationHarness.storeConfig(online));
  }
}
