package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot retention on a real Iceberg table (a Hadoop catalog on a temp dir). */
class SnapshotRetentionITCase {
  @TempDir Path dir;

  /** Commits one row (user u{i}) as one snapshot, as a checkpoint of the streaming job does. */
  static long commit(Table t, int i) throws Exception {
    OfflineWriter w = new OfflineWriter(t);
    w.add(
        w.record(
            Map.of(
                "user_id",
                "u" + i,
                "event_time",
                1_700_000_000_000L + i * 86_400_000L,
                "last_amount",
                1.5 * i,
                "_seq",
                (long) i,
                "_ingested_at",
                Instant.now())));
    w.commit(Map.of());
    t.refresh();
    return t.currentSnapshot().snapshotId();
  }

  private static int rowsAt(Table t, long snapshotId) throws Exception {
    try (CloseableIterable<Record> rows = IcebergGenerics.read(t).useSnapshot(snapshotId).build()) {
      int n = 0;
      for (Record ignored : rows) {
        n++;
      }
      return n;
    }
  }

  private static List<Long> snapshotIds(Table t) {
    List<Long> ids = new ArrayList<>();
    for (Snapshot s : t.snapshots()) {
      ids.add(s.snapshotId());
    }
    return ids;
  }

  @Test
  void expiresOldSnapshotsBeyondTheRetainedOnesAndKeepsTaggedOnes() throws Exception {
    Catalog catalog = OfflineCatalogs.hadoop(dir);
    FeatureView view = TestViews.userProfile();
    Table t = OfflineTables.ensureTable(catalog, view);
    List<Long> old = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      old.add(commit(t, i));
    }
    t.manageSnapshots().createTag("backfill-b1", old.get(1)).commit();
    Thread.sleep(20);
    Instant cutoff = Instant.now();
    Thread.sleep(20);
    long newer = commit(t, 5);

    // a dry run counts and changes nothing
    List<dev.quiver.core.offline.SnapshotExpiry.Table> dry =
        SnapshotRetention.expire(catalog, null, cutoff, 2, true);
    assertThat(dry)
        .containsExactly(
            new dev.quiver.core.offline.SnapshotExpiry.Table(
                "default.user_profile_v1", "default.user_profile", 3, 3, null));
    t.refresh();
    assertThat(snapshotIds(t)).hasSize(6);

    // older than the cut-off and not among the 2 newest: s0, s2, s3 go; s1 is tagged and stays
    List<dev.quiver.core.offline.SnapshotExpiry.Table> done =
        SnapshotRetention.expire(catalog, "user_profile", cutoff, 2, false);
    assertThat(done)
        .containsExactly(
            new dev.quiver.core.offline.SnapshotExpiry.Table(
                "default.user_profile_v1", "default.user_profile", 3, 3, null));
    t.refresh();
    assertThat(snapshotIds(t)).containsExactlyInAnyOrder(old.get(1), old.get(4), newer);

    // time travel to a kept snapshot still reads its rows, the tagged backfill snapshot too
    assertThat(rowsAt(t, old.get(4))).isEqualTo(5);
    assertThat(rowsAt(t, old.get(1))).isEqualTo(2);
    assertThat(rowsAt(t, newer)).isEqualTo(6);

