package dev.quiver.online.hbase;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStoreException;
import dev.quiver.online.OnlineStoreFactory;
import dev.quiver.online.OnlineStoreOptions;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.AsyncConnection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.io.encoding.DataBlockEncoding;

/**
 * Creates the {@code hbase} online store from {@code online.hbase.*}; raw client settings under
 * {@code online.hbase.properties.} are copied into the HBase configuration verbatim (for example
 * {@code online.hbase.properties.hbase.client.retries.number}).
 */
public final class HBaseOnlineStoreFactory implements OnlineStoreFactory {
  public static final String IDENTIFIER = "hbase";
  private static final String PROPERTIES = "online.hbase.properties.";

  @Override
  public String identifier() {
    return IDENTIFIER;
  }

  @Override
  public OnlineStore create(QuiverConfig config) {
    Configuration conf = HBaseConfiguration.create();
    conf.set("hbase.zookeeper.quorum", config.get(OnlineStoreOptions.HBASE_ZOOKEEPER_QUORUM));
    conf.set("zookeeper.znode.parent", config.get(OnlineStoreOptions.HBASE_ZNODE_PARENT));
    Duration op = positive(config.get(OnlineStoreOptions.HBASE_OPERATION_TIMEOUT), "operation");
    Duration rpc = positive(config.get(OnlineStoreOptions.HBASE_RPC_TIMEOUT), "rpc");
    conf.setLong("hbase.client.operation.timeout", op.toMillis());
    conf.setLong("hbase.rpc.timeout", rpc.toMillis());
    config.withPrefix(PROPERTIES).forEach(conf::set);
    int versions = config.get(OnlineStoreOptions.HBASE_MAX_VERSIONS);
    int regions = config.get(OnlineStoreOptions.HBASE_PRESPLIT_REGIONS);
    if (versions < 1) {
      throw new IllegalArgumentException(
          OnlineStoreOptions.HBASE_MAX_VERSIONS.key() + ": " + versions + " (expected: >= 1)");
    }
    if (regions < 1 || regions > 256) {
      throw new IllegalArgumentException(
          OnlineStoreOptions.HBASE_PRESPLIT_REGIONS.key() + ": " + regions + " (expected: 1..256)");
    }
    DataBlockEncoding encoding = encoding(config.get(OnlineStoreOptions.HBASE_DATA_BLOCK_ENCODING));
    TableName table = TableName.valueOf(config.get(OnlineStoreOptions.HBASE_TABLE));
    // one connection per cluster and client settings in this JVM, shared by the stores on it
    Map<String, String> settings = new TreeMap<>(config.withPrefix(PROPERTIES));
    settings.put("hbase.zookeeper.quorum", conf.get("hbase.zookeeper.quorum"));
    settings.put("zookeeper.znode.parent", conf.get("zookeeper.znode.parent"));
    settings.put("hbase.client.operation.timeout", conf.get("hbase.client.operation.timeout"));
    settings.put("hbase.rpc.timeout", conf.get("hbase.rpc.timeout"));
    SharedHBaseConnection shared =
        SharedHBaseConnection.acquire(settings.toString(), () -> connect(conf));
    return new HBaseOnlineStore(shared, table, versions, regions, encoding, op, rpc);
  }

  private static AsyncConnection connect(Configuration conf) {
    try {
      return ConnectionFactory.createAsyncConnection(conf).get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // a configuration problem for the caller (the CLI's exit 1, not 70 "unexpected failure"):
      // name the setting and the fix, as the Kafka check does for kafka.bootstrap-servers
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IllegalArgumentException(
          OnlineStoreOptions.HBASE_ZOOKEEPER_QUORUM.key()
              + ": cannot connect to HBase at "
              + conf.get("hbase.zookeeper.quorum")
              + " (znode parent "
              + conf.get("zookeeper.znode.parent")
              + ")"
              + (e instanceof TimeoutException ? " within 60 s" : "")
              + ": "
              + cause
              + "; start HBase, or set "
              + OnlineStoreOptions.HBASE_ZOOKEEPER_QUORUM.key()
              + " (--set "
              + OnlineStoreOptions.HBASE_ZOOKEEPER_QUORUM.key()
              + "=HOST:PORT[,HOST:PORT...]) and "
              + OnlineStoreOptions.HBASE_ZNODE_PARENT.key()
              + " to the cluster's ZooKeeper",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OnlineStoreException("interrupted while connecting to HBase", e);
    }
  }

  private static DataBlockEncoding encoding(String name) {
    try {
      return DataBlockEncoding.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          OnlineStoreOptions.HBASE_DATA_BLOCK_ENCODING.key()
              + ": "
              + name
              + " (expected one of "
              + java.util.Arrays.toString(DataBlockEncoding.values())
              + ")",
          e);
    }
  }

  private static Duration positive(Duration d, String which) {
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(
          "online.hbase." + which + "-timeout: " + d + " (expected: > 0)");
    }
    return d;
  }
}
