package dev.quiver.jobs;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The entry point of a materialization job on a Flink cluster:
 *
 * <pre>
 * flink run [-d] -c dev.quiver.jobs.MaterializationJob quiver-jobs-VERSION-job.jar \
 *     --config quiver.yaml --view default.user_activity_metrics[:v4] [--restore PATH]
 * </pre>
 *
 * <p>The jar is built by the {@code jobs-dist} module ({@code make jar}); {@code
 * JobJarOnClusterITCase} submits it with {@code flink run} to a Flink session cluster. It resolves
 * the view in the registry that {@code quiver.yaml} configures, plans the same SQL as {@code quiver
 * plan} and runs it on the environment it is started in (the cluster under {@code flink run}; a
 * local MiniCluster when started with plain {@code java}).
 */
public final class MaterializationJob {
  private MaterializationJob() {}

  public static void main(String[] args) throws Exception {
    Arguments a = Arguments.parse(args);
    QuiverConfig config = a.config() == null ? QuiverConfig.empty() : QuiverConfig.load(a.config());
    ViewResolution resolved;
    try (FeatureRegistry registry = FeatureRegistries.open(config)) {
      resolved = ViewResolution.resolve(registry, a.view());
    }
    StreamExecutionEnvironment env = environment(config, a.restore());
    JobClient job = Materializer.start(env, resolved.view(), resolved.keys(), config);
    if (detached(env)) {
      // flink run -d: the client returns once the job is submitted; it runs on the cluster
      return;
    }
    job.getJobExecutionResult().get();
  }

  /**
   * Under {@code flink run}: the cluster's environment with the job's own settings only (the
   * cluster's configuration decides its addresses, memory and slots). Started with plain {@code
   * java}: a local MiniCluster as {@code quiver materialize} runs it.
   */
  static StreamExecutionEnvironment environment(QuiverConfig config, Path restore) {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(
            LocalFlink.jobConfiguration(config, restore, true));
    if (env instanceof LocalStreamEnvironment) {
      Configuration local = LocalFlink.configuration(config, restore, true);
      env = StreamExecutionEnvironment.getExecutionEnvironment(local);
    }
    return env;
  }

  /**
   * Whether the client submits and leaves ({@code flink run -d} sets {@code execution.attached}
   * false). Under plain {@code java} nothing sets it: the local job is waited for. (Waiting always
   * kept {@code flink run -d} from returning: a streaming job never ends.)
   */
  static boolean detached(StreamExecutionEnvironment env) {
    return !env.getConfiguration().getOptional(DeploymentOptions.ATTACHED).orElse(true);
  }

  /**
   * The job's command line (also what {@code quiver crds} writes into a FlinkDeployment's args).
   *
   * @param config {@code --config}, or null
   * @param view {@code --view}: {@code [namespace.]name[:version]}
   * @param restore {@code --restore}, or null
   */
  public record Arguments(Path config, String view, Path restore) {
    /**
     * @throws IllegalArgumentException naming an unknown argument, a missing value or a missing
     *     {@code --view}
     */
    public static Arguments parse(String... args) {
      Path configFile = null;
      String view = null;
      Path restore = null;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--config" -> configFile = Path.of(value(args, ++i, "--config"));
          case "--view" -> view = value(args, ++i, "--view");
          case "--restore" -> restore = Path.of(value(args, ++i, "--restore"));
          default ->
              throw new IllegalArgumentException(
                  "unknown argument '"
                      + args[i]
                      + "' (expected: --config quiver.yaml --view [ns.]name[:version] [--restore"
                      + " PATH])");
        }
      }
      if (view == null) {
        throw new IllegalArgumentException(
            "--view: missing (expected: [namespace.]name[:version])");
      }
      return new Arguments(configFile, view, restore);
    }
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + ": missing value");
    }
    return args[i];
  }
}
