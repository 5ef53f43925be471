package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

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
}
