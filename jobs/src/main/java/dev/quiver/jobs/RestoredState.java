package dev.quiver.jobs;

import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.ingest.EventGate;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whose state a checkpoint or savepoint to restore holds ({@link EventGate#stateOwner}), checked
 * when the job is built, before it is submitted. The job's operator ids do not depend on the major,
 * so Flink maps another major's state onto it; checked in a task instead, the Iceberg committer's
 * restore of the old major's pending manifests could fail first and use up the restarts.
 */
public final class RestoredState {
  private static final Logger LOG = LoggerFactory.getLogger(RestoredState.class);

  private RestoredState() {}

  /**
   * Refuses to restore {@code pointer} (a {@code chk-N} or savepoint directory, or its {@code
   * _metadata}) into the job of {@code view} when the state belongs to another view or major. State
   * written before owners were checkpointed is accepted.
   *
   * <p>A pointer this process cannot read (a savepoint on a file system only the cluster reaches,
   * as with {@code flink run -s} from a client without its credentials) is not refused here: the
   * check is skipped with a warning, and Flink's own restore reports a pointer that is really
   * missing.
   *
   * @throws IllegalArgumentException naming both owners and the fix
   */
  public static void requireOwnState(String pointer, FeatureView view) {
    String error = foreignStateError(owners(pointer), EventGate.stateOwner(view));
    if (error != null) {
      throw new IllegalArgumentException("--restore " + pointer + ": " + error);
    }
  }

  /**
   * Why state restored from checkpoints written by {@code restored} owners cannot be used by the
   * job of {@code expected}, or null when it can (same owner, or state older than this check).
   */
  static String foreignStateError(Iterable<String> restored, String expected) {
    for (String owner : restored) {
      if (!owner.equals(expected)) {
        return "the restored checkpoint or savepoint holds the state of "
            + owner
            + "'s job, not of "
            + expected
            + ": its Kafka offsets, dedup keys and tiles do not describe "
            + expected
            + "'s online column family and Iceberg table, and restored they would skip every"
            + " event before the checkpoint there. Start "
            + expected
            + "'s job without --restore (it reads its topic as the source's startup_mode says;"
            + " a backfill fills the history it does not read), or restore a checkpoint of "
            + expected
            + "'s own job";
      }
    }
    return null;
  }

  /**
   * The owners named in the checkpoint's operator state (empty for older checkpoints, and for a
   * checkpoint this process cannot read).
   */
  static Set<String> owners(String pointer) {
    Set<String> owners = new TreeSet<>();
    try {
      var location = AbstractFsCheckpointStorageAccess.resolveCheckpointPointer(pointer);
      CheckpointMetadata metadata;
      try (DataInputStream in =
          new DataInputStream(location.getMetadataHandle().openInputStream())) {
        metadata =
            Checkpoints.loadCheckpointMetadata(
                in, RestoredState.class.getClassLoader(), location.getExternalPointer());
      }
      for (OperatorState operator : metadata.getOperatorStates()) {
        for (OperatorSubtaskState subtask : operator.getStates()) {
          for (OperatorStateHandle handle : subtask.getManagedOperatorState()) {
            var info = handle.getStateNameToPartitionOffsets().get(EventGate.STATE_OWNER);
            if (info == null) {
              continue;
            }
            try (FSDataInputStream in = handle.openInputStream()) {
              for (long offset : info.getOffsets()) {
                in.seek(offset);
                owners.add(
                    StringSerializer.INSTANCE.deserialize(new DataInputViewStreamWrapper(in)));
              }
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "--restore {}: cannot read the checkpoint or savepoint here ({}), so whose state it"
              + " holds is not checked; Flink restores it as given (a chk-N directory of"
              + " jobs.checkpoint-dir or a savepoint directory)",
          pointer,
          e.toString());
      return Set.of();
    }
    return owners;
  }
}
