package dev.quiver.jobs.sink;

import java.io.IOException;
import java.util.HashMap;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.table.connector.sink.DynamicTableSink.DataStructureConverter;
import org.apache.flink.table.data.RowData;

/** The runtime online sink (Sink V2); see {@link OnlineSinkWriter}. */
final class OnlineSink implements Sink<RowData> {
  private final SinkViewSpec spec;
  private final boolean tiles;
  private final HashMap<String, String> store;
  private final String[] columns;
  private final int batchSize;
  private final long flushIntervalMs;
  private final long rateLimit;
  private final DataStructureConverter converter;

  OnlineSink(
      SinkViewSpec spec,
      boolean tiles,
      HashMap<String, String> store,
      String[] columns,
      int batchSize,
      long flushIntervalMs,
      long rateLimit,
      DataStructureConverter converter) {
    this.spec = spec;
    this.tiles = tiles;
    this.store = store;
    this.columns = columns;
    this.batchSize = batchSize;
    this.flushIntervalMs = flushIntervalMs;
    this.rateLimit = rateLimit;
    this.converter = converter;
  }

  @Override
  @SuppressWarnings("deprecation")
  public SinkWriter<RowData> createWriter(InitContext context) throws IOException {
    return new OnlineSinkWriter(
        spec,
        tiles,
        store,
        columns,
        batchSize,
        flushIntervalMs,
        rateLimit <= 0 ? 0 : Math.max(1, rateLimit / context.getNumberOfParallelSubtasks()),
        converter,
        context.getProcessingTimeService(),
        context.metricGroup());
  }
}
