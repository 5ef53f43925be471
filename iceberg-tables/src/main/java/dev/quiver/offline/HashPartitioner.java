package dev.quiver.offline;

import org.apache.flink.runtime.io.network.api.writer.SubtaskStateMapper;
import org.apache.flink.runtime.plugable.SerializationDelegate;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.transformations.PartitionTransformation;
import org.apache.flink.streaming.runtime.partitioner.StreamPartitioner;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Sends each {@link PackedBatch} to the sweep subtask its rows were partitioned for ({@link
 * PartitionBatches}: {@code hash mod n}). Stateless.
 */
final class HashPartitioner extends StreamPartitioner<PackedBatch> {
  private static final long serialVersionUID = 1L;

  /** {@code batches}, each sent to the downstream subtask it was built for. */
  static DataStream<PackedBatch> partition(DataStream<PackedBatch> batches) {
    return new DataStream<>(
        batches.getExecutionEnvironment(),
        new PartitionTransformation<>(batches.getTransformation(), new HashPartitioner()));
  }

  @Override
  public int selectChannel(SerializationDelegate<StreamRecord<PackedBatch>> record) {
    int ch = record.getInstance().getValue().channel;
    if (ch >= numberOfChannels) {
      throw new IllegalStateException(
          "a batch built for sweep subtask " + ch + " of " + numberOfChannels + " subtasks");
    }
    return ch;
  }

  @Override
  public StreamPartitioner<PackedBatch> copy() {
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
