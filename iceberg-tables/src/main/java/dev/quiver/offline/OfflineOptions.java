package dev.quiver.offline;

import dev.quiver.core.config.ConfigOption;
import java.time.Duration;
import java.util.List;

/**
 * Typed options of the offline store ({@code offline.*} in {@code quiver.yaml}). Raw Iceberg
 * catalog properties (for example {@code offline.properties.uri} for a JDBC catalog, or {@code
 * offline.properties.jdbc.user}) are passed to the catalog verbatim.
 */
public final class OfflineOptions {
  private OfflineOptions() {}

  public static final ConfigOption<String> CATALOG_TYPE =
      ConfigOption.string(
          "offline.catalog-type",
          "hadoop",
          "Iceberg catalog kind holding the offline tables: hadoop (files only) or jdbc.");

  public static final ConfigOption<String> WAREHOUSE =
      ConfigOption.string(
          "offline.warehouse",
          ".quiver/warehouse",
          "Warehouse location (a path or URI) where the Iceberg tables live.");

  public static final ConfigOption<String> CATALOG_NAME =
      ConfigOption.string(
          "offline.catalog-name", "quiver_offline", "Name of the Iceberg catalog (also in SQL).");

  public static final ConfigOption<Boolean> AVAILABILITY_GUARD =
      ConfigOption.bool(
          "offline.availability-guard",
          true,
          "Training sets use an event at t only if its _ingested_at <= t (guards against"
              + " backfills that wrote old event times later).");

  public static final ConfigOption<Boolean> WARM_UP =
      ConfigOption.bool(
          "offline.warm-up",
          true,
          "quiver serve runs one small export on generated data in a temporary directory when it"
              + " starts, so that its first real export does not pay the local Flink cluster's"
              + " start, class loading and first compiles.");

  public static final ConfigOption<Integer> PARALLELISM =
      ConfigOption.integer(
          "offline.parallelism",
          2,
          "Parallelism of Flink batch jobs (exports, backfills); an export writes one Parquet part per"
              + " sweep subtask, so this is also its number of parts.");

  public static final ConfigOption<Long> BACKFILL_ONLINE_RATE =
      ConfigOption.longOption(
          "offline.backfill.online-rate",
          20_000L,
          "Maximum online-store upserts per second a backfill with --online may issue.");

  public static final ConfigOption<String> BACKFILL_PLANNER =
      ConfigOption.string(
          "offline.backfill.planner",
          "streaming-sql",
          "Which BackfillPlanner turns a view into its backfill's batch SQL (streaming-sql: the"
              + " streaming job's own statements, from quiver-jobs).");

  public static final ConfigOption<Double> BACKFILL_ESTIMATED_READ_RATE =
      ConfigOption.doubleOption(
          "offline.backfill.estimated-read-rate",
          250_000.0,
          "Records per second a dry run assumes its backfill reads (the records of the history"
              + " files its range's scan keeps, or of the Kafka range, and the offline table's rows"
              + " in the range). Default from"
              + " BackfillBench: 1M events from Parquet read and written in ~16.5 s on a quiet"
              + " 2-core machine (~60,000 events/s end to end) = 5 s start-up + ~4 s reading + ~8 s"
              + " writing; a rerun that writes nothing took a third of a first run's time past"
              + " start-up.");

  public static final ConfigOption<Double> BACKFILL_ESTIMATED_WRITE_RATE =
      ConfigOption.doubleOption(
          "offline.backfill.estimated-write-rate",
          125_000.0,
          "Rows per second a dry run assumes its backfill appends to the offline table. Default:"
              + " the other two thirds of BackfillBench's ~16.5 s for 1M events past the 5 s"
              + " start-up (see offline.backfill.estimated-read-rate).");

  public static final ConfigOption<Duration> SNAPSHOTS_MAX_AGE =
      ConfigOption.duration(
          "offline.snapshots.max-age",
          Duration.ofDays(7),
          "Snapshots of the offline tables older than this are expired (beyond"
              + " offline.snapshots.retain-last); time travel and manifests reach back this far.");

  public static final ConfigOption<Integer> SNAPSHOTS_RETAIN_LAST =
      ConfigOption.integer(
          "offline.snapshots.retain-last",
          100,
          "The newest snapshots of each offline table kept whatever their age (at least 1).");

  public static final ConfigOption<Duration> SNAPSHOTS_EXPIRE_INTERVAL =
      ConfigOption.duration(
          "offline.snapshots.expire-interval",
          Duration.ofHours(1),
          "How often quiver serve and quiver local expire old snapshots of every offline table"
              + " (0 disables it).");

  /** Raw catalog settings prefix. */
  public static final String PROPERTIES_PREFIX = "offline.properties.";

  public static List<ConfigOption<?>> all() {
    return List.of(
        CATALOG_TYPE,
        WAREHOUSE,
        CATALOG_NAME,
        AVAILABILITY_GUARD,
        PARALLELISM,
        WARM_UP,
        BACKFILL_ONLINE_RATE,
        BACKFILL_PLANNER,
        BACKFILL_ESTIMATED_READ_RATE,
        BACKFILL_ESTIMATED_WRITE_RATE,
        SNAPSHOTS_MAX_AGE,
        SNAPSHOTS_RETAIN_LAST,
        SNAPSHOTS_EXPIRE_INTERVAL);
  }
}
