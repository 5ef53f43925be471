package dev.quiver.jobs.bench;

import dev.quiver.online.bench.ChildJvm;
import dev.quiver.online.hbase.HBaseMiniClusterFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@link IngestBench} with the HBase online store: the same backlog, job, Iceberg table and
 * freshness probes, writing to an in-process HBase mini-cluster (one region server, local
 * filesystem, 4 pre-split regions). Writes {@code ingest-hbase.json}; compare with {@code
 * ingest.json} of the embedded store, each with its own raw Kafka baseline from its run.
 *
 * <p>Runs itself again in a child JVM without {@code hbase-shaded-client} on the class path when it
 * is there (as on the module's test class path, {@link ChildJvm}): the mini-cluster jar bundles its
 * own client, and two copies of HBase's shaded Netty clash.
 */
public final class HBaseIngestBench {
  private HBaseIngestBench() {}

  public static void main(String[] args) throws Exception {
    String cp = System.getProperty("java.class.path");
    if (cp.contains("hbase-shaded-client")) {
      int code = ChildJvm.run(HBaseIngestBench.class, List.of(), Duration.ofMinutes(30));
      if (code != 0) {
        throw new IllegalStateException(
            "the HBase ingestion bench failed in its child JVM ("
                + (code < 0 ? "timeout" : "exit " + code)
                + "; its output is above)");
      }
      return;
    }
    Path dir = Files.createTempDirectory("quiver-ingest-hbase-bench");
    // The HBase test utility repoints java.io.tmpdir; Flink extracts its planner there later.
    String tmpdir = System.getProperty("java.io.tmpdir");
    try (HBaseMiniClusterFixture hbase = HBaseMiniClusterFixture.start()) {
      System.setProperty("java.io.tmpdir", tmpdir);
      Map<String, String> online = hbase.config("quiver_ingest_bench").asMap();
      IngestBench.run("ingest-hbase", "hbase", dir, online);
    } finally {
      IngestBench.deleteWorkDir(dir);
    }
    ChildJvm.markDone(); // the parent ends this JVM (the mini-cluster's threads stay behind)
  }
}
