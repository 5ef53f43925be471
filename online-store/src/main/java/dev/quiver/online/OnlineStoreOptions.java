package dev.quiver.online;

import dev.quiver.core.config.ConfigOption;
import dev.quiver.core.config.QuiverConfig;
import java.time.Duration;
import java.util.List;

/**
 * Typed options of the online store ({@code online.*} in {@code quiver.yaml}). Raw HBase client
 * settings go under {@code online.hbase.properties.} and are passed to the HBase configuration
 * verbatim.
 */
public final class OnlineStoreOptions {
  private OnlineStoreOptions() {}

  public static final ConfigOption<String> TYPE =
      ConfigOption.string(
          "online.type", "embedded", "Online store implementation: embedded or hbase.");

  public static final ConfigOption<String> EMBEDDED_PATH =
      ConfigOption.string(
          "online.embedded.path",
          "data/online",
          "Directory of the embedded RocksDB online store; one open instance per path per JVM.");

  public static final ConfigOption<Integer> EMBEDDED_THREADS =
      ConfigOption.integer(
          "online.embedded.threads", 2, "Threads that serve the embedded store's async calls.");

  public static final ConfigOption<Integer> EMBEDDED_BLOCK_CACHE_MB =
      ConfigOption.integer(
          "online.embedded.block-cache-mb", 64, "RocksDB block cache size of the embedded store.");

  public static final ConfigOption<String> HBASE_ZOOKEEPER_QUORUM =
      ConfigOption.string(
          "online.hbase.zookeeper-quorum",
          "localhost:2181",
          "ZooKeeper quorum of the HBase cluster, host:port[,host:port...].");

  public static final ConfigOption<String> HBASE_ZNODE_PARENT =
      ConfigOption.string(
          "online.hbase.zookeeper-znode-parent", "/hbase", "HBase's parent znode in ZooKeeper.");

  public static final ConfigOption<String> HBASE_TABLE =
      ConfigOption.string(
          "online.hbase.table",
          "quiver_online",
          "HBase table holding one column family per view major version ([namespace:]name).");

  public static final ConfigOption<Integer> HBASE_MAX_VERSIONS =
      ConfigOption.integer(
          "online.hbase.max-versions",
          100,
          "Cell versions kept per qualifier (bounds how far back as_of reads of a cell go).");

  public static final ConfigOption<Integer> HBASE_PRESPLIT_REGIONS =
      ConfigOption.integer(
          "online.hbase.presplit-regions",
          8,
          "Regions the table is pre-split into on the salt byte when it is created.");

  public static final ConfigOption<Duration> HBASE_OPERATION_TIMEOUT =
      ConfigOption.duration(
          "online.hbase.operation-timeout",
          Duration.ofSeconds(5),
          "Upper bound of one multiGet/multiPut including retries.");

  public static final ConfigOption<Duration> HBASE_RPC_TIMEOUT =
      ConfigOption.duration(
          "online.hbase.rpc-timeout", Duration.ofSeconds(2), "Timeout of one HBase RPC.");

  public static final ConfigOption<String> HBASE_DATA_BLOCK_ENCODING =
      ConfigOption.string(
          "online.hbase.data-block-encoding",
          "ROW_INDEX_V1",
          "Data block encoding of the view column families (HBase DataBlockEncoding: ROW_INDEX_V1"
              + " finds a row in a block by binary search, NONE scans the block); set on new"
              + " families and on existing ones by ensureTable, used by files written afterwards.");

  /** Every option, for validation and the docs-completeness test. */
  public static List<ConfigOption<?>> all() {
    return List.of(
        TYPE,
        EMBEDDED_PATH,
        EMBEDDED_THREADS,
        EMBEDDED_BLOCK_CACHE_MB,
        HBASE_ZOOKEEPER_QUORUM,
        HBASE_ZNODE_PARENT,
        HBASE_TABLE,
        HBASE_MAX_VERSIONS,
        HBASE_PRESPLIT_REGIONS,
        HBASE_OPERATION_TIMEOUT,
        HBASE_RPC_TIMEOUT,
        HBASE_DATA_BLOCK_ENCODING);
  }

  /**
   * Rejects unknown {@code online.*} keys (other sections are left to their modules).
   *
   * @throws IllegalArgumentException listing the unknown and the supported keys
   */
  public static void validate(QuiverConfig config) {
    config.validateSection("online.", all(), "online.hbase.properties.", "HBase");
  }
}
