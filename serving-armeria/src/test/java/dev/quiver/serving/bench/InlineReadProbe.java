package dev.quiver.serving.bench;

import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.serving.FeatureSource;
import dev.quiver.serving.FeatureValue;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The store read of a single-key lookup in isolation (session 7): {@link FeatureSource#readInline}
 * of one key x 5 features on {@link BenchData} (embedded store, {@code QUIVER_BENCH_KEYS} keys,
 * uniform), on one thread, measured by that thread's CPU time and allocated bytes
 * (com.sun.management.ThreadMXBean), so that it holds on a loaded machine where a server's CPU per
 * lookup does not. Prints the mean per read of each round. For an A/B of two builds, run it twice
 * with the other build's classes first on the classpath. A diagnostic, not in bench/run.sh.
 */
public final class InlineReadProbe {
  public static void main(String[] args) throws Exception {
    int keys = Integer.parseInt(System.getenv().getOrDefault("QUIVER_BENCH_KEYS", "100000"));
    int reads = Integer.parseInt(System.getenv().getOrDefault("QUIVER_PROBE_READS", "200000"));
    int rounds = Integer.parseInt(System.getenv().getOrDefault("QUIVER_PROBE_ROUNDS", "8"));
    Path dir = Files.createTempDirectory("quiver-inline-read-probe");
    try (BenchData data = BenchData.open(dir, keys)) {
      FeatureSource source = data.source();
      List<JoinKey> joinKeys = Entity.implicit("default", "user").joinKeys();
      List<String> features = data.view.features().stream().map(Feature::name).toList();
      Random rnd = new Random(42);
      List<List<List<Object>>> requests = new ArrayList<>();
      for (int i = 0; i < 65_536; i++) {
        requests.add(List.of(List.of("u" + rnd.nextInt(keys))));
      }
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long tid = Thread.currentThread().getId();
      long sink = 0;
      for (int round = 0; round < rounds; round++) {
        long c0 = mx.getCurrentThreadCpuTime();
        long a0 = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < reads; i++) {
          FeatureValue[][] v =
              source.readInline(data.view, joinKeys, features, requests.get(i & 65_535), null);
          sink += v[0][0] == null ? 0 : 1;
        }
        long c1 = mx.getCurrentThreadCpuTime();
        long a1 = mx.getThreadAllocatedBytes(tid);
        System.out.printf(
            "round %d: %.2f us CPU, %d bytes allocated per read (%d found)%n",
            round, (c1 - c0) / 1000.0 / reads, (a1 - a0) / reads, sink);
        sink = 0;
      }
    }
  }
}
