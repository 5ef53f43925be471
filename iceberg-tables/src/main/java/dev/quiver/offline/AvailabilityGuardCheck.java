package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Warns when the availability guard empties a view for every row of an export: each row of the
 * view's table (at the pinned snapshot) was written after the newest label time, which is what a
 * backfill of history into a new table gives (its rows' {@code _ingested_at} is the backfill's
 * start). The export is right to hold them back (feast #6617), but every feature of the view was
 * null in every row without a word; the warning names the view, the times and the option. Read from
 * the data files' column bounds only (no row is read); a file without bounds gives no warning.
 */
final class AvailabilityGuardCheck {
  private AvailabilityGuardCheck() {}

  /**
   * @param newestLabel the newest label time in epoch millis, or null when unknown
   * @return one warning per view held back entirely
   */
  static List<String> warnings(TrainingSetPlan plan, Catalog catalog, Long newestLabel) {
    List<String> out = new ArrayList<>();
    if (newestLabel == null) {
      return out;
    }
    for (TrainingSetPlan.ViewRead r : plan.reads()) {
      if (r.snapshotId() == null || r.snapshotId() < 0) {
        continue;
      }
      Table t = catalog.loadTable(TableIdentifier.parse(r.tableName()));
      Long firstWritten = bound(t, r.snapshotId(), OfflineTables.INGESTED_AT, true);
      if (firstWritten != null && firstWritten > newestLabel) {
        var view = r.selection().view();
        out.add(
            "availability guard: every row of "
                + r.tableName()
                + " (view "
                + view.qualifiedName()
                + ":"
                + view.version()
                + ") was written at or after "
                + Instant.ofEpochMilli(firstWritten)
                + ", after the newest label time "
                + Instant.ofEpochMilli(newestLabel)
                + ", so its features are null (windows empty) in every row; history backfilled"
                + " or replayed after the label times is held back on purpose (a training row"
                + " must not see data written after its time): export with"
                + " --no-availability-guard (availability_guard: false) to use it");
      }
    }
    return out;
  }

  /** The newest time of a label table's time column at a snapshot, in epoch millis, or null. */
  static Long newestLabel(Table labels, Long snapshotId, String timeColumn) {
    return snapshotId == null ? null : bound(labels, snapshotId, timeColumn, false);
  }

  /**
   * The lowest lower bound ({@code min}) or highest upper bound of a timestamp (micros) or long
   * (millis) column over a snapshot's data files, in epoch millis; null when a file has no bound or
   * the column is of another type.
   */
  static Long bound(Table t, long snapshotId, String column, boolean min) {
    Types.NestedField f =
        t.schemas().values().stream()
            .map(s -> s.findField(column))
            .filter(java.util.Objects::nonNull)
            .findFirst()
            .orElse(null);
    if (f == null
        || (f.type().typeId() != Type.TypeID.TIMESTAMP && f.type().typeId() != Type.TypeID.LONG)) {
      return null;
    }
    Long result = null;
    try (CloseableIterable<FileScanTask> tasks =
        t.newScan().useSnapshot(snapshotId).includeColumnStats().planFiles()) {
      for (FileScanTask task : tasks) {
        if (!task.deletes().isEmpty()) {
          return null; // deleted rows may hold the bound
        }
        DataFile file = task.file();
        Long millis = EventTimeFilter.boundMillis(f, min ? file.lowerBounds() : file.upperBounds());
        if (millis == null) {
          return null;
        }
        result =
            result == null ? millis : min ? Math.min(result, millis) : Math.max(result, millis);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return result;
  }
}
