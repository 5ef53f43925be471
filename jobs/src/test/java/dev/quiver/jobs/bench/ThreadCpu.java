package dev.quiver.jobs.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * CPU time of this process per thread, from {@code /proc/self/task/<tid>/stat} (Linux): Java and
 * native threads alike, so RocksDB's own compaction and flush threads count too, which a Java
 * sampling profiler does not see. Threads are grouped by their (kernel, 15-character) name with
 * digits folded, e.g. {@code GroupAggregate[} or {@code rocksdb:low}.
 *
 * <p>On a shared machine CPU time per event is steadier than events per second: other processes
 * take CPU away from the benchmark, but not CPU time it spends.
 */
final class ThreadCpu {
  private static final double TICKS_PER_SEC = 100.0; // USER_HZ on Linux

  private ThreadCpu() {}

  /** Process CPU time in nanoseconds (all threads). */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** CPU seconds per thread group so far. Empty when /proc is not there. */
  static Map<String, Double> snapshot() {
    Map<String, Double> out = new HashMap<>();
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return out;
    }
    try (Stream<Path> s = Files.list(tasks)) {
      s.forEach(
          t -> {
            try {
              String stat = Files.readString(t.resolve("stat"));
              int open = stat.indexOf('(');
              int close = stat.lastIndexOf(')');
              String name = stat.substring(open + 1, close).replaceAll("[0-9]+", "#");
              String[] f = stat.substring(close + 2).split(" ");
              // fields after the name: state(0) ... utime(11) stime(12)
              double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SEC;
              out.merge(name, cpu, Double::sum);
            } catch (IOException | RuntimeException e) {
              // the thread ended between list and read
            }
          });
    } catch (IOException e) {
      return out;
    }
    return out;
  }

  /** The {@code top} groups by CPU seconds spent between two snapshots, as % of the total. */
  static Map<String, Object> delta(Map<String, Double> before, Map<String, Double> after, int top) {
    Map<String, Double> d = new HashMap<>();
    after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0.0)));
    double total = d.values().stream().mapToDouble(Double::doubleValue).sum();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("cpuSeconds", Math.round(total * 10) / 10.0);
    out.put(
        "threadGroupsPct",
        d.entrySet().stream()
            .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
            .limit(top)
            .collect(
                Collectors.toMap(
                    Map.Entry::getKey,
                    e -> Math.round(1000.0 * e.getValue() / Math.max(1e-9, total)) / 10.0,
                    (a, b) -> a,
                    LinkedHashMap::new)));
    return out;
  }

  /** The % share of a thread group in a {@link #delta} result (0 when absent). */
  @SuppressWarnings("unchecked")
  static double share(Map<String, Object> delta, String group) {
    Object pct = ((Map<String, Object>) delta.get("threadGroupsPct")).get(group);
    return pct == null ? 0 : ((Number) pct).doubleValue();
  }
}
