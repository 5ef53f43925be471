package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestoredStateTest {
  /**
   * State written by the same major (any revision) or before owners were checkpointed is usable;
   * another major's or view's is not (ExactlyOnceITCase restores it on a real job).
   */
  @Test
  void foreignStateErrorRefusesOnlyAnotherOwner() {
    assertThat(RestoredState.foreignStateError(List.of(), "default.user_txn:v2")).isNull();
    assertThat(
            RestoredState.foreignStateError(List.of("default.user_txn:v2"), "default.user_txn:v2"))
        .isNull();
    assertThat(
            RestoredState.foreignStateError(List.of("default.user_txn:v1"), "default.user_txn:v2"))
        .startsWith(
            "the restored checkpoint or savepoint holds the state of default.user_txn:v1's job,"
                + " not of default.user_txn:v2")
        .contains("Start default.user_txn:v2's job without --restore");
  }

  /**
   * A pointer this process cannot read (a savepoint only the cluster reaches) is not refused here:
   * the owner check is skipped, and Flink's own restore reports a pointer that is really missing.
   */
  @Test
  void anUnreadablePointerSkipsTheCheck(@TempDir Path dir) {
    String missing = dir.resolve("savepoint-elsewhere").toUri().toString();
    assertThat(RestoredState.owners(missing)).isEmpty();
  }
}
