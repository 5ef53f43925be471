package dev.quiver.jobs.ingest;

import java.util.Collection;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * A job without a checkpoint starts at the end of its topic ({@code startup_mode: latest}); a job
 * restored from one whose offsets the topic no longer holds (retention deleted them while the job
 * was stopped) goes on from the oldest event retained. Flink's {@code OffsetsInitializer.latest()}
 * also sets the consumer's {@code auto.offset.reset} to {@code latest}, so such a restore jumped to
 * the end of the topic and silently skipped every retained event it had not read.
 */
public final class LatestOffsets implements OffsetsInitializer {
  private static final long serialVersionUID = 1L;
  private final OffsetsInitializer latest = OffsetsInitializer.latest();

  @Override
  public Map<TopicPartition, Long> getPartitionOffsets(
      Collection<TopicPartition> partitions, PartitionOffsetsRetriever retriever) {
    return latest.getPartitionOffsets(partitions, retriever);
  }

  /** Where a consumer goes when its position is not in the topic: to the oldest event retained. */
  @Override
  public OffsetResetStrategy getAutoOffsetResetStrategy() {
    return OffsetResetStrategy.EARLIEST;
  }
}
