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
      // QUIVER_PROBE_THRASH_KB (since session 10): between two reads, touch one cache line in each
      // 64 bytes of this many KB of memory (a random window of a larger array), as a server's HTTP
      // and JSON work does between two lookups; each round then also runs the same loop without
      // the reads, and the read's cost is the difference. In a hot loop the store's index, filter
      // and block-cache entries stay in the CPU caches, which they do not in a server.
      int thrashKb = Integer.parseInt(System.getenv().getOrDefault("QUIVER_PROBE_THRASH_KB", "0"));
      long[] thrash = new long[Math.max(1, thrashKb) * 128 * 16];
      for (int round = 0; round < rounds; round++) {
        long base = 0;
        if (thrashKb > 0) {
          long b0 = mx.getCurrentThreadCpuTime();
          for (int i = 0; i < reads; i++) {
            sink += touch(thrash, thrashKb, i);
          }
          base = mx.getCurrentThreadCpuTime() - b0;
        }
        long c0 = mx.getCurrentThreadCpuTime();
        long a0 = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < reads; i++) {
          if (thrashKb > 0) {
            sink += touch(thrash, thrashKb, i);
          }
          FeatureValue[][] v =
              source.readInline(data.view, joinKeys, features, requests.get(i & 65_535), null);
          sink += v[0][0] == null ? 0 : 1;
        }
        long c1 = mx.getCurrentThreadCpuTime();
        long a1 = mx.getThreadAllocatedBytes(tid);
        System.out.printf(
            "round %d: %.2f us CPU, %d bytes allocated per read (%d)%s%n",
            round,
            (c1 - c0 - base) / 1000.0 / reads,
            (a1 - a0) / reads,
            sink,
            thrashKb > 0 ? String.format(" (thrash alone %.2f us)", base / 1000.0 / reads) : "");
        sink = 0;
      }
    }
  }

  /** Touches one long per cache line of a {@code kb} KB window of {@code a} that moves with i. */
  private static long touch(long[] a, int kb, int i) {
    int words = kb * 128;
    int from = (int) ((i * 0x9E3779B97F4A7C15L >>> 40) % (a.length - words + 1));
    long s = 0;
    for (int w = from; w < from + words; w += 8) {
      s += ++a[w];
    }
    return s & 1;
  }
}
