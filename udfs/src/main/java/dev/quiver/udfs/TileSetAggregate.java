package dev.quiver.udfs;

import dev.quiver.core.codec.ValueCodec;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.tile.TileState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.InputGroup;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.binary.BinaryStringData;
import org.apache.flink.table.functions.AggregateFunction;

/**
 * {@code QUIVER_TILE_SET(resolutions, series, event_ms, seq, value_1, ..., value_k)}: every tile of
 * one entity inside one tile of the coarsest resolution (the GROUP BY key), at every resolution
 * listed in {@code resolutions} ({@code ,}-separated millis, e.g. {@code
 * '300000,3600000,86400000'}), each tile the complete partial state of every series as a {@link
 * dev.quiver.core.tile.TileBundle} — exactly the cell {@code QUIVER_TILES} computes for that
 * (entity, resolution, tile). So one keyed-state access per event updates all resolutions, instead
 * of one per (entity, resolution, tile).
 *
 * <p>The result is a {@link TileSet#encodeChanged changed-tile list}: the tiles the events folded
 * in since the accumulator was last emitted, which {@link TileSetRows QUIVER_TILE_ROWS} turns into
 * one (resolution, start, max event ms, bundle) row each. "Since last emitted": the accumulator
 * keeps the changed flags of the tiles of its last update; a {@link #getValue} call arms a reset,
 * and the next {@link #accumulate} clears the flags before folding its event. Flink's group
 * aggregations (with and without mini-batches) call {@code getValue} on the restored accumulator
 * before they fold a key's new rows, and a batch aggregation folds all rows of a group before its
 * one {@code getValue}, so every emitted list holds at least the tiles changed since the previous
 * emission. If a caller ever folded rows without that call in between, the list would also repeat
 * tiles already emitted, with their unchanged (identical) states: never fewer tiles, so the online
 * cells stay exact.
 *
 * <p>{@code series} and the aggregators are those of {@link TileBundleAggregate}; the series states
 * of a tile are decoded only when an event reaches it and encoded once per emission.
 */
@DataTypeHint("BYTES")
public class TileSetAggregate extends AggregateFunction<byte[], TileSetAggregate.Acc> {

  /**
   * The accumulator: the encoded tile set (what Flink keeps in state and checkpoints, {@link
   * #getTiles}); the decoded set is kept beside it (transient) while events are folded in.
   */
  public static class Acc {
    private byte[] tiles;
    private transient TileSet decoded;
    private transient boolean resetPending;

    /** The encoded tile set (null before the first event). */
    public byte[] getTiles() {
      if (decoded != null && decoded.modified()) {
        tiles = decoded.encode();
      }
      return tiles;
    }

    public void setTiles(byte[] tiles) {
      this.tiles = tiles;
      this.decoded = null;
      this.resetPending = false;
    }
  }

  private transient Map<String, TileBundleAggregate.Series> specs;
  private transient StringData lastSpec;
  private transient TileBundleAggregate.Series lastSeries;
  private transient StringData lastResText;
  private transient long[] lastRes;

  @Override
  public Acc createAccumulator() {
    return new Acc();
  }

  /** Folds one event into its tile at every resolution. */
  public void accumulate(
      Acc acc,
      @DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData resolutions,
      @DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData series,
      Long eventMs,
      Long seq,
      @DataTypeHint(inputGroup = InputGroup.ANY) Object... values) {
    TileBundleAggregate.Series s = series(series);
    if (values.length != s.aggregators.length) {
      throw new IllegalArgumentException(
          "QUIVER_TILE_SET: "
              + values.length
              + " values for "
              + s.aggregators.length
              + " series '"
              + series
              + "' (expected one value per series)");
    }
    long[] res = resolutions(resolutions);
    if (acc.decoded == null || acc.decoded.series() != s) {
      acc.decoded = TileSet.decode(acc.tiles, s);
    }
    TileSet set = acc.decoded;
    if (acc.resetPending) {
      set.clearChanged();
      acc.resetPending = false;
    }
    long ms = eventMs;
    long sq = seq == null ? 0L : seq;
    Object[] normalized = new Object[values.length];
    for (int i = 0; i < values.length; i++) {
      FeatureType type = s.inputTypes[i];
      normalized[i] = type == null ? values[i] : ValueCodec.normalize(type, values[i]);
    }
    for (long r : res) {
      TileState[] states = set.touch(r, Math.floorDiv(ms, r) * r, ms);
      for (int i = 0; i < states.length; i++) {
        states[i] = s.aggregators[i].add(states[i], normalized[i], ms, sq);
      }
    }
  }

  /** The tiles changed since the last emission (see the class comment); arms the reset. */
  @Override
  public byte[] getValue(Acc acc) {
    if (acc.decoded == null) {
      if (acc.tiles == null) {
        return null;
      }
      acc.decoded = TileSet.decode(acc.tiles, null);
    }
    acc.resetPending = true;
    return acc.decoded.encodeChanged();
  }

  private TileBundleAggregate.Series series(StringData spec) {
    if (lastSpec != null && lastSpec.equals(spec)) {
      return lastSeries;
    }
    if (specs == null) {
      specs = new HashMap<>();
    }
    String text = spec.toString();
    TileBundleAggregate.Series s = specs.computeIfAbsent(text, TileBundleAggregate::parse);
    lastSpec = BinaryStringData.fromString(text);
    lastSeries = s;
    return s;
  }

  private long[] resolutions(StringData text) {
    if (lastResText != null && lastResText.equals(text)) {
      return lastRes;
    }
    String t = text.toString();
    lastRes = parseResolutions(t);
    lastResText = BinaryStringData.fromString(t);
    return lastRes;
  }

  /** Parses a {@code resolutions} literal: ascending positive millis, {@code ,}-separated. */
  static long[] parseResolutions(String text) {
    List<Long> out = new ArrayList<>();
    for (String p : text.split(",")) {
      long r;
      try {
        r = Long.parseLong(p.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "QUIVER_TILE_SET resolutions: '" + p + "' in '" + text + "' (expected millis)");
      }
      if (r <= 0 || (!out.isEmpty() && (r <= out.get(out.size() - 1)))) {
        throw new IllegalArgumentException(
            "QUIVER_TILE_SET resolutions: '" + text + "' (expected ascending positive millis)");
      }
      out.add(r);
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  /** The {@code resolutions} literal for a list of resolutions. */
  public static String resolutionsSpec(List<Long> resolutions) {
    return String.join(",", resolutions.stream().map(String::valueOf).toList());
  }

  /** Visible for tests: the changed tiles of an encoded result, as (res, start, maxMs, bundle). */
  static List<Object[]> decodeChanged(byte[] changed) {
    List<Object[]> out = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(changed);
    int n = b.getInt();
    for (int i = 0; i < n; i++) {
      long res = b.getLong();
      long start = b.getLong();
      long max = b.getLong();
      byte[] bundle = new byte[b.getInt()];
      b.get(bundle);
      out.add(new Object[] {res, start, max, bundle});
    }
    return out;
  }
}
