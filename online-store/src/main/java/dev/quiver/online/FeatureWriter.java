package dev.quiver.online;

import dev.quiver.core.codec.ValueCodec;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.tile.TileAggregator;
import dev.quiver.core.tile.TileAggregators;
import dev.quiver.core.tile.TileRef;
import dev.quiver.core.tile.TileState;
import dev.quiver.core.tile.Tiling;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Builds the online cells of one feature view and writes them: row features (qualifier = feature
 * name, ts = event time) and tiles (qualifier = series + resolution + start, value = the complete
 * partial state, ts = the newest event time in it). Used by the streaming job's online sink.
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
  // Per-cell work resolved once (sinks call row/tile per cell): each row feature's type, and each
  // series' qualifier prefix per resolution (a tile's qualifier is that prefix + its start).
  private final Map<String, FeatureType> rowTypes = new HashMap<>();
  private final Map<String, Map<Long, String>> tilePrefixes = new HashMap<>();

  public FeatureWriter(OnlineStore store, FeatureView view) {
    this.store = store;
    this.view = view;
    this.table = ViewTableId.of(view);
    this.tiling = Tiling.forView(view);
    for (Feature f : view.features()) {
      if (f.isAggregation()) {
        String name = TileAggregators.seriesName(f.aggregation());
        if (series.putIfAbsent(name, TileAggregators.forFeature(f)) == null) {
          Map<Long, String> prefixes = new HashMap<>();
          tiling.resolutions().forEach(r -> prefixes.put(r, Qualifiers.tilePrefix(name, r)));
          tilePrefixes.put(name, prefixes);
        }
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

  /** The cell of one tile's complete partial state. */
  public OnlineWrite tile(
      byte[] entityKey, String seriesName, TileRef tile, TileState state, long maxEventTime) {
    TileAggregator agg = series.get(seriesName);
    if (agg == null) {
      throw new IllegalArgumentException(
          "series: '" + seriesName + "' (expected one of " + series.keySet() + ")");
    }
    return tile(entityKey, seriesName, tile, agg.encode(state), maxEventTime);
  }

  /** The cell of one tile, from an already encoded state. */
  public OnlineWrite tile(
      byte[] entityKey, String seriesName, TileRef tile, byte[] encodedState, long maxEventTime) {
    Map<Long, String> prefixes = tilePrefixes.get(seriesName);
    String prefix = prefixes == null ? null : prefixes.get(tile.resolution());
    if (prefix == null) {
      if (!tiling.resolutions().contains(tile.resolution())) {
        throw new IllegalArgumentException(
            "tile resolution: " + tile.resolution() + "ms (expected one of " + tiling + ")");
      }
      prefix = Qualifiers.tilePrefix(seriesName, tile.resolution());
    }
    return new OnlineWrite(table, entityKey, prefix + tile.start(), maxEventTime, encodedState);
  }

  /** Writes cells; see {@link OnlineStore#multiPut} for the idempotence contract. */
  public CompletableFuture<Void> write(List<OnlineWrite> writes) {
    return store.multiPut(writes);
  }
}
