package dev.quiver.offline;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The tests' Spark session: local, two cores, no UI, bound to the loopback address, times in UTC as
 * {@code java.time} values, and the offline Hadoop catalog at {@code warehouse} registered as
 * {@code quiver_offline}. The caller stops it.
 */
final class LocalSpark {
  private LocalSpark() {}

  static SparkSession session(String appName, Path warehouse, int shufflePartitions) {
    return SparkSession.builder()
        .master("local[2]")
        .appName(appName)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", Integer.toString(shufflePartitions))
        .config("spark.sql.datetime.java8API.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.catalog.quiver_offline", "org.apache.iceberg.spark.SparkCatalog")
        .config("spark.sql.catalog.quiver_offline.type", "hadoop")
        .config("spark.sql.catalog.quiver_offline.warehouse", warehouse.toUri().toString())
        .getOrCreate();
  }
}
