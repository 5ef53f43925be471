package dev.quiver.jobs;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.jobs.plan.JobPlanner;
import dev.quiver.jobs.plan.MaterializationPlan;
import dev.quiver.jobs.plan.PlannerSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;

/**
 * Plans and starts the materialization job of one feature view: creates the offline table if
 * needed, generates the SQL ({@link JobPlanner}) from the configuration, and runs it on the given
 * environment — a local MiniCluster ({@code quiver materialize}, {@code quiver local}) or, through
 * {@link MaterializationJob#main}, a Flink cluster.
 */
public final class Materializer {
  private Materializer() {}

  /** The planner settings of a configuration: where the online store and Iceberg live. */
  public static PlannerSettings settings(QuiverConfig config) {
    Map<String, String> online = new LinkedHashMap<>();
    online.put("store.online.type", config.get(ONLINE_TYPE));
    config.asMap().entrySet().stream()
        .filter(e -> e.getKey().startsWith("online.") && !e.getKey().equals("online.type"))
        .forEach(e -> online.put("store." + e.getKey(), e.getValue()));
    if (!config.asMap().containsKey("online.embedded.path")
        && "embedded".equals(config.get(ONLINE_TYPE))) {
      online.put("store.online.embedded.path", absolute(config.get(ONLINE_EMBEDDED_PATH)));
    }
    online.put("batch-size", Integer.toString(config.get(JobOptions.ONLINE_BATCH_SIZE)));
    online.put("flush-interval", config.get(JobOptions.ONLINE_FLUSH_INTERVAL).toMillis() + " ms");
    return new PlannerSettings(
        true, true, online, config.get(OFFLINE_CATALOG_NAME), icebergCatalogProperties(config));
  }

  /** The Flink {@code CREATE CATALOG} options of the offline Iceberg catalog. */
  public static Map<String, String> icebergCatalogProperties(QuiverConfig config) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("type", "iceberg");
    p.put("catalog-type", config.get(OFFLINE_CATALOG_TYPE).toLowerCase(Locale.ROOT));
    p.put("warehouse", LocalFlink.uri(config.get(OFFLINE_WAREHOUSE)));
    config.withPrefix("offline.properties.").forEach(p::put);
    return p;
  }

  /** Opens the offline Iceberg catalog (the caller closes it if it is closeable). */
  public static Catalog openCatalog(QuiverConfig config) {
    Map<String, String> p = new LinkedHashMap<>(icebergCatalogProperties(config));
    p.remove("type");
    p.put(CatalogUtil.ICEBERG_CATALOG_TYPE, p.remove("catalog-type"));
    return CatalogUtil.buildIcebergCatalog(
        config.get(OFFLINE_CATALOG_NAME), p, new Configuration());
  }

  /** The plan of {@code view} under {@code config}. */
  public static MaterializationPlan plan(
      FeatureView view, List<JoinKey> keys, QuiverConfig config) {
    return new JobPlanner(settings(config)).plan(view, keys);
  }

  /**
   * Creates the offline table, then adds the job to {@code env} and starts it asynchronously.
   *
   * @param env a local or cluster environment configured by {@link LocalFlink#configuration}
   */
  public static JobClient start(
      StreamExecutionEnvironment env, FeatureView view, List<JoinKey> keys, QuiverConfig config)
      throws Exception {
    MaterializationPlan plan = plan(view, keys, config);
    if (view.offline()) {
      Catalog catalog = openCatalog(config);
      try {
        OfflineTableSetup.ensure(catalog, view, keys);
      } finally {
        if (catalog instanceof AutoCloseable c) {
          c.close();
        }
      }
    }
    StreamingPipeline.build(env, plan, config);
    return env.executeAsync(jobName(view));
  }

  public static String jobName(FeatureView view) {
    return "quiver-materialize-" + view.qualifiedName() + "-" + view.version();
  }

  static String absolute(String path) {
    return Path.of(path).toAbsolutePath().normalize().toString();
  }

  // The online/offline keys this module reads (declared by their owning modules as well).
  static final dev.quiver.core.config.ConfigOption<String> ONLINE_TYPE =
      dev.quiver.core.config.ConfigOption.string("online.type", "embedded", "online store");
  static final dev.quiver.core.config.ConfigOption<String> ONLINE_EMBEDDED_PATH =
      dev.quiver.core.config.ConfigOption.string(
          "online.embedded.path", "data/online", "embedded store directory");
  static final dev.quiver.core.config.ConfigOption<String> OFFLINE_CATALOG_TYPE =
      dev.quiver.core.config.ConfigOption.string("offline.catalog-type", "hadoop", "catalog kind");
  static final dev.quiver.core.config.ConfigOption<String> OFFLINE_WAREHOUSE =
      dev.quiver.core.config.ConfigOption.string(
          "offline.warehouse", ".quiver/warehouse", "warehouse");
  static final dev.quiver.core.config.ConfigOption<String> OFFLINE_CATALOG_NAME =
      dev.quiver.core.config.ConfigOption.string(
          "offline.catalog-name", "quiver_offline", "catalog name");
}
