package dev.quiver.jobs.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * Flink's RocksDB native metrics of the job's keyed state (dedup keys, tile accumulators), read in
 * process: a metric reporter that keeps the {@code rocksdb.*} gauges Flink registers for each state
 * (column family) of each subtask, and a sampler that the benchmark calls once a second. It tells
 * whether compaction of the state keeps up (files in L0, pending compaction bytes, write stalls)
 * and how the state's reads are answered (block cache, Bloom filter).
 *
 * <p>{@link #enable} adds the reporter and the metrics to a job configuration; the factory is found
 * by Flink through {@code META-INF/services} (test resources).
 */
final class RocksDbMetrics {
  /** Per-column-family properties (gauges, sampled). */
  static final List<String> PROPERTIES =
      List.of(
          "num-files-at-level", // every level: rocksdb.num-files-at-level0 ... 6
          "estimate-pending-compaction-bytes",
          "num-running-compactions",
          "num-running-flushes",
          "num-immutable-mem-table",
          "actual-delayed-write-rate",
          "is-write-stopped",
          "estimate-num-keys",
          "total-sst-files-size",
          "cur-size-all-mem-tables",
          "block-cache-usage");

  /** Per-DB statistics tickers (counters since the start: read as deltas). */
  static final List<String> STATISTICS =
      List.of(
          "block-cache-hit",
          "block-cache-miss",
          "bloom-filter-useful",
          "bloom-filter-full-positive",
          "bytes-read",
          "bytes-written",
          "compaction-read-bytes",
          "compaction-write-bytes",
          "stall-micros");

  private static final Map<String, Gauge<?>> GAUGES = new ConcurrentHashMap<>();

  private RocksDbMetrics() {}

  /** Turns on the metrics above and registers the in-process reporter in {@code c}. */
  static void enable(Configuration c) {
    for (String p : PROPERTIES) {
      c.setString("state.backend.rocksdb.metrics." + p, "true");
    }
    for (String s : STATISTICS) {
      c.setString("state.backend.rocksdb.metrics." + s, "true");
    }
    c.setString("metrics.reporter.quiverbench.factory.class", Factory.class.getName());
    c.setString("metrics.reporter.quiverbench.interval", "3600 s"); // not scheduled: we poll
  }

  /**
   * The current value of every gauge, summed over subtasks, keyed by {@code
   * operator/column-family/metric} (operator names cut to 16 characters).
   */
  static Map<String, Double> sample() {
    Map<String, Double> out = new TreeMap<>();
    GAUGES.forEach(
        (key, g) -> {
          Object v;
          try {
            v = g.getValue();
          } catch (RuntimeException e) {
            return; // the state backend closed
          }
          String k = key.substring(0, key.indexOf('#'));
          if (v instanceof Number n) {
            out.merge(k, n.doubleValue(), Double::sum);
          } else if (v instanceof Boolean b) {
            out.merge(k, b ? 1.0 : 0.0, Double::sum);
          }
        });
    return out;
  }

  /**
   * A compact point of a timeline: per state, files in L0, pending compaction (MB), running
   * compactions and flushes, immutable memtables, delayed write rate and write stops.
   */
  static Map<String, Object> timelinePoint(long ms, long rows, Map<String, Double> sample) {
    Map<String, StringBuilder> perState = new TreeMap<>();
    sample.forEach(
        (k, v) -> {
          int cut = k.lastIndexOf('/');
          String state = k.substring(0, cut);
          if (state.contains("_timer_state")) {
            return; // the (empty) timer column families
          }
          String metric = k.substring(cut + 1);
          String label =
              switch (metric) {
                case "rocksdb.num-files-at-level0" -> "L0";
                case "rocksdb.num-files-at-level1" -> "L1";
                case "rocksdb.num-files-at-level2" -> "L2";
                case "rocksdb.estimate-pending-compaction-bytes" -> "pendMB";
                case "rocksdb.num-running-compactions" -> "comp";
                case "rocksdb.num-running-flushes" -> "flush";
                case "rocksdb.num-immutable-mem-table" -> "imm";
                case "rocksdb.actual-delayed-write-rate" -> "delayed";
                case "rocksdb.is-write-stopped" -> "stop";
                default -> null;
              };
          if (label != null) {
            double x = label.equals("pendMB") ? v / 1e6 : v;
            perState
                .computeIfAbsent(state, s -> new StringBuilder())
                .append(label)
                .append('=')
                .append(Math.round(x))
                .append(' ');
          }
        });
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ms", ms);
    out.put("rows", rows);
    perState.forEach((s, b) -> out.put(s, b.toString().trim()));
    return out;
  }

  /** The sum of one metric over every state and subtask in a sample. */
  static double sumOf(Map<String, Double> sample, String metric) {
    return sample.entrySet().stream()
        .filter(e -> e.getKey().endsWith("/" + metric))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }

  /** Accumulates samples: mean and max of the properties, and the delta of the statistics. */
  static final class Sampler {
    private final Map<String, double[]> acc = new TreeMap<>(); // sum, max, first, last, n

    void add(Map<String, Double> s) {
      s.forEach(
          (k, v) -> {
            double[] a = acc.computeIfAbsent(k, x -> new double[] {0, v, v, v, 0});
            a[0] += v;
            a[1] = Math.max(a[1], v);
            a[3] = v;
            a[4]++;
          });
    }

    /** One line per metric: {@code mean / max} for properties, {@code delta} for statistics. */
    Map<String, Object> summary() {
      Map<String, Object> out = new LinkedHashMap<>();
      acc.forEach(
          (k, a) -> {
            String metric = k.substring(k.lastIndexOf('/') + 1);
            // Statistics tickers are named with underscores (rocksdb.block_cache_hit), properties
            // with dashes (rocksdb.num-files-at-level0).
            if (metric.contains("_")) {
              out.put(k, Map.of("delta", a[3] - a[2]));
            } else {
              out.put(
                  k, Map.of("mean", Math.round(10 * a[0] / Math.max(1, a[4])) / 10.0, "max", a[1]));
            }
          });
      return out;
    }
  }

  /** The reporter: keeps the {@code rocksdb.*} gauges of every subtask. */
  public static final class Reporter implements MetricReporter {
    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
      if (!name.startsWith("rocksdb") || !(metric instanceof Gauge<?> g)) {
        return;
      }
      GAUGES.put(key(name, group), g);
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
      GAUGES.remove(key(name, group));
    }

    private static String key(String name, MetricGroup group) {
      Map<String, String> vars = group.getAllVariables();
      String op = vars.getOrDefault("<operator_name>", vars.getOrDefault("<task_name>", "?"));
      op = op.length() > 16 ? op.substring(0, 16) : op;
      String[] scope = group.getScopeComponents();
      String cf = vars.getOrDefault("column_family", scope[scope.length - 1]);
      return op
          + "/"
          + cf
          + "/"
          + name
          + "#"
          + vars.getOrDefault("<subtask_index>", "0")
          + "#"
          + System.identityHashCode(group);
    }
  }

  /** Found by Flink through {@code META-INF/services/...MetricReporterFactory}. */
  public static final class Factory implements MetricReporterFactory {
    @Override
    public MetricReporter createMetricReporter(Properties properties) {
      return new Reporter();
    }
  }
}
