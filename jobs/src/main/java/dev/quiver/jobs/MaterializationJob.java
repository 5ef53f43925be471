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
      throw new IllegalArgumentException("--view: missing (expected: [namespace.]name[:version])");
    }
    QuiverConfig config = configFile == null ? QuiverConfig.empty() : QuiverConfig.load(configFile);
    ViewResolution resolved;
    try (FeatureRegistry registry = FeatureRegistries.open(config)) {
      resolved = ViewResolution.resolve(registry, view);
    }
    Configuration flink = LocalFlink.configuration(config, restore, true);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
    Materializer.start(env, resolved.view(), resolved.keys(), config).getJobExecutionResult().get();
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + ": missing value");
    }
    return args[i];
  }
}
