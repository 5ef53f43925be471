package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local cluster of {@code quiver local}, started for real (a Flink MiniCluster). */
class LocalClusterITCase {
  @TempDir Path dir;

  @Test
  void twoLocalClustersStartSideBySideOnFreeRestPorts() throws Exception {
    // Until session 9 the cluster's REST endpoint took Flink's default 8081: a second one (or
    // anything else on 8081) failed with "Could not start rest endpoint on any port in port
    // range 8081".
    QuiverConfig config =
        QuiverConfig.of(Map.of("jobs.checkpoint-dir", dir.resolve("checkpoints").toString()));
    try (MiniCluster first = LocalRuntime.newCluster(LocalRuntime.clusterConfiguration(config, 5));
        MiniCluster second =
            LocalRuntime.newCluster(LocalRuntime.clusterConfiguration(config, 2))) {
      first.start();
      second.start();
      int a = first.getRestAddress().get().getPort();
      int b = second.getRestAddress().get().getPort();
      assertThat(a).isPositive().isNotEqualTo(b);
      assertThat(b).isPositive();
    }
  }
}
