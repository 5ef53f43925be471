package dev.quiver.online.hbase;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.hadoop.hbase.client.AsyncConnection;

/**
 * One HBase {@link AsyncConnection} per cluster and client settings per JVM, shared by reference
 * count: HBase's connection is thread-safe and heavyweight (ZooKeeper session, meta cache, Netty
 * event loops), meant to be shared, and a Flink task manager runs several online sink writers, each
 * of which opened the store (and so a connection) of its own. The connection is closed when the
 * last store on it is closed.
 *
 * <p>It also holds the lock that serializes this process's schema changes ({@link
 * HBaseOnlineStore#ensureTable}): the master refuses a table modification that raced another
 * ({@code ConcurrentTableModificationException}), so writers of one process take turns and those of
 * other processes retry.
 */
final class SharedHBaseConnection {
  /** Opens a connection; called under the registry's lock, once per key while one is open. */
  interface Connector {
    AsyncConnection connect();
  }

  private static final Map<String, SharedHBaseConnection> OPEN = new HashMap<>();

  private final String key;
  private final AsyncConnection connection;
  private final ReentrantLock schemaLock = new ReentrantLock();
  private int refs;

  private SharedHBaseConnection(String key, AsyncConnection connection) {
    this.key = key;
    this.connection = connection;
  }

  /**
   * The open connection for {@code key} (the settings that make two connections differ), or a new
   * one from {@code connector}; each call must be matched by one {@link #release}.
   */
  static synchronized SharedHBaseConnection acquire(String key, Connector connector) {
    SharedHBaseConnection shared = OPEN.get(key);
    if (shared == null) {
      shared = new SharedHBaseConnection(key, connector.connect());
      OPEN.put(key, shared);
    }
    shared.refs++;
    return shared;
  }

  /** Drops one reference; the last closes the connection. */
  void release() {
    synchronized (SharedHBaseConnection.class) {
      if (--refs > 0) {
        return;
      }
      OPEN.remove(key);
    }
    try {
      connection.close();
    } catch (IOException ignored) {
      // the connection is being discarded; nothing useful to do with a close failure
    }
  }

  AsyncConnection connection() {
    return connection;
  }

  /** Serializes this process's schema changes on the cluster. */
  ReentrantLock schemaLock() {
    return schemaLock;
  }

  /** How many connections this JVM holds open (tests). */
  static synchronized int openConnections() {
    return OPEN.size();
  }
}
