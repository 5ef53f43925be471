package dev.quiver.jobs;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Source;
import dev.quiver.jobs.plan.JobPlanner;
import dev.quiver.jobs.plan.MaterializationPlan;
import dev.quiver.jobs.plan.PlannerSettings;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineOptions;
import dev.quiver.offline.OfflineTables;
import dev.quiver.online.OnlineStoreOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
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
    online.put("store.online.type", config.get(OnlineStoreOptions.TYPE));
    config.asMap().entrySet().stream()
        .filter(e -> e.getKey().startsWith("online.") && !e.getKey().equals("online.type"))
        .forEach(e -> online.put("store." + e.getKey(), e.getValue()));
    // absolute, whether the default or given (quiver.data-dir's .quiver/online): the plan shows
    // where the store is, and the job opens it whatever its working directory
    if ("embedded".equals(config.get(OnlineStoreOptions.TYPE))) {
      online.put(
          "store.online.embedded.path", absolute(config.get(OnlineStoreOptions.EMBEDDED_PATH)));
    }
    online.put("batch-size", Integer.toString(config.get(JobOptions.ONLINE_BATCH_SIZE)));
    online.put("flush-interval", config.get(JobOptions.ONLINE_FLUSH_INTERVAL).toMillis() + " ms");
    return new PlannerSettings(
        true,
        true,
        online,
        config.get(OfflineOptions.CATALOG_NAME),
        icebergCatalogProperties(config));
  }

  /**
   * The Flink {@code CREATE CATALOG} options of the offline Iceberg catalog: {@link
   * OfflineCatalogs#flinkProperties}, so the job's Iceberg sink refuses a moved warehouse as the
   * CLI does.
   */
  public static Map<String, String> icebergCatalogProperties(QuiverConfig config) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("type", "iceberg");
    p.putAll(OfflineCatalogs.flinkProperties(config));
    return p;
  }

  /** Opens the offline Iceberg catalog (the caller closes it if it is closeable). */
  public static Catalog openCatalog(QuiverConfig config) {
    return OfflineCatalogs.open(config);
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
    build(env, view, keys, config);
    return env.executeAsync(jobName(view));
  }

  /** Creates the offline table and adds the job to {@code env} without running it. */
  public static void build(
      StreamExecutionEnvironment env, FeatureView view, List<JoinKey> keys, QuiverConfig config)
      throws Exception {
    requireStreamSource(view);
    MaterializationPlan plan = plan(view, keys, config);
    if (view.offline()) {
      Catalog catalog = openCatalog(config);
      try {
        OfflineTables.ensureTable(catalog, view, keys);
      } finally {
        if (catalog instanceof AutoCloseable c) {
          c.close();
        }
      }
    }
    StreamingPipeline.build(env, plan, config);
  }

  /**
   * Refuses a view whose source is not a stream, before anything is created: its events come from a
   * table, which a backfill reads (session 12 QA pass: an Iceberg-source view failed with
   * "sources.sessions.topic: missing", after its Iceberg table had been created).
   */
  public static void requireStreamSource(FeatureView view) {
    Source s = view.source();
    if (s == null || !s.isStream()) {
      throw new IllegalArgumentException(
          "source: "
              + (s == null
                  ? "none declared"
                  : "'"
                      + s.name()
                      + "' is "
                      + ("aeiou".indexOf(s.kind().charAt(0)) >= 0 ? "an " : "a ")
                      + s.kind()
                      + " source")
              + "; quiver materialize runs the streaming job of a view over a Kafka source; fill"
              + " this view from its source's history with quiver backfill "
              + view.name()
              + " --from A --to B (docs/backfills.md), or declare a kafka source");
    }
  }

  public static String jobName(FeatureView view) {
    return "quiver-materialize-" + view.qualifiedName() + "-" + view.version();
  }

  static String absolute(String path) {
    return Path.of(path).toAbsolutePath().normalize().toString();
  }
}
