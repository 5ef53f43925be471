package dev.quiver.offline;

import dev.quiver.core.spec.FeatureView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hadoop-catalog warehouse moved after {@code view}'s offline table was written there, as {@code
 * quiver local} sets a previous run's tables aside: written at {@code <dir>/warehouse} (one commit
 * of one row), now at {@code <dir>/previous-run/warehouse}.
 */
record MovedWarehouse(Path before, Path after) {
  static MovedWarehouse of(Path dir, FeatureView view) throws Exception {
    Path before = dir.resolve("warehouse");
    SnapshotRetentionITCase.commit(
        OfflineTables.ensureTable(OfflineCatalogs.hadoop(before), view), 1);
    Path after = dir.resolve("previous-run").resolve("warehouse");
    Files.createDirectories(after.getParent());
    Files.move(before, after);
    return new MovedWarehouse(before, after);
  }

  /** How the refusal of {@code default.user_profile_v1} at the new place starts. */
  String refusal() {
    return "offline table default.user_profile_v1 at "
        + after.resolve("default/user_profile_v1")
        + " was written at "
        + before.resolve("default/user_profile_v1")
        + ", which no longer exists";
  }

  /** How the refusal ends: the fix. */
  String fix() {
    return "(expected: move the warehouse back to "
        + before
        + " to read it, or point offline.warehouse at a warehouse that was not moved)";
  }

  /** Moves the warehouse back where it was written. */
  void moveBack() throws IOException {
    Files.move(after, before);
  }
}
