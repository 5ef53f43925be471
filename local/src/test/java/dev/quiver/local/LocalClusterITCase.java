package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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

  /**
   * {@code quiver local} prints its cluster's REST URL (session 12 QA pass: the jobs' dead-letter
   * and duplicate counters were only in Flink's metrics, behind a REST port on a random number that
   * was printed nowhere), and that endpoint listens on the loopback address only: Flink's REST API
   * runs uploaded jars, and it listened on every interface.
   */
  @Test
  void theRestEndpointIsPrintableAndOnLoopbackOnly() throws Exception {
    QuiverConfig config =
        QuiverConfig.of(Map.of("jobs.checkpoint-dir", dir.resolve("checkpoints").toString()));
    try (MiniCluster cluster =
        LocalRuntime.newCluster(LocalRuntime.clusterConfiguration(config, 1))) {
      cluster.start();
      String url = LocalRuntime.restUrl(cluster);
      int port = cluster.getRestAddress().get().getPort();
      assertThat(url).isEqualTo("http://127.0.0.1:" + port);
      HttpResponse<String> overview =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(url + "/jobs/overview")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(overview.statusCode()).isEqualTo(200);
      for (InetAddress a : nonLoopbackAddresses()) {
        try (Socket s = new Socket()) {
          assertThatThrownBy(() -> s.connect(new InetSocketAddress(a, port), 2_000))
              .as("REST endpoint reachable on %s", a)
              .isInstanceOf(java.io.IOException.class);
        }
      }
    }
  }

  private static List<InetAddress> nonLoopbackAddresses() throws Exception {
    List<InetAddress> out = new ArrayList<>();
    for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress a : Collections.list(n.getInetAddresses())) {
        if (!a.isLoopbackAddress() && a instanceof java.net.Inet4Address) {
          out.add(a);
        }
      }
    }
    return out;
  }
}
