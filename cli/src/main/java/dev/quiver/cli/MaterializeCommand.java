package dev.quiver.cli;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.JobOptions;
import dev.quiver.jobs.LocalFlink;
import dev.quiver.jobs.Materializer;
import dev.quiver.jobs.ViewResolution;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code quiver materialize VIEW[:VERSION]}: runs the view's streaming job on a local Flink
 * (MiniCluster) until Ctrl-C. The same job runs on a cluster through {@code
 * dev.quiver.jobs.MaterializationJob} (see docs/materialization.md).
 */
@Command(
    name = "materialize",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the view's materialization job (Kafka -> online store + Iceberg) on a local Flink until"
          + " Ctrl-C. Checkpoints are retained: restart with --restore <checkpoint or savepoint>.",
      "On a Flink 1.20 cluster: make jar, then flink run -d -c dev.quiver.jobs.MaterializationJob"
          + " jobs-dist/target/quiver-jobs-VERSION-job.jar --config quiver.yaml --view VIEW"
          + " (docs/materialization.md, Deploying to a cluster)",
      "Exit codes: 130 or 143 stopped by Ctrl-C or SIGTERM, 0 the job ended, 1 the view cannot be"
          + " materialized, 2 usage, 5 no such view, 70 the job failed."
    })
final class MaterializeCommand implements Callable<Integer> {
  @ParentCommand QuiverCli parent;

  @Mixin ViewRefArgs target;

  @Option(
      names = "--restore",
      paramLabel = "PATH",
      description = "Restore from this checkpoint (chk-N directory) or savepoint.")
  Path restore;

  /** How long the broker has to answer before the job starts (see StreamingPipeline). */
  static final java.time.Duration KAFKA_CHECK_TIMEOUT = java.time.Duration.ofSeconds(10);

