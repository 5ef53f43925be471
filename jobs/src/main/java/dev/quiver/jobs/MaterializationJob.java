package dev.quiver.jobs;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The entry point of a materialization job on a Flink cluster:
 *
 * <pre>
 * flink run -c dev.quiver.jobs.MaterializationJob quiver-jobs.jar \
 *     --config quiver.yaml --view default.user_activity_metrics[:v4] [--restore PATH]
 * </pre>
 *
 * It resolves the view in the registry that {@code quiver.yaml} configures, plans the same SQL as
 * {@code quiver plan} and runs it on the environment it is started in (the cluster under {@code
 * flink run}; a local MiniCluster when started with plain {@code java}).
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
    Configuration flink = LocalFlink.configuration(config, a.restore(), true);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
    Materializer.start(env, resolved.view(), resolved.keys(), config).getJobExecutionResult().get();
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
