package dev.quiver.offline;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.offline.SnapshotExpiry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshot retention of the offline tables: the streaming job commits a snapshot every checkpoint,
 * so without expiry the table metadata grows without bound. {@link #expire} expires the snapshots
 * of every Quiver table (those carrying {@link OfflineTables#VIEW_PROPERTY}) older than a cut-off
 * beyond the newest {@code retainLast}, through {@link OfflineTables#expireSnapshots(Table,
 * Instant, int, boolean)}; tagged snapshots (backfills) are kept. {@link #start} runs it
 * periodically for the long-running processes ({@code quiver serve}, {@code quiver local}).
 */
public final class SnapshotRetention implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotRetention.class);

  private final ScheduledExecutorService executor;

  private SnapshotRetention(ScheduledExecutorService executor) {
    this.executor = executor;
  }

  /**
   * {@link #expire(Catalog, String, Instant, int, boolean)} with the cut-off {@code olderThan}
   * before now, as core's {@link SnapshotExpiry} ({@code quiver snapshots expire}, in process or
   * through {@code POST /v1/offline/snapshots:expire}).
   */
  public static SnapshotExpiry expireOlderThan(
      Catalog catalog, String view, Duration olderThan, int retainLast, boolean dryRun) {
    Instant cutoff = Instant.now().minus(olderThan);
    return new SnapshotExpiry(
        cutoff, olderThan, retainLast, dryRun, expire(catalog, view, cutoff, retainLast, dryRun));
  }

  /**
   * Expires old snapshots in every Quiver table of {@code catalog}, or only in the tables of {@code
   * view} ({@code name} or {@code namespace.name}) when it is not null.
   *
   * @throws IllegalArgumentException when {@code view} has no offline table
   */
  public static List<SnapshotExpiry.Table> expire(
      Catalog catalog, String view, Instant olderThan, int retainLast, boolean dryRun) {
    if (retainLast < 1) {
      throw new IllegalArgumentException(
          "retain-last: " + retainLast + " (expected: the number of newest snapshots kept, >= 1)");
    }
    List<SnapshotExpiry.Table> out = new ArrayList<>();
    List<String> owners = new ArrayList<>();
    for (TableIdentifier id : quiverTables(catalog)) {
      String owner = null;
      try {
        Table table = catalog.loadTable(id);
        owner = viewOf(table);
        if (owner != null) {
          owners.add(owner);
        }
        if (owner == null || (view != null && !matches(owner, view))) {
          continue;
        }
        int expired = OfflineTables.expireSnapshots(table, olderThan, retainLast, dryRun);
        int remaining = OfflineTables.countSnapshots(table) - (dryRun ? expired : 0);
        out.add(new SnapshotExpiry.Table(id.toString(), owner, expired, remaining, null));
      } catch (RuntimeException e) {
        if (owner != null || view == null) {
          out.add(
              new SnapshotExpiry.Table(
                  id.toString(), owner, 0, -1, String.valueOf(e.getMessage())));
        }
      }
    }
    if (view != null && out.isEmpty()) {
      throw new IllegalArgumentException(
          "VIEW: '"
              + view
              + "' has no offline table in this warehouse"
              + didYouMean(view, owners)
              + " (give a view name as 'name' or"
              + " 'namespace.name'; its table exists once its job or a backfill has run)");
    }
    return out;
  }

  /**
   * Starts expiring with {@code offline.snapshots.*} every {@code
   * offline.snapshots.expire-interval} (the first run after a minute at most), on one daemon
   * thread; a failure is logged and the next run tries again. An interval of 0 starts nothing.
   */
  public static SnapshotRetention start(QuiverConfig config) {
    Duration interval = config.get(OfflineOptions.SNAPSHOTS_EXPIRE_INTERVAL);
    Duration maxAge = config.get(OfflineOptions.SNAPSHOTS_MAX_AGE);
    int retainLast = config.get(OfflineOptions.SNAPSHOTS_RETAIN_LAST);
    if (retainLast < 1) {
      throw new IllegalArgumentException(
          OfflineOptions.SNAPSHOTS_RETAIN_LAST.key()
              + ": "
              + retainLast
              + " (expected: the number of newest snapshots kept, at least 1)");
    }
    if (interval.isZero() || interval.isNegative()) {
      return new SnapshotRetention(null);
    }
    ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "quiver-snapshot-expiry");
              t.setDaemon(true);
              return t;
            });
    long period = interval.toMillis();
    executor.scheduleWithFixedDelay(
        () -> runOnce(config, maxAge, retainLast, Clock.systemUTC()),
        Math.min(period, 60_000),
        period,
        TimeUnit.MILLISECONDS);
    return new SnapshotRetention(executor);
  }

  /** One scheduled run: never throws, logs what it expired and what failed. */
  static List<SnapshotExpiry.Table> runOnce(
      QuiverConfig config, Duration maxAge, int retainLast, Clock clock) {
    Catalog catalog = null;
    try {
      catalog = OfflineCatalogs.open(config);
      List<SnapshotExpiry.Table> outcomes =
          expire(catalog, null, clock.instant().minus(maxAge), retainLast, false);
      for (SnapshotExpiry.Table o : outcomes) {
        if (o.error() != null) {
          LOG.warn("snapshot expiry of {} failed (retried next run): {}", o.table(), o.error());
        } else if (o.expired() > 0) {
          LOG.info("expired {} snapshots of {} ({} remain)", o.expired(), o.table(), o.remaining());
        }
      }
      return outcomes;
    } catch (RuntimeException | Error e) {
      LOG.warn("snapshot expiry failed (retried next run)", e);
      return List.of();
    } finally {
      if (catalog instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.debug("closing the offline catalog", e);
        }
      }
    }
  }

  private static List<TableIdentifier> quiverTables(Catalog catalog) {
    List<TableIdentifier> ids = new ArrayList<>();
    List<Namespace> namespaces;
    try {
      namespaces =
          catalog instanceof SupportsNamespaces ns
              ? ns.listNamespaces()
              : List.of(Namespace.empty());
    } catch (NoSuchNamespaceException noWarehouseYet) {
      // The Hadoop catalog's warehouse directory is created with the first table (a job or a
      // backfill): until then there is nothing to expire.
      return ids;
    }
    for (Namespace n : namespaces) {
      ids.addAll(catalog.listTables(n));
    }
    return ids;
  }

  private static String viewOf(Table table) {
    String tag = table.properties().get(OfflineTables.VIEW_PROPERTY);
    if (tag == null) {
      return null;
    }
    int colon = tag.indexOf(':');
    return colon < 0 ? tag : tag.substring(0, colon);
  }

  /** "; did you mean driver_trips?" when a view with a table is close to {@code view}. */
  private static String didYouMean(String view, List<String> owners) {
    boolean qualified = view.contains(".");
    List<String> names =
        owners.stream()
            .map(o -> qualified ? o : o.substring(o.indexOf('.') + 1))
            .distinct()
            .toList();
    return dev.quiver.core.spec.Suggestions.didYouMean(view, names);
  }

  private static boolean matches(String qualifiedName, String view) {
    return qualifiedName.equals(view) || qualifiedName.endsWith("." + view);
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
