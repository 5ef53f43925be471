package dev.quiver.jobs;

import dev.quiver.core.config.QuiverConfig;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Flink configuration of a materialization job: exactly-once checkpoints with the RocksDB state
 * backend (retained on cancellation, so a stopped job restores from its last checkpoint), and, for
 * the local MiniCluster, managed memory for RocksDB.
 */
public final class LocalFlink {
  private LocalFlink() {}

  /**
   * The job configuration.
   *
   * @param restoreFrom a checkpoint or savepoint to restore from, or null
   * @param restarts whether a failing job restarts (fixed delay) or fails at once
   */
  public static Configuration configuration(
      QuiverConfig config, Path restoreFrom, boolean restarts) {
    Configuration c = new Configuration();
    c.setString("state.backend.type", "rocksdb");
    c.setString("execution.checkpointing.incremental", "true");
    c.setString(
        "execution.checkpointing.interval",
        config.get(JobOptions.CHECKPOINT_INTERVAL).toMillis() + " ms");
    c.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
    c.setString(
        "execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
    c.setString("execution.checkpointing.num-retained", "3");
    c.setString("execution.checkpointing.dir", uri(config.get(JobOptions.CHECKPOINT_DIR)));
    c.setString("taskmanager.memory.managed.size", "256m");
    c.setString("taskmanager.numberOfTaskSlots", "4");
    c.setString("parallelism.default", Integer.toString(config.get(JobOptions.PARALLELISM)));
    if (restarts) {
      c.setString("restart-strategy.type", "fixed-delay");
      c.setString("restart-strategy.fixed-delay.attempts", "10");
      c.setString("restart-strategy.fixed-delay.delay", "1 s");
    } else {
      c.setString("restart-strategy.type", "none");
    }
    if (restoreFrom != null) {
      c.setString("execution.savepoint.path", restoreFrom.toUri().toString());
    }
    return c;
  }

  /** A local (MiniCluster) environment with that configuration. */
  public static StreamExecutionEnvironment localEnvironment(Configuration c) {
    return StreamExecutionEnvironment.getExecutionEnvironment(c);
  }

  static String uri(String pathOrUri) {
    if (pathOrUri.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      return pathOrUri;
    }
    return Path.of(pathOrUri).toAbsolutePath().normalize().toUri().toString();
  }
}
