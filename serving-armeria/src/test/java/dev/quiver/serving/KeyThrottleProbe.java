package dev.quiver.serving;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A diagnostic (not a test): thread CPU time per {@link KeyThrottle} take, uniform keys over a key
 * space as in {@code LookupBench} (default 100,000), the bucket tables far larger than the CPU's L2
 * cache as in a lookup server. Thread CPU holds on a loaded machine where wall-clock time does not;
 * for an A/B of two builds run it twice with the other build's classes first on the classpath. Env:
 * {@code QUIVER_BENCH_KEYS}, {@code QUIVER_PROBE_TAKES} (per round, default 2,000,000), {@code
 * QUIVER_PROBE_ROUNDS} (default 8).
 */
public final class KeyThrottleProbe {
  public static void main(String[] args) {
    int keys = Integer.parseInt(System.getenv().getOrDefault("QUIVER_BENCH_KEYS", "100000"));
    int takes = Integer.parseInt(System.getenv().getOrDefault("QUIVER_PROBE_TAKES", "2000000"));
    int rounds = Integer.parseInt(System.getenv().getOrDefault("QUIVER_PROBE_ROUNDS", "8"));
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    KeyThrottle t = new KeyThrottle(1000, 2000);
    long[] hashes = new long[keys];
    for (int i = 0; i < keys; i++) {
      hashes[i] = t.hash("bench", "user", List.of("u" + i));
    }
    SplittableRandom rnd = new SplittableRandom(42);
    long sink = 0;
    long clock = System.nanoTime();
    for (int r = 0; r < rounds; r++) {
      long c0 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < takes; i++) {
        // Time advances 100 µs per take (10,000 takes/s), as in the 10k req/s runs: buckets are
        // created, refilled and swept as in a server.
        clock += 100_000;
        sink += t.tryAcquire(hashes[rnd.nextInt(keys)], clock);
      }
      long c1 = mx.getCurrentThreadCpuTime();
      System.out.printf(
          "round %d: %.1f ns CPU per take, %d live buckets, %d slots%n",
          r, (c1 - c0) / (double) takes, t.size(clock), t.slots());
    }
    System.out.println(sink == 42 ? "" : "done");
  }
}
