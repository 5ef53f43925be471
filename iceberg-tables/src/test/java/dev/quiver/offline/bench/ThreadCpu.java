package dev.quiver.offline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The process's CPU time by kind of thread (JIT compilers, garbage collector, the rest), read from
 * {@code /proc/self/task} on Linux: the bench prints where an export's CPU went beside its total.
 * Threads that ended during the export (Flink's task threads) are counted as the rest: the total
 * minus what the surviving JIT and GC threads used.
 */
final class ThreadCpu {
  private static final long TICK_NANOS = 10_000_000L; // USER_HZ = 100 on Linux

  private ThreadCpu() {}

  /** CPU nanoseconds so far per kind ("jit", "gc"); empty where /proc is not readable. */
  static Map<String, Long> byKind() {
    Map<String, Long> out = new TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(t.resolve("stat"));
          int close = stat.lastIndexOf(')');
          String name = stat.substring(stat.indexOf('(') + 1, close);
          String[] f = stat.substring(close + 2).split(" ");
          long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime
          out.merge(kind(name), ticks * TICK_NANOS, Long::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended while listing
        }
      }
    } catch (IOException e) {
      return Map.of();
    }
    return out;
  }

  private static String kind(String name) {
    if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
      return "jit";
    }
    if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.startsWith("VM Thread")) {
      return "gc";
    }
    return "other";
  }

  /** "jit X CPU-s, gc Y CPU-s, rest Z CPU-s" between two {@link #byKind} snapshots. */
  static String describe(Map<String, Long> before, Map<String, Long> after, double totalCpu) {
    if (after.isEmpty()) {
      return "(per-thread CPU not available)";
    }
    double jit = delta(before, after, "jit");
    double gc = delta(before, after, "gc");
    return String.format(
        Locale.ROOT,
        "of which JIT compiler threads %.1f CPU-s, GC/VM threads %.1f CPU-s, the rest %.1f CPU-s",
        jit,
        gc,
        totalCpu - jit - gc);
  }

  private static double delta(Map<String, Long> before, Map<String, Long> after, String kind) {
    return (after.getOrDefault(kind, 0L) - before.getOrDefault(kind, 0L)) / 1e9;
  }
}
