package dev.quiver.offline;

import org.apache.flink.runtime.io.network.api.writer.SubtaskStateMapper;
import org.apache.flink.runtime.plugable.SerializationDelegate;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.transformations.PartitionTransformation;
import org.apache.flink.streaming.runtime.partitioner.StreamPartitioner;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Sends each {@link PackedRow} to the sweep subtask of its key hash ({@code hash mod n}), reading
 * the primitive hash directly (no key selector, no boxing). Stateless.
 */
final class HashPartitioner extends StreamPartitioner<PackedRow> {
  private static final long serialVersionUID = 1L;

  /** {@code rows}, hash-partitioned over the downstream operator's subtasks. */
  static DataStream<PackedRow> partition(DataStream<PackedRow> rows) {
    return new DataStream<>(
        rows.getExecutionEnvironment(),
        new PartitionTransformation<>(rows.getTransformation(), new HashPartitioner()));
  }

  @Override
  public int selectChannel(SerializationDelegate<StreamRecord<PackedRow>> record) {
    return (int) Long.remainderUnsigned(record.getInstance().getValue().hash, numberOfChannels);
  }

  @Override
  public StreamPartitioner<PackedRow> copy() {
    return this;
  }

  @Override
  public SubtaskStateMapper getDownstreamSubtaskStateMapper() {
    return SubtaskStateMapper.FULL;
  }

  @Override
  public boolean isPointwise() {
    return false;
  }

  @Override
  public String toString() {
    return "HASH(key)";
  }
}
