package dev.quiver.offline;

import java.io.IOException;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Serializes label rows once, beside their key hash, into {@link PackedBatch}es for the sweep
 * subtasks (the events' format: {@link PartitionBatches}); the open batches go out at the end of
 * input. For the label rows of the second and later entity groups (re-keyed after the previous
 * sweep); the first group's come packed from their reader ({@link EventBatchReader#labels}).
 */
final class LabelBatches extends AbstractStreamOperator<PackedBatch>
    implements OneInputStreamOperator<SweepRow, PackedBatch>, BoundedOneInput {
  private static final long serialVersionUID = 1L;
  private final int channels;
  private transient PartitionBatches batches;
  private transient StreamRecord<PackedBatch> reuse;

  LabelBatches(int channels) {
    this.channels = channels;
    // chained to the re-keying map (an operator's default is HEAD: its own task, and every label
    // row crossed a serializing exchange to be serialized again here)
    this.chainingStrategy = ChainingStrategy.ALWAYS;
  }

  @Override
  public void open() throws Exception {
    super.open();
    reuse = new StreamRecord<>(null);
    batches = new PartitionBatches(channels, b -> output.collect(reuse.replace(b)));
  }

  @Override
  public void processElement(StreamRecord<SweepRow> element) throws IOException {
    SweepRow r = element.getValue();
    SweepRowSerializer.INSTANCE.serialize(r, batches.begin(KeyCodec.hash64(r.key)));
    batches.end();
  }

  @Override
  public void endInput() {
    batches.flush();
  }
}
