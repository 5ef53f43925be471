package dev.quiver.savepoints;

import dev.quiver.jobs.ingest.EventGate;
import java.io.DataInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplitSerializer;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.io.SimpleVersionedSerialization;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.CompletedCheckpointStorageLocation;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;

/**
 * Reads retained checkpoints and savepoints: what one holds ({@link #read}) and which ones a view's
 * jobs left under the checkpoint and savepoint directories ({@link #list}). Only metadata and
 * operator state are read (small); keyed state (RocksDB) is sized, not opened.
 */
public final class StateSnapshots {
  /** The operator list state in which Flink's source operator keeps its reader's splits. */
  static final String SOURCE_READER_STATE = "SourceReaderState";

  /** What the job's operator states are, by name (others are shown by their name). */
  private static final java.util.Map<String, String> KNOWN_STATES =
      java.util.Map.of(
          SOURCE_READER_STATE,
          "Kafka source offsets",
          EventGate.STATE_OWNER,
          "state owner",
          "quiver-partition-max-event-time",
          "max event time per partition",
          "writer_raw_states",
          "sink writer",
          "streaming_committer_raw_states",
          "sink committer",
          "iceberg-files-committer-state",
          "Iceberg committer",
          "iceberg-flink-job-id",
          "Iceberg committer");

  private StateSnapshots() {}

  /**
   * What the checkpoint or savepoint at {@code pointer} (its directory or its {@code _metadata})
   * holds.
   *
   * @throws SavepointException NOT_FOUND when there is none there, INVALID when it cannot be read
   */
  public static StateSnapshot read(String pointer) {
    String uri = SavepointTrigger.directoryUri(pointer);
    CompletedCheckpointStorageLocation location;
    try {
      location = AbstractFsCheckpointStorageAccess.resolveCheckpointPointer(uri);
    } catch (FileNotFoundException e) {
      throw new SavepointException(
          SavepointException.Kind.NOT_FOUND,
          pointer
              + ": no checkpoint or savepoint there ("
              + e.getMessage()
              + "); give a chk-N directory under jobs.checkpoint-dir or a savepoint directory,"
              + " as quiver savepoint list VIEW shows them",
          e);
    } catch (IOException | RuntimeException e) {
      throw new SavepointException(
          SavepointException.Kind.INVALID, pointer + ": cannot open it (" + e + ")", e);
    }
    try {
      CheckpointMetadata metadata;
      try (DataInputStream in =
          new DataInputStream(location.getMetadataHandle().openInputStream())) {
        metadata =
            Checkpoints.loadCheckpointMetadata(
                in, StateSnapshots.class.getClassLoader(), location.getExternalPointer());
      }
      Set<String> owners = new TreeSet<>();
      List<StateSnapshot.Operator> operators = new ArrayList<>();
      List<StateSnapshot.KafkaOffset> offsets = new ArrayList<>();
      long total = 0;
      for (OperatorState operator : metadata.getOperatorStates()) {
        Set<String> names = new TreeSet<>();
        boolean keyed = false;
        for (OperatorSubtaskState subtask : operator.getStates()) {
          keyed |= subtask.getManagedKeyedState().hasState();
          for (OperatorStateHandle handle : subtask.getManagedOperatorState()) {
            names.addAll(handle.getStateNameToPartitionOffsets().keySet());
            readOperatorState(handle, owners, offsets);
          }
        }
        long size = operator.getStateSize();
        total += size;
        if (size > 0 || operator.getCoordinatorState() != null) {
          operators.add(
              new StateSnapshot.Operator(
                  operator.getOperatorID().toHexString(),
                  holds(names, keyed, operator.getCoordinatorState() != null),
                  operator.getParallelism(),
                  size));
        }
      }
      offsets.sort(
          Comparator.comparing(StateSnapshot.KafkaOffset::topic)
              .thenComparingInt(StateSnapshot.KafkaOffset::partition));
      String dir = location.getExternalPointer();
      return new StateSnapshot(
          dir,
          isSavepoint(dir),
          metadata.getCheckpointId(),
          modified(dir),
          total,
          List.copyOf(owners),
          operators,
          offsets);
    } catch (IOException | RuntimeException e) {
      throw new SavepointException(
          SavepointException.Kind.INVALID,
          pointer
              + ": cannot read its metadata or operator state ("
              + e
              + "); is it a checkpoint or savepoint of this Flink version (1.20)?",
          e);
    }
  }

