package dev.quiver.jobs.testing;

import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * The jobs' own counters ({@code quiver*}: dead letters by reason, events accepted, duplicates
 * dropped...) read in process, as any Flink metric reporter sees them: {@link #register} adds this
 * reporter to a MiniCluster's configuration, and {@link #of} sums a job's counters over operators
 * and subtasks. A counter is kept after its task ends, so a cancelled job's final values can still
 * be read.
 */
public final class JobCounters {
  /** job id → "metric#operator#subtask" → counter. */
  private static final Map<String, Map<String, Counter>> COUNTERS = new ConcurrentHashMap<>();

  private JobCounters() {}

  /** Registers the reporter in a cluster configuration (found through META-INF/services). */
  public static void register(Configuration c) {
    c.setString("metrics.reporter.quivercounters.factory.class", Factory.class.getName());
  }

  /** The job's {@code quiver*} counters by metric name, summed over operators and subtasks. */
  public static Map<String, Long> of(JobID job) {
    Map<String, Long> out = new TreeMap<>();
    COUNTERS
        .getOrDefault(job.toString(), Map.of())
        .forEach(
            (key, c) -> out.merge(key.substring(0, key.indexOf('#')), c.getCount(), Long::sum));
    return out;
  }

  /** The reporter: keeps every {@code quiver*} counter of every job. */
  public static final class Reporter implements MetricReporter {
    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
      if (!name.startsWith("quiver") || !(metric instanceof Counter c)) {
        return;
      }
      Map<String, String> vars = group.getAllVariables();
      String key =
          name
              + "#"
              + vars.getOrDefault("<operator_name>", vars.getOrDefault("<task_name>", "?"))
              + "#"
              + vars.getOrDefault("<subtask_index>", "0");
      COUNTERS.computeIfAbsent(vars.get("<job_id>"), j -> new ConcurrentHashMap<>()).put(key, c);
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
      // kept: the final values of a cancelled job are what the tests compare
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
