package dev.quiver.jobs.bench;

import dev.quiver.online.hbase.HBaseMiniClusterFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@link IngestBench} with the HBase online store: the same backlog, job, Iceberg table and
 * freshness probes, writing to an in-process HBase mini-cluster (one region server, local
 * filesystem, 4 pre-split regions). Writes {@code ingest-hbase.json}; compare with {@code
 * ingest.json} of the embedded store, each with its own raw Kafka baseline from its run.
 */
public final class HBaseIngestBench {
  private HBaseIngestBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("quiver-ingest-hbase-bench");
    // The HBase test utility repoints java.io.tmpdir; Flink extracts its planner there later.
    String tmpdir = System.getProperty("java.io.tmpdir");
    try (HBaseMiniClusterFixture hbase = HBaseMiniClusterFixture.start()) {
      System.setProperty("java.io.tmpdir", tmpdir);
      Map<String, String> online = hbase.config("quiver_ingest_bench").asMap();
      IngestBench.run("ingest-hbase", "hbase", dir, online);
    }
    System.exit(0); // the mini-cluster leaves non-daemon threads behind
  }
}
