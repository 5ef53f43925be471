package dev.quiver.jobs;

import dev.quiver.core.config.QuiverConfig;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Flink configuration of a materialization job: exactly-once checkpoints with the RocksDB state
 * backend (incremental, retained on cancellation, so a stopped job restores from its last
 * checkpoint; Bloom filters on), object reuse, and, for the local MiniCluster, managed memory for
 * RocksDB and one slot per subtask.
 */
public final class LocalFlink {
  private LocalFlink() {}

  /**
   * The job configuration for a local MiniCluster: {@link #jobConfiguration} and {@link
   * #localCluster}.
   *
   * @param restoreFrom a checkpoint or savepoint to restore from, or null
   * @param restarts whether a failing job restarts (fixed delay) or fails at once
   */
  public static Configuration configuration(
      QuiverConfig config, Path restoreFrom, boolean restarts) {
    Configuration c = jobConfiguration(config, restoreFrom, restarts);
    localCluster(c, config.get(JobOptions.PARALLELISM));
    return c;
  }

  /**
   * The cluster settings of a local MiniCluster: managed memory and slots, and its endpoints on the
   * loopback address. Not for a job submitted to a cluster (flink run): its client takes them as
   * its own, and rest.address 127.0.0.1 sent the submission to the client's machine instead of the
   * configured job manager (JobJarOnClusterITCase).
   */
  static void localCluster(Configuration c, int parallelism) {
    // managed memory is split evenly over the slots: one slot per subtask
    c.setString("taskmanager.memory.managed.size", "256m");
    c.setString("taskmanager.numberOfTaskSlots", Integer.toString(Math.max(1, parallelism)));
    // A local cluster's REST endpoint (quiver local, quiver materialize) on the loopback address
    // only: Flink binds every interface by default, and its REST API cancels jobs and runs jars.
    c.setString("rest.bind-address", "127.0.0.1");
    c.setString("rest.address", "127.0.0.1");
    // The BLOB server (job jars and large payloads) and the task manager's endpoints too.
    c.setString("jobmanager.bind-host", "127.0.0.1");
    c.setString("taskmanager.bind-host", "127.0.0.1");
    // ... and on a free port: Flink's default, 8081, made a local cluster fail to start beside
    // anything else on 8081 (a Flink cluster, a second quiver materialize or quiver local, a
    // test's MiniCluster) and held 8081 against them while it ran.
    c.setString("rest.bind-port", "0");
  }

  /**
   * The job's own settings, wherever it runs (a local MiniCluster or, under flink run, a cluster):
   * checkpoints, state backend, parallelism, restarts.
   *
   * @param restoreFrom a checkpoint or savepoint to restore from, or null
   * @param restarts whether a failing job restarts (fixed delay) or fails at once
   */
  public static Configuration jobConfiguration(
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
    // RocksDB tuning for the per-event point reads of the dedup and tile states: most reads are
    // of keys not in state yet (a new dedup key, a new tile), which Bloom filters answer without
    // touching SST files; larger managed memory (block cache + write buffers) per slot; one slot
    // per subtask, since managed memory is split evenly over the slots.
    c.setString("state.backend.rocksdb.use-bloom-filter", "true");
    c.setString("state.backend.rocksdb.predefined-options", "FLASH_SSD_OPTIMIZED");
    // LZ4 instead of Flink's default Snappy: nearly every key is new (dedup keys, fresh tiles),
    // so the state is flushed and compacted all the time; LZ4 is cheaper per byte than Snappy
    // and, unlike no compression, keeps the bytes written (and checkpointed) small (measured: see
    // docs/materialization.md).
    c.setString("state.backend.rocksdb.compression.per.level", "LZ4_COMPRESSION");
    // Partitioned index and filter blocks: with managed memory, index and filter blocks live in
    // the block cache beside data blocks, one block per SST file. Once the tile state outgrew the
    // cache (~300k tiles per subtask in IngestBench), block cache hits stalled and the tile task
    // cost 3-8x more per event for the rest of the run (session 4's "swing"); with partitions
    // (small index/filter blocks, only their top level pinned) the same bench stayed at its
    // early cost to the end (measured: docs/materialization.md, "Session 5").
    c.setString("state.backend.rocksdb.memory.partitioned-index-filters", "true");
    int parallelism = config.get(JobOptions.PARALLELISM);
    c.setString("parallelism.default", Integer.toString(parallelism));
    // The job's operators never mutate or keep the records they are given.
    c.setString("pipeline.object-reuse", "true");
    if (restarts) {
      // Waits double from 1 s up to 1 min, 20 restarts before the job ends FAILED, counted afresh
      // after 10 min without a failure: a store or broker outage of several minutes costs
      // restarts, not the job. (Fixed delays of 1 s, 10 attempts, gave up after ~10 s of an
      // outage, and a loaded laptop used them up: the jobs lost their slots.)
      c.setString("restart-strategy.type", "exponential-delay");
      c.setString("restart-strategy.exponential-delay.initial-backoff", FIRST_RESTART_DELAY);
      c.setString("restart-strategy.exponential-delay.max-backoff", MAX_RESTART_DELAY);
      c.setString("restart-strategy.exponential-delay.backoff-multiplier", "2.0");
      c.setString("restart-strategy.exponential-delay.reset-backoff-threshold", "10 min");
      c.setString("restart-strategy.exponential-delay.jitter-factor", "0.1");
      c.setString(
          "restart-strategy.exponential-delay.attempts-before-reset-backoff",
          Integer.toString(RESTART_ATTEMPTS));
    } else {
      c.setString("restart-strategy.type", "none");
    }
    if (restoreFrom != null) {
      c.setString("execution.savepoint.path", restoreFrom.toUri().toString());
    }
    return c;
  }

  private static final String FIRST_RESTART_DELAY = "1 s";
  private static final String MAX_RESTART_DELAY = "1 min";
  private static final int RESTART_ATTEMPTS = 20;

  /** How a local cluster restarts a failed job, in words (consoles and errors). */
  public static final String RESTART_POLICY =
      "waits "
          + FIRST_RESTART_DELAY
          + " doubling up to "
          + MAX_RESTART_DELAY
          + ", "
          + RESTART_ATTEMPTS
          + " attempts before it gives up";

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
