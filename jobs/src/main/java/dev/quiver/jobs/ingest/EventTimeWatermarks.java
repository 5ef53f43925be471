package dev.quiver.jobs.ingest;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.types.Row;

/**
 * Flink watermarks for views whose SQL needs event time (tumbling-window transformations), derived
 * like {@link EventGate}'s lateness cut: per Kafka partition, the largest event time accepted minus
 * {@code watermark delay + allowed lateness}; the emitted watermark is the smallest over the
 * partitions seen. An event the gate accepted is therefore never late for a window, and a window
 * closes once every partition's events are past its end by delay + lateness. Partitions that have
 * sent nothing yet do not hold the watermark back.
 */
public final class EventTimeWatermarks implements WatermarkGenerator<Row> {
  private final int eventMsIndex;
  private final int partitionIndex;
  private final long boundMs;
  private final Map<Integer, Long> maxByPartition = new HashMap<>();

  private EventTimeWatermarks(EventSchema schema, long boundMs) {
    this.eventMsIndex = schema.columns().size() + 1;
    this.partitionIndex = schema.columns().size() + 3;
    this.boundMs = boundMs;
  }

  /** Timestamps from {@code _event_ms}; watermarks trailing by {@code boundMs}. */
  public static WatermarkStrategy<Row> strategy(EventSchema schema, long boundMs) {
    int eventMs = schema.columns().size() + 1;
    return WatermarkStrategy.<Row>forGenerator(ctx -> new EventTimeWatermarks(schema, boundMs))
        .withTimestampAssigner((row, previous) -> (Long) row.getField(eventMs));
  }

  @Override
  public void onEvent(Row row, long timestamp, WatermarkOutput output) {
    maxByPartition.merge((Integer) row.getField(partitionIndex), timestamp, Math::max);
  }

  @Override
  public void onPeriodicEmit(WatermarkOutput output) {
    if (maxByPartition.isEmpty()) {
      return;
    }
    long min = Long.MAX_VALUE;
    for (long max : maxByPartition.values()) {
      min = Math.min(min, max);
    }
    output.emitWatermark(new Watermark(min - boundMs - 1));
  }
}
