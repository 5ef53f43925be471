package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.testing.ListeningSockets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.junit.jupiter.api.Test;

/**
 * A local cluster (quiver materialize, the jobs' test harnesses) starts while Flink's default REST
 * port, 8081, is taken, and its REST endpoint listens on the loopback address only. In session 12 a
 * clean-clone test run failed two ITCases with "Could not start rest endpoint on any port in port
 * range 8081" while another process's MiniCluster held 8081.
 */
class LocalFlinkTest {
  @Test
  void aLocalClusterStartsBesideAnythingOn8081AndListensOnLoopbackOnly() throws Exception {
    try (ServerSocket blocker = occupy8081()) {
      Configuration conf = LocalFlink.configuration(QuiverConfig.of(Map.of()), null, false);
      MiniCluster flink =
          new MiniCluster(
              new MiniClusterConfiguration.Builder()
                  .setConfiguration(conf)
                  .setNumTaskManagers(1)
                  .setNumSlotsPerTaskManager(1)
                  .build());
      Set<Integer> before = ListeningSockets.wildcardPorts();
      flink.start();
      try {
        // nothing of the cluster (REST endpoint, BLOB server) listens on every interface
        assertThat(ListeningSockets.wildcardPorts()).isSubsetOf(before);
        URI rest = flink.getRestAddress().get();
        assertThat(rest.getPort()).isNotEqualTo(8081).isPositive();
        assertThat(InetAddress.getByName(rest.getHost()).isLoopbackAddress()).isTrue();
      } finally {
        flink.close();
      }
    }
  }

  /**
   * quiver materialize's and quiver local's jobs ride out a store or broker outage of minutes:
   * waits double from 1 s to 1 min, 20 attempts (10 quick restarts 1 s apart gave up after ~10 s).
   */
  @Test
  void restartsBackOffExponentially() {
    Configuration conf = LocalFlink.configuration(QuiverConfig.of(Map.of()), null, true);
    assertThat(conf.getString("restart-strategy.type", null)).isEqualTo("exponential-delay");
    assertThat(conf.getString("restart-strategy.exponential-delay.max-backoff", null))
        .isEqualTo("1 min");
    assertThat(
            conf.getString(
                "restart-strategy.exponential-delay.attempts-before-reset-backoff", null))
        .isEqualTo("20");
    assertThat(LocalFlink.RESTART_POLICY)
        .isEqualTo("waits 1 s doubling up to 1 min, 20 attempts before it gives up");
    Configuration none = LocalFlink.configuration(QuiverConfig.of(Map.of()), null, false);
    assertThat(none.getString("restart-strategy.type", null)).isEqualTo("none");
  }

  /** Holds 8081 for the test, or null when something else already does (taken either way). */
  private static ServerSocket occupy8081() {
    try {
      return new ServerSocket(8081, 1, InetAddress.getLoopbackAddress());
    } catch (IOException alreadyTaken) {
      return null;
    }
  }
}
