package dev.quiver.offline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;

/** Flink settings shared by the offline batch jobs (training sets, backfills). */
final class FlinkBatch {
  private FlinkBatch() {}

  static Configuration configuration(int parallelism) {
    Configuration c = new Configuration();
    c.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
    c.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(1, parallelism));
    // a failing batch job must fail, not restart forever
    c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    // batch sorts (keyBy, sortPartition) spill through managed memory
    c.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("256m"));
    c.setString("rest.bind-port", "0");
    return c;
  }

  /** The root cause of a failed job, as an exception whose message names what failed. */
  static RuntimeException unwrap(String what, Exception e) {
    Throwable t = e;
    while ((t instanceof ExecutionException || t.getCause() != null)
        && t.getCause() != null
        && t.getCause() != t) {
      if (t instanceof IllegalArgumentException) {
        break;
      }
      t = t.getCause();
    }
    if (t instanceof IllegalArgumentException iae) {
      return iae;
    }
    return new IllegalStateException(what + " failed: " + t, e);
  }

  static void deleteQuietly(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // scratch space only
    }
  }
}
