package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.SourceEncodings;
import dev.quiver.jobs.testing.Transactions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
    FeatureView json = Transactions.view(topic, true, true);
    FeatureView view = json.withSource(json.source().withMoreOptions(formatOptions));
    Map<String, String> online = MaterializationHarness.embedded(tmp.resolve("online"));
    return harness.assertMaterializesLikeTheReference(
        view, records, tmp, online, MaterializationHarness.storeConfig(online));
  }
}
