package dev.quiver.online.hbase;

import dev.quiver.core.config.QuiverConfig;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.HBaseTestingUtility;

/**
 * A real HBase mini-cluster (ZooKeeper, master, one region server, local filesystem) for tests, in
 * process. Start one per test class (startup takes ~25 s). Other modules use it from this module's
 * test-jar; their surefire must keep {@code hbase-shaded-client} off the test classpath (see this
 * module's pom).
 *
 * <p>{@link #stopHBase()} / {@link #startHBase()} stop and restart the HBase daemons while
 * ZooKeeper and the data stay, for fault tests; {@link #config()} stays valid across a restart.
 */
public final class HBaseMiniClusterFixture implements AutoCloseable {
  private final HBaseTestingUtility util;
  private final String tmpdir;

  private HBaseMiniClusterFixture(HBaseTestingUtility util, String tmpdir) {
    this.util = util;
    this.tmpdir = tmpdir;
  }

  /** Starts ZooKeeper and HBase. */
  public static HBaseMiniClusterFixture start() throws Exception {
    Configuration conf = HBaseConfiguration.create();
    conf.setInt("hbase.master.info.port", -1);
    conf.setInt("hbase.regionserver.info.port", -1);
    conf.setBoolean("hbase.defaults.for.version.skip", true);
    // The testing utility points java.io.tmpdir into its own data dir, which it deletes at
    // shutdown; native libraries loaded later in the JVM (RocksDB's) are extracted to tmpdir.
    String tmpdir = System.getProperty("java.io.tmpdir");
    HBaseTestingUtility util = new HBaseTestingUtility(conf);
    try {
      util.startMiniCluster(1);
    } finally {
      System.setProperty("java.io.tmpdir", tmpdir);
    }
    return new HBaseMiniClusterFixture(util, tmpdir);
  }

  /** {@code host:port} of the mini-cluster's ZooKeeper. */
  public String zookeeperQuorum() {
    return "localhost:" + util.getZkCluster().getClientPort();
  }

  /**
   * Quiver configuration for the {@code hbase} online store on this cluster, with short client
   * timeouts so that tests against a stopped cluster fail fast.
   */
  public QuiverConfig config(String table) {
    Map<String, String> m = new TreeMap<>();
    m.put("online.type", "hbase");
    m.put("online.hbase.zookeeper-quorum", zookeeperQuorum());
    m.put("online.hbase.table", table);
    m.put("online.hbase.presplit-regions", "4");
    m.put("online.hbase.operation-timeout", "5s");
    m.put("online.hbase.rpc-timeout", "2s");
    m.put("online.hbase.properties.hbase.client.retries.number", "10");
    m.put("online.hbase.properties.hbase.client.pause", "100");
    return QuiverConfig.of(m);
  }

  /**
   * Flushes {@code table}'s memstores to store files and major-compacts them (one file per store),
   * synchronously: the state of a region server some time after a bulk load, whose reads come from
   * store files (block cache, bloom filters) instead of the memstore's skip list.
   */
  public void flushAndCompact(String table) throws Exception {
    flushAndCompact(table, null);
  }

  /**
   * Like {@link #flushAndCompact(String)}, after setting every column family's data block encoding
   * to {@code encoding} (e.g. {@code ROW_INDEX_V1}; null keeps it), so that the compacted files use
   * it.
   */
  public void flushAndCompact(String table, String encoding) throws Exception {
    org.apache.hadoop.hbase.TableName name = org.apache.hadoop.hbase.TableName.valueOf(table);
    util.flush(name);
    if (encoding != null) {
      var admin = util.getAdmin();
      for (var cf : admin.getDescriptor(name).getColumnFamilies()) {
        admin.modifyColumnFamily(
            name,
            org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder.newBuilder(cf)
                .setDataBlockEncoding(
                    org.apache.hadoop.hbase.io.encoding.DataBlockEncoding.valueOf(encoding))
                .build());
      }
    }
    util.compact(name, true);
  }

  /** The cluster's admin (owned by the fixture: do not close it). */
  public org.apache.hadoop.hbase.client.Admin admin() throws java.io.IOException {
    return util.getAdmin();
  }

  /** Stops the master and region servers; ZooKeeper keeps running. */
  public void stopHBase() throws Exception {
    util.shutdownMiniHBaseCluster();
  }

  /** Starts HBase again after {@link #stopHBase()}; tables and data are kept. */
  public void startHBase() throws Exception {
    try {
      util.startMiniHBaseCluster();
    } finally {
      System.setProperty("java.io.tmpdir", tmpdir);
    }
  }

  @Override
  public void close() throws Exception {
    try {
      util.shutdownMiniCluster();
    } finally {
      System.setProperty("java.io.tmpdir", tmpdir);
    }
  }
}
