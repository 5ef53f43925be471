package dev.quiver.core.offline;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What {@link OfflineService#expireSnapshots} did: the snapshots older than {@code cutoff} (now
 * minus {@code olderThan}) expired, or in a dry run counted, beyond the newest {@code retainLast}
 * of each table, per table.
 */
public record SnapshotExpiry(
    Instant cutoff, Duration olderThan, int retainLast, boolean dryRun, List<Table> tables) {
  public SnapshotExpiry {
    tables = List.copyOf(tables);
  }

  /**
   * One table's outcome: the snapshots expired (or that would be), those remaining; {@code error}
   * is null unless this table failed (the others still ran).
   */
  public record Table(String table, String view, int expired, int remaining, String error) {}
}
