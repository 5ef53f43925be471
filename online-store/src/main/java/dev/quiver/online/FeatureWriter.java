package dev.quiver.online;

import dev.quiver.core.codec.ValueCodec;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.tile.TileAggregator;
import dev.quiver.core.tile.TileAggregators;
import dev.quiver.core.tile.TileBundle;
import dev.quiver.core.tile.TileRef;
import dev.quiver.core.tile.TileState;
import dev.quiver.core.tile.Tiling;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Builds the online cells of one feature view and writes them: row features (qualifier = feature
 * name, ts = event time) and tiles (qualifier = {@code tiles@<resolution>@<start>}, value = a
 * {@link TileBundle} of the complete partial state of every series, ts = the newest event time in
 * the tile). Used by the streaming job's online sink.
 *
 * <p>The writer must keep a tile for <em>every</em> resolution of {@link #tiling()} (fine tiles and
 * the 1h/1d rollups: {@link Tiling#tilesOf(long)} lists the tiles an event updates), because
 * readers merge a minimal cover of them. Tiles are per series ({@link #series()}): features that
 * differ only by window share tiles.
 *
 * <p>Thread-safe; the store is owned by the caller.
 */
public final class FeatureWriter {
  private final OnlineStore store;
  private final FeatureView view;
  private final ViewTableId table;
  private final Tiling tiling;
  private final Map<String, TileAggregator> series = new LinkedHashMap<>();
  // Per-cell work resolved once (sinks call row/tile per cell): each row feature's type, and the
  // tile qualifier prefix per resolution (a tile's qualifier is that prefix + its start).
  private final Map<String, FeatureType> rowTypes = new HashMap<>();
  private final Map<Long, String> tilePrefixes = new HashMap<>();

  public FeatureWriter(OnlineStore store, FeatureView view) {
    this.store = store;
    this.view = view;
    this.table = ViewTableId.of(view);
    this.tiling = Tiling.forView(view);
    tiling.resolutions().forEach(r -> tilePrefixes.put(r, Qualifiers.tilePrefix(r)));
    for (Feature f : view.features()) {
      if (f.isAggregation()) {
        String name = TileAggregators.seriesName(f.aggregation());
        series.putIfAbsent(name, TileAggregators.forFeature(f));
      } else {
        rowTypes.put(f.name(), f.dtype());
      }
    }
  }

  /**
   * The TTL of the view's online table: the view's TTL, or longer when a window needs it (tiles of
   * the longest window plus one coarsest rollup must outlive it). Row features are still cut at the
   * view's TTL by the reader.
   */
  public static Duration storeTtl(FeatureView view) {
    Tiling tiling = Tiling.forView(view);
    long coarsest = tiling.resolutions().get(tiling.resolutions().size() - 1);
    long longest =
        view.features().stream()
            .filter(Feature::isAggregation)
            .mapToLong(f -> f.aggregation().window().toMillis())
            .max()
            .orElse(0);
    long needed = longest == 0 ? 0 : longest + coarsest + tiling.tileSize();
    return Duration.ofMillis(Math.max(view.ttl().toMillis(), needed));
  }

  /** Creates the view's table with {@link #storeTtl}. Idempotent, blocking. */
  public void ensureTable() {
    store.ensureTable(table, storeTtl(view));
  }

  public ViewTableId table() {
    return table;
  }

  public Tiling tiling() {
    return tiling;
  }

  /** Tile series name → its aggregator, in feature order. */
  public Map<String, TileAggregator> series() {
    return java.util.Collections.unmodifiableMap(series);
  }

  /** The cell of a row feature value (null allowed) at its event time. */
  public OnlineWrite row(byte[] entityKey, String feature, Object value, long eventTime) {
    FeatureType type = rowTypes.get(feature);
    if (type == null) {
      throw new IllegalArgumentException(
          "feature: '" + feature + "' (expected: a row feature of " + view.qualifiedName() + ")");
    }
    return new OnlineWrite(
        table, entityKey, Qualifiers.row(feature), eventTime, ValueCodec.encode(type, value));
  }

  /**
   * The cell of one tile: the complete partial states of the given series (name → state; series
   * missing from the map have no state in this tile), in one {@link TileBundle}.
   *
   * @throws IllegalArgumentException for a series that is not one of {@link #series()}
   */
  public OnlineWrite tile(
      byte[] entityKey, TileRef tile, Map<String, TileState> states, long maxEventTime) {
    List<String> names = new ArrayList<>(states.size());
    byte[][] encoded = new byte[states.size()][];
    for (Map.Entry<String, TileState> e : states.entrySet()) {
      TileAggregator agg = series.get(e.getKey());
      if (agg == null) {
        throw new IllegalArgumentException(
            "series: '" + e.getKey() + "' (expected one of " + series.keySet() + ")");
      }
      encoded[names.size()] = agg.encode(e.getValue());
      names.add(e.getKey());
    }
    return tile(entityKey, tile, TileBundle.encode(TileBundle.names(names), encoded), maxEventTime);
  }

  /** The cell of one tile, from an already encoded {@link TileBundle}. */
  public OnlineWrite tile(byte[] entityKey, TileRef tile, byte[] bundle, long maxEventTime) {
    String prefix = tilePrefixes.get(tile.resolution());
    if (prefix == null) {
      throw new IllegalArgumentException(
          "tile resolution: " + tile.resolution() + "ms (expected one of " + tiling + ")");
    }
    return new OnlineWrite(table, entityKey, prefix + tile.start(), maxEventTime, bundle);
  }

  /** Writes cells; see {@link OnlineStore#multiPut} for the idempotence contract. */
  public CompletableFuture<Void> write(List<OnlineWrite> writes) {
    return store.multiPut(writes);
  }
}
