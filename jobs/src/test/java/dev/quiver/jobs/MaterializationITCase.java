package dev.quiver.jobs;

import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.Transactions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
    List<Transactions.Record> log = new ArrayList<>(Transactions.generate(1500, 42));
    // Mid-stream, values out of range (session 12 QA pass): a year-999999999 event time threw
    // out of the gate and failed the job on every restart, epoch microseconds were accepted as
    // the year 58,878 and made every later event of the partition too late, and 1e400 was summed
    // as Infinity. Each is a dead letter and the job goes on.
    log.addAll(
        400,
        List.of(
            outOfRange(
                "{\"txn_id\":\"r1\",\"user_id\":\"u1\",\"ts\":\"+999999999-12-31T23:59:59Z\"}"),
            outOfRange("{\"txn_id\":\"r2\",\"user_id\":\"u1\",\"ts\":1795846358511000}"),
            outOfRange(
                "{\"txn_id\":\"r3\",\"user_id\":\"u1\",\"amount\":1e400,\"ts\":\""
                    + Transactions.T0
                    + "\"}"),
            // a key longer than the lookup service takes: no lookup could read it
            Transactions.longKey(log, 400, 40_000),
            // Event times in range but from the future (session 13 QA pass): a wrong year, and a
            // producer clock 3 hours ahead. Accepted, the first moved the partition's watermark to
            // 2099 and every later event was too late.
            Transactions.fromTheFuture("f1", "u2", "2099-01-01T00:00:00Z"),
            Transactions.fromTheFuture(
                "f2", "u3", Instant.now().plus(Duration.ofHours(3)).toString())));
    // exactly at the lateness edge (accepted) and 1 ms beyond it (too_late)
    log.addAll(900, Transactions.atTheLatenessEdge(log, 900, "u4"));
    // The first record of the partition timed 1969 (session 13 QA pass): accepted (no watermark
    // yet), its cells had a negative timestamp, which the online store refuses: the job failed on
    // it after every restart.
    log.add(
        0,
        outOfRange(
            "{\"txn_id\":\"old\",\"user_id\":\"u1\",\"amount\":1.0,\"ts\":\"1969-07-20T20:17:40Z\"}"));
    harness.assertMaterializesLikeTheReference(
        Transactions.view("txn-embedded", true, true),
        log,
        tmp,
        online,
        MaterializationHarness.storeConfig(online));
  }

  private static Transactions.Record outOfRange(String json) {
    return new Transactions.Record(json.getBytes(StandardCharsets.UTF_8), null, "out of range");
  }
}