    assertThatThrownBy(() -> SnapshotRetention.expire(catalog, "nope", cutoff, 2, false))
        .hasMessageStartingWith("VIEW: 'nope' has no offline table");
    // a typo of a view with a table gets its name
    assertThatThrownBy(
            () ->
                SnapshotRetention.expire(
                    catalog, view.name().substring(0, view.name().length() - 1), cutoff, 2, true))
        .hasMessageContaining(
            "has no offline table in this warehouse; did you mean " + view.name() + "?");
    assertThatThrownBy(() -> SnapshotRetention.expire(catalog, null, cutoff, 0, false))
        .hasMessageStartingWith("retain-last: 0");
  }

  @Test
  void aScheduledRunUsesTheOptionsAndNeverThrows() throws Exception {
    Catalog catalog = OfflineCatalogs.hadoop(dir);
    Table t = OfflineTables.ensureTable(catalog, TestViews.userProfile());
    for (int i = 0; i < 4; i++) {
      commit(t, i);
    }
    QuiverConfig config =
        QuiverConfig.of(Map.of(OfflineOptions.WAREHOUSE.key(), dir.toAbsolutePath().toString()));
    // eight days later, with the default 7-day max age: all but the newest one kept go
    Clock later = Clock.fixed(Instant.now().plus(Duration.ofDays(8)), ZoneOffset.UTC);
    assertThat(SnapshotRetention.runOnce(config, Duration.ofDays(7), 1, later))
        .extracting(dev.quiver.core.offline.SnapshotExpiry.Table::expired)
        .containsExactly(3);
    t.refresh();
    assertThat(snapshotIds(t)).hasSize(1);

    // a broken catalog is logged, not thrown
    QuiverConfig broken = QuiverConfig.of(Map.of(OfflineOptions.CATALOG_TYPE.key(), "hive"));
    assertThat(SnapshotRetention.runOnce(broken, Duration.ofDays(7), 1, later)).isEmpty();

    assertThat(config.get(OfflineOptions.SNAPSHOTS_MAX_AGE)).isEqualTo(Duration.ofDays(7));
    assertThat(config.get(OfflineOptions.SNAPSHOTS_RETAIN_LAST)).isEqualTo(100);
    assertThatThrownBy(
            () ->
                SnapshotRetention.start(
                    config.with(OfflineOptions.SNAPSHOTS_RETAIN_LAST.key(), "0")))
        .hasMessageStartingWith("offline.snapshots.retain-last: 0");
    try (SnapshotRetention off =
        SnapshotRetention.start(
            config.with(OfflineOptions.SNAPSHOTS_EXPIRE_INTERVAL.key(), "0s"))) {
      assertThat(off).isNotNull();
    }
  }

  /**
   * A warehouse that holds no table yet (views applied, no job or backfill run): nothing to expire,
   * not a failure (it was a NoSuchNamespaceException: a 500 from the server, exit 70 from `quiver
   * snapshots expire`, and a stack trace in the server's log every hour).
   */
  @Test
  void aWarehouseWithoutTablesHasNothingToExpire() {
    Path warehouse = dir.resolve("not-created-yet");
    Catalog catalog = OfflineCatalogs.hadoop(warehouse);
    assertThat(
            SnapshotRetention.expireOlderThan(catalog, null, Duration.ofDays(7), 100, true)
                .tables())
        .isEmpty();
    assertThatThrownBy(
            () -> SnapshotRetention.expire(catalog, "user_profile", Instant.now(), 1, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("VIEW: 'user_profile' has no offline table");
    QuiverConfig config =
        QuiverConfig.of(Map.of(OfflineOptions.WAREHOUSE.key(), warehouse.toString()));
    assertThat(SnapshotRetention.runOnce(config, Duration.ofDays(7), 1, Clock.systemUTC()))
        .isEmpty();
  }

  /**
   * The streaming job keeps committing while retention runs (another table handle, as another
   * writer would hold): every append survives, every snapshot newer than the cut-off stays.
   */
  @Test
  void expiryRacingAppendsLosesNoCommit() throws Exception {
    Catalog catalog = OfflineCatalogs.hadoop(dir);
    FeatureView view = TestViews.userProfile();
    Table writer = OfflineTables.ensureTable(catalog, view);
    for (int i = 0; i < 10; i++) {
      commit(writer, i);
    }
    int appends = 30;
    java.util.concurrent.atomic.AtomicReference<Throwable> failed =
        new java.util.concurrent.atomic.AtomicReference<>();
    Thread job =
        new Thread(
            () -> {
              try {
                for (int i = 10; i < 10 + appends; i++) {
                  commit(writer, i);
                }
              } catch (Throwable e) {
                failed.set(e);
              }
            });
    job.start();
    int expired = 0;
    while (job.isAlive()) {
      Table other = catalog.loadTable(OfflineTables.identifier(view));
      expired += OfflineTables.expireSnapshots(other, Instant.now(), 1, false);
    }
    job.join();
    assertThat(failed.get()).isNull();
    Table t = catalog.loadTable(OfflineTables.identifier(view));
    assertThat(rowsAt(t, t.currentSnapshot().snapshotId())).isEqualTo(10 + appends);
    assertThat(expired).isPositive();
  }

  @Test
  void tablesQuiverCreatesBoundTheirOldMetadataFiles() {
    Catalog catalog = OfflineCatalogs.hadoop(dir);
    Table t = OfflineTables.ensureTable(catalog, TestViews.userProfile());
    assertThat(t.properties())
        .containsEntry(TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true")
        .containsEntry(TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, "100");
  }
}