  /** Adds the owners and Kafka splits that {@code handle} holds. */
  private static void readOperatorState(
      OperatorStateHandle handle, Set<String> owners, List<StateSnapshot.KafkaOffset> offsets)
      throws IOException {
    var owner = handle.getStateNameToPartitionOffsets().get(EventGate.STATE_OWNER);
    var splits = handle.getStateNameToPartitionOffsets().get(SOURCE_READER_STATE);
    if (owner == null && splits == null) {
      return;
    }
    KafkaPartitionSplitSerializer serializer = new KafkaPartitionSplitSerializer();
    try (FSDataInputStream in = handle.openInputStream()) {
      DataInputViewStreamWrapper view = new DataInputViewStreamWrapper(in);
      if (owner != null) {
        for (long offset : owner.getOffsets()) {
          in.seek(offset);
          owners.add(StringSerializer.INSTANCE.deserialize(view));
        }
      }
      if (splits != null) {
        for (long offset : splits.getOffsets()) {
          in.seek(offset);
          byte[] bytes = BytePrimitiveArraySerializer.INSTANCE.deserialize(view);
          KafkaPartitionSplit split =
              SimpleVersionedSerialization.readVersionAndDeSerialize(serializer, bytes);
          offsets.add(
              new StateSnapshot.KafkaOffset(
                  split.getTopic(), split.getPartition(), split.getStartingOffset()));
        }
      }
    }
  }

  private static String holds(Set<String> names, boolean keyed, boolean coordinator) {
    List<String> parts = new ArrayList<>();
    for (String n : names) {
      String known = KNOWN_STATES.get(n);
      if (known == null) {
        parts.add(n);
      } else if (!parts.contains(known)) {
        parts.add(known);
      }
    }
    if (coordinator) {
      parts.add("source enumerator");
    }
    if (keyed) {
      parts.add("keyed state");
    }
    return parts.isEmpty() ? "-" : String.join(", ", parts);
  }

  static boolean isSavepoint(String dir) {
    String name = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
    return name.substring(name.lastIndexOf('/') + 1).startsWith("savepoint-");
  }

  private static Instant modified(String dir) throws IOException {
    org.apache.flink.core.fs.Path metadata =
        new org.apache.flink.core.fs.Path(new org.apache.flink.core.fs.Path(dir), "_metadata");
    return Instant.ofEpochMilli(
        metadata.getFileSystem().getFileStatus(metadata).getModificationTime());
  }

  /**
   * The checkpoints and savepoints of {@code namespace.view}'s jobs (any major) under the
   * checkpoint directory ({@code JOB_ID/chk-N}) and the savepoint directory ({@code savepoint-*}),
   * newest first. Those that name no owner (older jobs) or cannot be read are left out and counted.
   */
  public static Listing list(
      String checkpointDir, String savepointDir, String namespace, String view) {
    List<String> candidates = new ArrayList<>();
    for (FileStatus job : children(checkpointDir)) {
      if (job.isDir()) {
        for (FileStatus chk : children(job.getPath().toString())) {
          if (chk.isDir() && chk.getPath().getName().matches("chk-\\d+")) {
            candidates.add(chk.getPath().toString());
          }
        }
      }
    }
    for (FileStatus sp : children(savepointDir)) {
      if (sp.isDir() && sp.getPath().getName().startsWith("savepoint-")) {
        candidates.add(sp.getPath().toString());
      }
    }
    String prefix = namespace + "." + view + ":";
    List<StateSnapshot> out = new ArrayList<>();
    int skipped = 0;
    for (String c : candidates) {
      StateSnapshot s;
      try {
        s = read(c);
      } catch (SavepointException e) {
        // a checkpoint being written (no _metadata yet) or removed meanwhile
        skipped++;
        continue;
      }
      if (s.owners().isEmpty()) {
        skipped++;
      } else if (s.owners().stream().anyMatch(o -> o.startsWith(prefix))) {
        out.add(s);
      }
    }
    out.sort(
        Comparator.comparing(StateSnapshot::time)
            .thenComparingLong(StateSnapshot::checkpointId)
            .reversed());
    return new Listing(out, skipped);
  }

  /**
   * A view's checkpoints and savepoints, newest first, and how many others were left out (no owner
   * recorded, or not readable: being written or removed).
   */
  public record Listing(List<StateSnapshot> snapshots, int skipped) {
    public Listing {
      snapshots = List.copyOf(snapshots);
    }
  }

  private static FileStatus[] children(String dir) {
    try {
      org.apache.flink.core.fs.Path p =
          new org.apache.flink.core.fs.Path(SavepointTrigger.directoryUri(dir));
      FileSystem fs = p.getFileSystem();
      if (!fs.exists(p)) {
        return new FileStatus[0];
      }
      FileStatus[] children = fs.listStatus(p);
      return children == null ? new FileStatus[0] : children;
    } catch (IOException e) {
      throw new SavepointException(
          SavepointException.Kind.INVALID,
          dir + ": cannot list it (" + e + "); check jobs.checkpoint-dir and savepoints.dir",
          e);
    }
  }
}
