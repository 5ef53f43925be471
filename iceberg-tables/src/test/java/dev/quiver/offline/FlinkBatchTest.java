package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.testing.ListeningSockets;
import java.net.InetAddress;
import java.net.URI;
import java.util.Set;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.junit.jupiter.api.Test;

/**
 * The offline jobs' local cluster (exports and backfills in quiver serve, quiver local and the CLI)
 * listens on the loopback address only: its REST endpoint cancels jobs, and it ran on every
 * interface beside a quiver local whose streaming cluster was already loopback-only.
 */
class FlinkBatchTest {
  @Test
  void theOfflineClusterListensOnLoopbackOnly() throws Exception {
    Set<Integer> before = ListeningSockets.wildcardPorts();
    MiniCluster flink =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(FlinkBatch.configuration(1))
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(1)
                .build());
    flink.start();
    try {
      assertThat(ListeningSockets.wildcardPorts()).isSubsetOf(before);
      URI rest = flink.getRestAddress().get();
      assertThat(InetAddress.getByName(rest.getHost()).isLoopbackAddress()).isTrue();
    } finally {
      flink.close();
    }
  }
}
