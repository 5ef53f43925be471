package dev.quiver.offline;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/** Flink settings shared by the offline batch jobs (training sets, backfills). */
public final class FlinkBatch {
  /** Task slots of the shared local cluster: enough for any offline job's parallelism here. */
  static final int LOCAL_SLOTS = 4;

  private static MiniCluster shared;
  private static CompletableFuture<MiniCluster> starting;

  private FlinkBatch() {}

  /**
   * An environment that submits to one local MiniCluster shared by every offline batch job of this
   * JVM (started on first use, stopped at JVM exit), so that a job does not pay the cluster's
   * start-up each time.
   */
  static synchronized StreamExecutionEnvironment environment(int parallelism) {
    try {
      if (shared == null) {
        CompletableFuture<MiniCluster> s = starting;
        starting = null;
        MiniCluster mc = s != null ? s.join() : newCluster();
        shared = mc;
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      try {
                        mc.close();
                      } catch (Exception ignored) {
                        // exiting anyway
                      }
                    },
                    "quiver-offline-minicluster-stop"));
      }
      URI rest = shared.getRestAddress().get();
      Configuration c = configuration(Math.min(parallelism, LOCAL_SLOTS));
      StreamExecutionEnvironment env =
          StreamExecutionEnvironment.createRemoteEnvironment(rest.getHost(), rest.getPort(), c);
      env.setParallelism(Math.min(parallelism, LOCAL_SLOTS));
      return env;
    } catch (Exception e) {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException("starting the local Flink cluster failed: " + cause, cause);
    }
  }

  /**
   * Starts the shared local cluster on a background thread when none is running or starting, so
   * that a JVM's first offline job plans (reads table metadata, label schemas) while the cluster
   * starts; {@link #environment} then takes it. Idempotent and thread-safe; a failed start is
   * reported by the next {@link #environment} call.
   */
  static synchronized void prestart() {
    if (shared == null && starting == null) {
      starting =
          CompletableFuture.supplyAsync(
              FlinkBatch::newCluster,
              r -> {
                Thread t = new Thread(r, "quiver-offline-minicluster-start");
                t.setDaemon(true);
                t.start();
              });
    }
  }

  private static MiniCluster newCluster() {
    MiniCluster mc =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(configuration(LOCAL_SLOTS))
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(LOCAL_SLOTS)
                .build());
    try {
      mc.start();
    } catch (Exception e) {
      throw new CompletionException(e);
    }
    return mc;
  }

  /**
   * Stops the shared local cluster if one was started (its threads are not daemons, so a JVM that
   * ran offline jobs ends only after this or at {@code System.exit}); the next offline job starts a
   * new one. For programs that end on their own: benchmarks, tools. Waits for the cluster to stop.
   */
  public static synchronized void stopSharedCluster() throws Exception {
    if (starting != null) {
      CompletableFuture<MiniCluster> s = starting;
      starting = null;
      try {
        s.join().close();
      } catch (CompletionException e) {
        // it never started
      }
    }
    if (shared != null) {
      MiniCluster mc = shared;
      shared = null;
      mc.close();
    }
  }

  /** The shared local cluster, or null when none runs (for tests: its jobs' states). */
  static synchronized MiniCluster sharedCluster() {
    return shared;
  }

  /**
   * Submits the environment's job straight to the shared local cluster (an environment from {@link
   * #environment}) and returns an in-process client: progress polls and the result then cost a
   * method call, where the REST client of {@code executeAsync} built a new HTTP client (and its
   * threads) for every accumulator poll — measurable CPU over a long job.
   */
  static JobClient submit(StreamExecutionEnvironment env, String name) throws Exception {
    MiniCluster mc;
    synchronized (FlinkBatch.class) {
      mc = shared;
    }
    if (mc == null) {
      return env.executeAsync(name);
    }
    StreamGraph graph = env.getStreamGraph();
    graph.setJobName(name);
    JobGraph job = graph.getJobGraph(FlinkBatch.class.getClassLoader(), null);
    JobID id = mc.submitJob(job).get().getJobID();
    return new MiniClusterJobClient(
        id,
        mc,
        FlinkBatch.class.getClassLoader(),
        MiniClusterJobClient.JobFinalizationBehavior.NOTHING);
  }

  /**
   * Runs the environment's job ({@link #submit}) and waits for its result; when the waiting thread
   * is interrupted (the offline service cancelling the job) the Flink job is cancelled too and
   * waited for, so that no task writes after the caller cleans up, and the interrupt is rethrown.
   */
  static JobExecutionResult execute(StreamExecutionEnvironment env, String name) throws Exception {
    JobClient client = submit(env, name);
    try {
      return client.getJobExecutionResult().get();
    } catch (InterruptedException e) {
      cancel(client);
      throw e;
    }
  }

  /**
   * Like {@link #execute(StreamExecutionEnvironment, String)}, handing the job's {@code long}
   * accumulator {@code accumulator} to {@code count} while it runs (every 200 ms; the task managers
   * report accumulators with their heartbeats, every {@code heartbeat.interval}).
   */
  static JobExecutionResult execute(
      StreamExecutionEnvironment env,
      String name,
      String accumulator,
      java.util.function.LongConsumer count)
      throws Exception {
    return await(submit(env, name), accumulator, count, 200);
  }

  /**
   * Waits for the job's result, polling its accumulator {@code accumulator} every {@code
   * pollMillis} into {@code count} meanwhile (values missing from a poll are skipped), then its
   * final value from the result; an interrupt cancels the job as {@link
   * #execute(StreamExecutionEnvironment, String)} does.
   */
  static JobExecutionResult await(
      JobClient client, String accumulator, java.util.function.LongConsumer count, long pollMillis)
      throws Exception {
    CompletableFuture<JobExecutionResult> done = client.getJobExecutionResult();
    try {
      while (true) {
        try {
          JobExecutionResult result = done.get(pollMillis, TimeUnit.MILLISECONDS);
          // the final count (polls see what the last heartbeat carried, possibly not the end)
          if (result.getAllAccumulatorResults().get(accumulator) instanceof Number n) {
            count.accept(n.longValue());
          }
          return result;
        } catch (java.util.concurrent.TimeoutException running) {
          // poll below
        }
        try {
          if (client.getAccumulators().get().get(accumulator) instanceof Number n) {
            count.accept(n.longValue());
          }
        } catch (InterruptedException e) {
          throw e;
        } catch (Exception ignored) {
          // the job may finish between the two calls
        }
      }
    } catch (InterruptedException e) {
      cancel(client);
      throw e;
    }
  }

  /**
   * Cancels a job and waits (a bounded time) until it has stopped; for a thread that was
   * interrupted, whose interrupt flag the caller restores or rethrows.
   */
  static void cancel(JobClient client) {
    try {
      client.cancel().get(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // finished or failed meanwhile: nothing left to cancel
    }
    try {
      client.getJobExecutionResult().get(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // cancelled: the result fails, which is the point
    }
  }

  static Configuration configuration(int parallelism) {
    Configuration c = new Configuration();
    c.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
    c.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(1, parallelism));
    // a failing batch job must fail, not restart forever
    c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    // batch sorts and joins of backfills (Flink SQL) spill through managed memory (allocated on
    // demand, released after the job); training sets sort on the heap in their own operators
    // (SweepFunction, OrderedParquetSink) and use none
    c.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("3g"));
    c.setString("rest.bind-port", "0");
    // on the loopback address only, like the streaming jobs' LocalFlink: Flink binds its REST
    // endpoint (which cancels jobs) and its BLOB server to every interface by default
    c.setString("rest.bind-address", "127.0.0.1");
    c.setString("rest.address", "127.0.0.1");
    c.setString("jobmanager.bind-host", "127.0.0.1");
    c.setString("taskmanager.bind-host", "127.0.0.1");
    // the default scheduler instead of the adaptive batch one (Flink's batch default): training
    // sets run with pipelined exchanges (PointInTimeJoin), which the adaptive batch scheduler
    // rejects; backfills keep blocking exchanges at the configured parallelism
    c.set(JobManagerOptions.SCHEDULER, JobManagerOptions.SchedulerType.Default);
    // running jobs' accumulators (the progress of exports and backfills) reach the job manager
    // with the task managers' heartbeats: every second instead of Flink's 10 s, so that a
    // progress bar moves during a job of a few seconds (in-process calls, cheap)
    c.set(
        org.apache.flink.configuration.HeartbeatManagerOptions.HEARTBEAT_INTERVAL,
        java.time.Duration.ofSeconds(1));
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