  @Override
  public Integer call() throws Exception {
    FeatureRegistry registry = parent.environment().registry();
    FeatureView view = target.record(registry).view();
    QuiverConfig config = LocalDefaults.apply(parent.environment().config());
    PrintWriter out = parent.spec.commandLine().getOut();
    if (view.source() != null && view.source().isStream()) {
      if (view.online()) {
        requireEmbeddedStoreFree(config);
      }
      String warning =
          dev.quiver.jobs.StreamingPipeline.checkKafka(view, config, KAFKA_CHECK_TIMEOUT);
      if (warning != null) {
        parent.spec.commandLine().getErr().println("warning: " + warning);
      }
    }
    Configuration flink = LocalFlink.configuration(config, restore, true);
    StreamExecutionEnvironment env = LocalFlink.localEnvironment(flink);
    Materializer.build(env, view, ViewResolution.keys(registry, view), config);
    // its own MiniCluster rather than env.executeAsync's, whose REST endpoint (on a free port)
    // nothing tells: quiver savepoint trigger needs its URL
    MiniCluster cluster =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(flink)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(flink.getInteger("taskmanager.numberOfTaskSlots", 1))
                .build());
    cluster.start();
    JobClient job;
    String flinkUrl;
    try {
      flinkUrl = "http://127.0.0.1:" + cluster.getRestAddress().get().getPort();
      StreamGraph streamGraph = env.getStreamGraph();
      streamGraph.setJobName(Materializer.jobName(view));
      JobGraph graph = streamGraph.getJobGraph();
      graph.getJobConfiguration().addAll(flink);
      if (restore != null) {
        graph.setSavepointRestoreSettings(
            SavepointRestoreSettings.forPath(restore.toUri().toString()));
      }
      job =
          new MiniClusterJobClient(
              cluster.submitJob(graph).get().getJobID(),
              cluster,
              MaterializeCommand.class.getClassLoader(),
              MiniClusterJobClient.JobFinalizationBehavior.SHUTDOWN_CLUSTER);
    } catch (Exception | LinkageError e) {
      cluster.close();
      throw e;
    }
    out.println(
        "Materializing "
            + view.qualifiedName()
            + ":"
            + view.version()
            + " (job "
            + job.getJobID()
            + "); checkpoints under "
            + Path.of(config.get(JobOptions.CHECKPOINT_DIR)).toAbsolutePath()
            + "/"
            + job.getJobID()
            + ". Ctrl-C stops it.");
    out.println(
        "  flink: "
            + flinkUrl
            + "  (the job; a savepoint: quiver savepoint trigger "
            + view.qualifiedName()
            + " --flink "
            + flinkUrl
            + ")");
    out.flush();
    Thread hook =
        new Thread(
            () -> {
              try {
                job.cancel().get();
              } catch (Exception ignored) {
                // already stopped
              }
            });
    Runtime.getRuntime().addShutdownHook(hook);
    ScheduledExecutorService watcher =
        watchRestarts(
            job, view.qualifiedName() + ":" + view.version(), parent.spec.commandLine().getErr());
    try {
      job.getJobExecutionResult().get();
      return ExitCode.OK;
    } catch (Exception e) {
      parent.spec.commandLine().getErr().println(jobFailure(e));
      return ExitCode.FAILURE;
    } finally {
      watcher.shutdownNow();
    }
  }

  /** Prints the job's restarts as they happen ({@link RestartNotice}), looking once a second. */
  private static ScheduledExecutorService watchRestarts(
      JobClient job, String view, PrintWriter err) {
    RestartNotice notice = new RestartNotice(view, LOG_FILE, RECOVERED_AFTER_MILLIS);
    ScheduledExecutorService watcher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "quiver-materialize-restarts");
              t.setDaemon(true);
              return t;
            });
    watcher.scheduleWithFixedDelay(
        () -> {
          try {
            String line =
                notice.observe(
                    job.getJobStatus().get(10, TimeUnit.SECONDS), System.currentTimeMillis());
            if (line != null) {
              err.println(line);
              err.flush();
            }
          } catch (Exception | LinkageError notNow) {
            // the cluster is busy or stopping: the next look, or the job's end, tells
          }
        },
        1,
        1,
        TimeUnit.SECONDS);
    return watcher;
  }

  private static final long RECOVERED_AFTER_MILLIS = 10_000;

  /**
   * Refuses to start a job whose online sink cannot open the embedded store because another process
   * (a running {@code quiver local} or {@code quiver serve}) holds it (before: with {@code quiver
   * local} running, a view applied since ran its job, which restarted ten times on RocksDB's "While
   * lock file: .../LOCK: Resource temporarily unavailable" and exited 70).
   */
  static void requireEmbeddedStoreFree(QuiverConfig config) throws java.io.IOException {
    String path = BackfillCommand.heldEmbeddedStore(config);
    if (path != null) {
      throw new IllegalArgumentException(
          "online.embedded.path: the embedded online store at "
              + path
              + " is in use by another process (a running quiver local or quiver serve); RocksDB"
              + " opens a store in one process only, so this job could not write it. quiver local"
              + " starts a job for every streaming view in the registry when it starts: stop it"
              + " and start it again to materialize a view applied since (it lists the view"
              + " under jobs:). Otherwise stop that process first, or give this job a store of its"
              + " own (--set online.embedded.path=DIR, or online.type: hbase)");
    }
  }

  /**
   * What a failed job prints: Flink's outer message ("Job execution failed.") and the causes under
   * it, each once, down to the one that says what went wrong, and where the full trace is.
   */
  static String jobFailure(Throwable e) {
    StringBuilder sb = new StringBuilder("error: the job failed: ").append(e.getMessage());
    java.util.Set<String> seen = new java.util.HashSet<>();
    seen.add(String.valueOf(e.getMessage()));
    int lines = 0;
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      String text = c.getClass().getSimpleName() + ": " + c.getMessage();
      String message = String.valueOf(c.getMessage());
      // wrappers repeat their cause's message, often after its class name
      boolean repeat = seen.stream().anyMatch(m -> m.endsWith(message));
      seen.add(message);
      if (!repeat && lines++ < MAX_CAUSES) {
        sb.append("\n  caused by: ").append(text);
      }
    }
    String fix = dev.quiver.jobs.DataDirFailure.fixFor(e);
    if (fix != null) {
      // printed once the restarts have run out: the job needs a restart from its checkpoint
      sb.append("\n  ")
          .append(fix)
          .append("; then restart it: quiver materialize VIEW --restore <its last chk-N>");
    }
    return sb.append("\n  (the full trace is in ").append(LOG_FILE).append(')').toString();
  }

  private static final int MAX_CAUSES = 8;

  /** The CLI's log file (log4j2-cli.xml). */
  static final String LOG_FILE =
      Path.of(
              java.util.Objects.requireNonNullElse(
                  System.getenv("QUIVER_LOG_DIR"), System.getProperty("java.io.tmpdir")),
              "quiver-cli.log")
          .toString();
}
