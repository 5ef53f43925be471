package dev.quiver.savepoints;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

  /**
   * The snapshot as JSON-ready maps and lists ({@code quiver savepoint inspect --json}): {@code
   * path, kind, owners, checkpoint_id, time, state_size, operators, kafka_offsets}.
   */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", path);
    m.put("kind", savepoint ? "savepoint" : "checkpoint");
    m.put("owners", owners);
    m.put("checkpoint_id", checkpointId);
    m.put("time", time.toString());
    m.put("state_size", stateSize);
    List<Map<String, Object>> ops = new ArrayList<>();
    for (Operator o : operators) {
      Map<String, Object> op = new LinkedHashMap<>();
      op.put("id", o.id());
      op.put("holds", o.holds());
      op.put("parallelism", o.parallelism());
      op.put("state_size", o.stateSize());
      ops.add(op);
    }
    m.put("operators", ops);
    List<Map<String, Object>> offs = new ArrayList<>();
    for (KafkaOffset o : offsets) {
      Map<String, Object> off = new LinkedHashMap<>();
      off.put("topic", o.topic());
      off.put("partition", o.partition());
      off.put("offset", o.offset());
      offs.add(off);
    }
    m.put("kafka_offsets", offs);
    return m;
  }
}
