package dev.quiver.jobs.sink;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.types.DataType;
import org.apache.flink.types.RowKind;

/** The planner's view of the online sink: insert-only for rows, upsert for tiles. */
final class OnlineDynamicSink implements DynamicTableSink {
  private final SinkViewSpec spec;
  private final boolean tiles;
  private final Map<String, String> store;
  private final int batchSize;
  private final long flushIntervalMs;
  private final long rateLimit;
  private final DataType rowType;

  OnlineDynamicSink(
      SinkViewSpec spec,
      boolean tiles,
      Map<String, String> store,
      int batchSize,
      long flushIntervalMs,
      long rateLimit,
      DataType rowType) {
    this.spec = spec;
    this.tiles = tiles;
    this.store = store;
    this.batchSize = batchSize;
    this.flushIntervalMs = flushIntervalMs;
    this.rateLimit = rateLimit;
    this.rowType = rowType;
  }

  @Override
  public ChangelogMode getChangelogMode(ChangelogMode requested) {
    if (!tiles) {
      return ChangelogMode.insertOnly();
    }
    // Tiles are full upserts of the partial state: the newest row per key is all that counts.
    return ChangelogMode.newBuilder()
        .addContainedKind(RowKind.INSERT)
        .addContainedKind(RowKind.UPDATE_AFTER)
        .build();
  }

  @Override
  public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
    return SinkV2Provider.of(
        new OnlineSink(
            spec,
            tiles,
            new HashMap<>(store),
            DataType.getFieldNames(rowType).toArray(String[]::new),
            batchSize,
            flushIntervalMs,
            rateLimit,
            context.createDataStructureConverter(rowType)));
  }

  @Override
  public DynamicTableSink copy() {
    return new OnlineDynamicSink(
        spec, tiles, store, batchSize, flushIntervalMs, rateLimit, rowType);
  }

  @Override
  public String asSummaryString() {
    return "quiver-online(" + spec.namespace() + "." + spec.name() + (tiles ? ", tiles)" : ")");
  }
}
