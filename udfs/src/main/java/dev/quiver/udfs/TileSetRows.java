package dev.quiver.udfs;

import java.nio.ByteBuffer;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.FunctionHint;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.TableFunction;

/**
 * {@code QUIVER_TILE_ROWS(changed)}: one row per tile of a {@link TileSetAggregate QUIVER_TILE_SET}
 * result — {@code (_tile_res, _tile_start, _max_event_ms, _tiles)}, the tile's resolution and start
 * (millis), the max event time folded into it and its {@link dev.quiver.core.tile.TileBundle}. A
 * null input emits nothing. Stateless.
 */
@FunctionHint(
    output =
        @DataTypeHint(
            value =
                "ROW<`_tile_res` BIGINT NOT NULL, `_tile_start` BIGINT NOT NULL,"
                    + " `_max_event_ms` BIGINT, `_tiles` BYTES>",
            bridgedTo = RowData.class))
public class TileSetRows extends TableFunction<RowData> {

  /** Emits the tiles of {@code changed}. */
  public void eval(byte[] changed) {
    if (changed == null) {
      return;
    }
    ByteBuffer b = ByteBuffer.wrap(changed);
    int n = b.getInt();
    for (int i = 0; i < n; i++) {
      long res = b.getLong();
      long start = b.getLong();
      long max = b.getLong();
      byte[] bundle = new byte[b.getInt()];
      b.get(bundle);
      collect(GenericRowData.of(res, start, max, bundle));
    }
  }
}
