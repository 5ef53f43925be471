package dev.quiver.jobs.sink;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.tile.TileBundle;
import dev.quiver.core.tile.TileRef;
import dev.quiver.online.FeatureWriter;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import dev.quiver.online.OnlineWrite;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.source.util.ratelimit.GuavaRateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.connector.RuntimeConverter;
import org.apache.flink.table.connector.sink.DynamicTableSink.DataStructureConverter;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.Row;

/**
 * Buffers online cells and writes them in batches through {@link FeatureWriter}: when the batch is
 * full, when the flush interval has passed (bounding freshness), and before every checkpoint
 * barrier ({@link #flush}), so that a completed checkpoint implies every cell before it is durable
 * in the store. Writes are idempotent (row cells at their event time, tiles as whole states), so
 * the replay after a restore converges to the same cells: an exactly-once effect.
 *
 * <p>With a rate limit (a backfill's {@code --online}), each subtask writes at most its share of
 * rows per second, blocking before it converts the next row.
 *
 * <p>Row layout: rows sink = join keys, {@code _event_ms}, {@code _seq}, row features; tiles sink =
 * join keys, {@code _tile_res}, {@code _tile_start}, {@code _max_event_ms}, the tile's {@link
 * TileBundle} (every series' state), written as one cell.
 */
final class OnlineSinkWriter implements SinkWriter<RowData> {
  private final boolean tiles;
  private final int batchSize;
  private final long flushIntervalMs;
  private final RateLimiter limiter;
  private final DataStructureConverter converter;
  private final ProcessingTimeService time;
  private final OnlineStore store;
  private final FeatureWriter writer;
  private final List<JoinKey> keys;
  private final String[] columns;
  private final List<OnlineWrite> buffer = new ArrayList<>();

  /** The batch being written, if any: one at a time, so that cells land in write order. */
  private CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);

  private int inFlightCells;
  private final Counter cells;
  private boolean timerSet;

  OnlineSinkWriter(
      SinkViewSpec spec,
      boolean tiles,
      Map<String, String> storeConfig,
      String[] columns,
      int batchSize,
      long flushIntervalMs,
      long rowsPerSecond,
      DataStructureConverter converter,
      ProcessingTimeService time,
      MetricGroup metrics) {
    this.tiles = tiles;
    this.columns = columns;
    this.batchSize = batchSize;
    this.flushIntervalMs = flushIntervalMs;
    this.limiter = rowsPerSecond > 0 ? new GuavaRateLimiter(rowsPerSecond) : null;
    this.converter = converter;
    this.time = time;
    converter.open(RuntimeConverter.Context.create(OnlineSinkWriter.class.getClassLoader()));
    FeatureView view = spec.toView();
    this.store = OnlineStores.open(QuiverConfig.of(storeConfig));
    this.writer = new FeatureWriter(store, view);
    this.writer.ensureTable();
    this.keys = spec.keys();
    this.cells = metrics.counter("quiverOnlineCellsWritten");
    // Fail at start-up, not on the first row, when a column is no row feature of the view.
    if (tiles && columns.length != keys.size() + 4) {
      throw new IllegalArgumentException(
          "tiles sink columns: "
              + List.of(columns)
              + " (expected the join keys, _tile_res, _tile_start, _max_event_ms and one tile"
              + " bundle column)");
    }
    for (int i = keys.size() + 2; !tiles && i < columns.length; i++) {
      String column = columns[i];
      if (view.feature(column).filter(f -> !f.isAggregation()).isEmpty()) {
        throw new IllegalArgumentException(
            "feature: '" + column + "' (expected: a row feature of " + view.qualifiedName() + ")");
      }
    }
  }

  @Override
  public void write(RowData element, Context context) throws IOException, InterruptedException {
    if (limiter != null) {
      limiter.acquire().toCompletableFuture().join(); // throttled (backfills): blocks this task
    }
    Row row = (Row) converter.toExternal(element);
    int k = keys.size();
    List<Object> keyValues = new ArrayList<>(k);
    for (int i = 0; i < k; i++) {
      keyValues.add(row.getField(i));
    }
    byte[] entity = EntityKeyCodec.encode(keys, keyValues);
    if (tiles) {
      long res = (Long) row.getField(k);
      long start = (Long) row.getField(k + 1);
      long maxEventMs = (Long) row.getField(k + 2);
      byte[] bundle = (byte[]) row.getField(k + 3);
      if (bundle != null) {
        buffer.add(writer.tile(entity, new TileRef(res, start), bundle, maxEventMs));
      }
    } else {
      long eventMs = (Long) row.getField(k);
      for (int i = k + 2; i < columns.length; i++) {
        buffer.add(writer.row(entity, columns[i], row.getField(i), eventMs));
      }
    }
    if (buffer.size() >= batchSize && inFlight.isDone()) {
      writeBuffer(false);
    } else if (buffer.size() >= 4 * batchSize) {
      writeBuffer(false); // bounded buffer: waits for the batch in flight first
    } else if (!timerSet) {
      timerSet = true;
      time.registerTimer(
          time.getCurrentProcessingTime() + flushIntervalMs,
          ts -> {
            timerSet = false;
            writeBuffer(false);
          });
    }
  }

  /** Before a checkpoint barrier: everything buffered is written and durable. */
  @Override
  public void flush(boolean endOfInput) throws IOException {
    writeBuffer(true);
  }

  /**
   * Starts writing the buffer once the previous batch is done (waiting for it), so batches never
   * overtake each other; with {@code sync} also waits for this batch. While a batch is in flight
   * the next one keeps filling, so batches grow with the store's latency.
   */
  private void writeBuffer(boolean sync) throws IOException {
    awaitInFlight();
    if (!buffer.isEmpty()) {
      inFlightCells = buffer.size();
      inFlight = writer.write(List.copyOf(buffer));
      buffer.clear();
    }
    if (sync) {
      awaitInFlight();
    }
  }

  private void awaitInFlight() throws IOException {
    try {
      inFlight.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while writing online cells", e);
    } catch (ExecutionException e) {
      throw new IOException(
          "online store write of " + inFlightCells + " cells failed: " + e.getCause(), e);
    }
    cells.inc(inFlightCells);
    inFlightCells = 0;
  }

  @Override
  public void close() throws Exception {
    try {
      inFlight.get();
    } catch (Exception ignored) {
      // closing after a failure: the replay after the restore rewrites these cells
    }
    store.close();
  }
}
