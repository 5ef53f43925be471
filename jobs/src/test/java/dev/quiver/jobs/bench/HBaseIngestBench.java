package dev.quiver.jobs.bench;

import dev.quiver.online.hbase.HBaseMiniClusterFixture;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@link IngestBench} with the HBase online store: the same backlog, job, Iceberg table and
 * freshness probes, writing to an in-process HBase mini-cluster (one region server, local
 * filesystem, 4 pre-split regions). Writes {@code ingest-hbase.json}; compare with {@code
 * ingest.json} of the embedded store, each with its own raw Kafka baseline from its run.
 *
 * <p>Runs itself again in a child JVM without {@code hbase-shaded-client} on the class path when it
 * is there (as on the module's test class path): the mini-cluster jar bundles its own client, and
 * two copies of HBase's shaded Netty clash.
 */
public final class HBaseIngestBench {
  private HBaseIngestBench() {}

  public static void main(String[] args) throws Exception {
    String cp = System.getProperty("java.class.path");
    if (cp.contains("hbase-shaded-client")) {
      System.exit(inChildJvm(cp));
    }
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

  private static int inChildJvm(String cp) throws Exception {
    String childCp =
        Arrays.stream(cp.split(File.pathSeparator))
            .filter(e -> !e.contains("hbase-shaded-client"))
            .collect(Collectors.joining(File.pathSeparator));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.addAll(List.of("-cp", childCp, HBaseIngestBench.class.getName()));
    return new ProcessBuilder(cmd).inheritIO().start().waitFor();
  }
}
