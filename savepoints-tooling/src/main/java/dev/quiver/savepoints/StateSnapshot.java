package dev.quiver.savepoints;

import java.time.Instant;
import java.util.List;

/**
 * What a retained checkpoint or a savepoint of a materialization job holds, read from its {@code
 * _metadata} and operator state ({@link StateSnapshots#read}).
 *
 * @param path the checkpoint's or savepoint's directory (as Flink names it)
 * @param savepoint whether it is a savepoint (a {@code savepoint-*} directory) rather than a
 *     checkpoint ({@code chk-N})
 * @param checkpointId Flink's checkpoint id (savepoints get one too)
 * @param time when it was written (its {@code _metadata} file's modification time)
 * @param stateSize the operators' state sizes summed, in bytes (an incremental checkpoint's
 *     includes the files it shares with earlier ones)
 * @param owners the view versions whose job wrote it ({@code namespace.view:vMAJOR}); empty for
 *     state written before jobs recorded their owner
 * @param operators each operator with state, in the metadata's order
 * @param offsets the Kafka source's next offset to read per partition
 */
public record StateSnapshot(
    String path,
    boolean savepoint,
    long checkpointId,
    Instant time,
    long stateSize,
    List<String> owners,
    List<Operator> operators,
    List<KafkaOffset> offsets) {

  public StateSnapshot {
    owners = List.copyOf(owners);
    operators = List.copyOf(operators);
    offsets = List.copyOf(offsets);
  }

  /**
   * One operator's state.
   *
   * @param id Flink's operator id (a hash: the job sets no uids)
   * @param holds what the state is, from its operator state names and whether it has keyed state
   *     (e.g. {@code Kafka source offsets}, {@code keyed state})
   * @param parallelism the operator's parallelism when the state was written
   * @param stateSize bytes, all subtasks
   */
  public record Operator(String id, String holds, int parallelism, long stateSize) {}

  /**
   * The Kafka source's position in one partition.
   *
   * @param offset the next offset the restored job reads, or a negative marker of Flink's Kafka
   *     connector (-2 earliest, -1 latest, -3 the group's committed offset) for a partition not
   *     read yet
   */
  public record KafkaOffset(String topic, int partition, long offset) {
    /** The offset, or the marker's meaning. */
    public String describe() {
      return switch ((int) Math.max(offset, -4)) {
        case -2 -> "earliest (not read yet)";
        case -1 -> "latest (not read yet)";
        case -3 -> "committed (not read yet)";
        default -> Long.toString(offset);
      };
    }
  }

  /** The owner as one text: the single owner, several joined, or {@code unknown}. */
  public String owner() {
    return owners.isEmpty()
        ? "unknown (written before jobs recorded it)"
        : String.join(", ", owners);
  }
}
