package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.serving.bench.OpenLoopGenerator;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * FR-016: with 95% of the traffic on one key, the p99 of the other keys stays within 2x of the
 * unskewed run, and the near cache, coalescing and the per-key throttle show in /v1/metrics. The
 * store answers after 2 ms (a remote store's round trip), so a hot key would queue reads without
 * the near cache and coalescing.
 */
class HotKeyITCase {
  static final int RATE = 1_500;
  static final long RUN = TimeUnit.SECONDS.toNanos(5);

  @Test
  void hotKeyDoesNotHurtTheOthers() throws Exception {
    try (ServingFixture fx = new ServingFixture(Map.of(), HotKeyITCase::slow)) {
      InetSocketAddress addr = new InetSocketAddress("127.0.0.1", fx.server.port());
      Random rnd = new Random(1);
      int n = 20_000;
      byte[][] uniform = new byte[n][];
      byte[][] skewed = new byte[n][];
      int[] tags = new int[n];
      for (int i = 0; i < n; i++) {
        uniform[i] = request("k" + (1 + rnd.nextInt(1999)));
        boolean hot = rnd.nextDouble() < 0.95;
        tags[i] = hot ? 1 : 0;
        skewed[i] = hot ? request("k0") : request("k" + (1 + rnd.nextInt(1999)));
      }
      double ratio = Double.MAX_VALUE;
      String detail = "";
      // p99 on a shared 2-core machine is noisy: the pair of runs is repeated up to 3 times.
      for (int attempt = 0; attempt < 3 && ratio > 2.0; attempt++) {
        OpenLoopGenerator.Result base;
        OpenLoopGenerator.Result skew;
        try (OpenLoopGenerator g = new OpenLoopGenerator(addr, 32, uniform)) {
          if (attempt == 0) {
            g.runClosed("warm", TimeUnit.SECONDS.toNanos(4)); // JIT
          }
          g.runOpen("warm", RATE, TimeUnit.SECONDS.toNanos(1));
          base = g.runOpen("uniform", RATE, RUN);
        }
        try (OpenLoopGenerator g = new OpenLoopGenerator(addr, 32, skewed, tags)) {
          skew = g.runOpen("skewed", RATE, RUN);
        }
        assertThat(base.errors()).isZero();
        double baseP99 = base.p(99);
        double coldP99 = skew.byTag()[0].getValueAtPercentile(99) / 1000.0;
        ratio = coldP99 / baseP99;
        detail =
            String.format(
                "uniform p99 %.2f ms, skewed: other keys p99 %.2f ms (%.2fx), hot key p99 %.2f ms",
                baseP99, coldP99, ratio, skew.byTag()[1].getValueAtPercentile(99) / 1000.0);
        System.out.println(detail);
      }
      assertThat(ratio).as(detail).isLessThanOrEqualTo(2.0);
      String metrics = fx.metricsText();
      assertThat(value(metrics, "quiver_cache_requests_total", "result=\"hit\""))
          .isGreaterThan(1000);
      assertThat(value(metrics, "quiver_coalesced_reads_total", "")).isGreaterThan(0);
      assertThat(value(metrics, "quiver_throttled_requests_total", "")).isGreaterThan(0);
      assertThat(metrics).contains("quiver_cache_hit_ratio");
    }
  }

  static byte[] request(String key) {
    return OpenLoopGenerator.post(
        "/v1/features:lookup",
        "test",
        ("{\"entity_name\":\"user\",\"keys\":[\""
                + key
                + "\"],\"features\":[\"user_activity_metrics:v3.user_7d_txn_count\"]}")
            .getBytes(StandardCharsets.UTF_8));
  }

  static FeatureSource slow(FeatureSource s) {
    return new FeatureSource() {
      @Override
      public CompletableFuture<FeatureValue[][]> read(
          dev.quiver.core.spec.FeatureView view,
          List<dev.quiver.core.spec.JoinKey> joinKeys,
          List<String> features,
          List<List<Object>> keys,
          java.time.Instant asOf) {
        return s.read(view, joinKeys, features, keys, asOf)
            .thenApplyAsync(v -> v, CompletableFuture.delayedExecutor(2, TimeUnit.MILLISECONDS));
      }

      @Override
      public CompletableFuture<Void> check() {
        return s.check();
      }
    };
  }

  static double value(String metrics, String name, String label) {
    Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(metrics);
    double sum = 0;
    while (m.find()) {
      if (label.isEmpty() || (m.group(1) != null && m.group(1).contains(label))) {
        sum += Double.parseDouble(m.group(2));
      }
    }
    return sum;
  }
}
