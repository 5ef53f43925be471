package dev.quiver.jobs;

import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.Transactions;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka (real KRaft broker) → the materialization job (Flink MiniCluster) → the embedded online
 * store, Iceberg on a temp dir and the dead-letter topic, compared with a plain reference computed
 * from the produced log (see {@link MaterializationHarness#assertMaterializesLikeTheReference}).
 */
class MaterializationITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  @TempDir Path tmp;

  @Test
  void onlineOfflineAndDeadLettersEqualTheReference() throws Exception {
    Map<String, String> online = MaterializationHarness.embedded(tmp.resolve("online"));
    harness.assertMaterializesLikeTheReference(
        Transactions.view("txn-embedded", true, true),
        Transactions.generate(1500, 42),
        tmp,
        online,
        MaterializationHarness.storeConfig(online));
  }
}
