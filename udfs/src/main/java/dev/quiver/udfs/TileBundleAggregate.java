package dev.quiver.udfs;

import dev.quiver.core.codec.ValueCodec;
import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.tile.TileAggregator;
import dev.quiver.core.tile.TileAggregators;
import dev.quiver.core.tile.TileBundle;
import dev.quiver.core.tile.TileState;
import java.time.Duration;
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
 * {@code QUIVER_TILES(series, event_ms, seq, value_1, ..., value_k)}: the complete partial states
 * of every tile series of a view in one tile, encoded as one {@link TileBundle} (the online tile
 * cell). Grouped by (entity, tile resolution, tile start), its output is an upsert stream of whole
 * tiles that the online sink writes as one cell each, so a replay rewrites identical cells.
 *
 * <p>{@code series} is a literal listing the series, {@code ;}-separated, each as {@code
 * function|column|n|dtype} (the spec function, the input column or {@code *}, {@code n} for last_n,
 * the feature's dtype); {@code value_i} is the input of series i. The aggregators are {@link
 * TileAggregators#forFeature}, exactly the ones the online reader merges with, and a series' name
 * in the bundle is {@link TileAggregators#seriesName}. First/last/last_n order events by (event_ms,
 * seq), so the result does not depend on arrival order. Nulls are skipped except by {@code
 * count(*)}.
 *
 * <p>One call for all series keeps one small accumulator per tile in Flink state (one byte array)
 * instead of one per series.
 */
@DataTypeHint("BYTES")
public class TileBundleAggregate extends AggregateFunction<byte[], TileBundleAggregate.Acc> {

  /**
   * The accumulator: the encoded bundle, exactly what Flink keeps in state and checkpoints ({@link
   * #getBundle}). The decoded states are kept beside it (transient, not part of the accumulator's
   * type) while events are folded in, and encoded only when Flink reads the accumulator back: with
   * mini-batches, once per tile and batch instead of once per event.
   */
  public static class Acc {
    private byte[] bundle;
    private transient TileState[] decoded;
    private transient Series series;

    /** The encoded bundle (null before the first event). */
    public byte[] getBundle() {
      if (decoded != null) {
        bundle = series.encode(decoded);
        decoded = null;
        series = null;
      }
      return bundle;
    }

    public void setBundle(byte[] bundle) {
      this.bundle = bundle;
      this.decoded = null;
      this.series = null;
    }
  }

  /** The series of one {@code series} literal. */
  static final class Series {
    final TileAggregator[] aggregators;
    final FeatureType[] inputTypes;
    final byte[][] names;

    Series(List<TileAggregator> aggregators, List<FeatureType> inputTypes, List<String> names) {
      this.aggregators = aggregators.toArray(TileAggregator[]::new);
      this.inputTypes = inputTypes.toArray(FeatureType[]::new);
      this.names = TileBundle.names(names);
    }

    TileState[] decode(byte[] bundle) {
      TileState[] out = new TileState[aggregators.length];
      for (int i = 0; i < out.length; i++) {
        byte[] s = bundle == null ? null : TileBundle.find(bundle, names[i]);
        out[i] = s == null ? aggregators[i].empty() : aggregators[i].decode(s);
      }
      return out;
    }

    byte[] encode(TileState[] states) {
      byte[][] encoded = new byte[states.length][];
      for (int i = 0; i < states.length; i++) {
        encoded[i] = aggregators[i].encode(states[i]);
      }
      return TileBundle.encode(names, encoded);
    }
  }

  private transient Map<String, Series> specs;
  private transient StringData lastSpec;
  private transient Series lastSeries;

  @Override
  public Acc createAccumulator() {
    return new Acc();
  }

  /**
   * Folds one event into every series of the tile. {@code series} is taken as Flink's internal
   * string (no conversion per call: it is the same literal for every row).
   */
  public void accumulate(
      Acc acc,
      @DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData series,
      Long eventMs,
      Long seq,
      @DataTypeHint(inputGroup = InputGroup.ANY) Object... values) {
    Series s = series(series);
    if (values.length != s.aggregators.length) {
      throw new IllegalArgumentException(
          "QUIVER_TILES: "
              + values.length
              + " values for "
              + s.aggregators.length
              + " series '"
              + series
              + "' (expected one value per series)");
    }
    TileState[] states;
    if (acc.decoded != null && acc.series == s) {
      states = acc.decoded;
    } else {
      states = s.decode(acc.getBundle());
    }
    long ms = eventMs;
    long sq = seq == null ? 0L : seq;
    for (int i = 0; i < states.length; i++) {
      FeatureType type = s.inputTypes[i];
      Object v = type == null ? values[i] : ValueCodec.normalize(type, values[i]);
      states[i] = s.aggregators[i].add(states[i], v, ms, sq);
    }
    acc.decoded = states;
    acc.series = s;
  }

  @Override
  public byte[] getValue(Acc acc) {
    return acc.getBundle();
  }

  private Series series(StringData spec) {
    // The literal is the same for every row: compare its bytes with the last one (a copy, in case
    // the caller reuses the object) before decoding and hashing it as a Java string.
    if (lastSpec != null && lastSpec.equals(spec)) {
      return lastSeries;
    }
    if (specs == null) {
      specs = new HashMap<>();
    }
    String text = spec.toString();
    Series s = specs.computeIfAbsent(text, TileBundleAggregate::parse);
    lastSpec = BinaryStringData.fromString(text);
    lastSeries = s;
    return s;
  }

  /** Parses a {@code series} literal ({@code function|column|n|dtype;...}). */
  static Series parse(String spec) {
    List<TileAggregator> aggs = new ArrayList<>();
    List<FeatureType> inputs = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (String one : spec.split(";")) {
      String[] p = one.split("\\|", -1);
      if (p.length != 4) {
        throw new IllegalArgumentException(
            "QUIVER_TILES series: '" + one + "' (expected function|column|n|dtype)");
      }
      AggregationFunction fn =
          AggregationFunction.parse(p[0])
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "function: '" + p[0] + "' (expected one of count, sum, avg, ...)"));
      FeatureType dtype =
          FeatureType.parse(p[3])
              .orElseThrow(() -> new IllegalArgumentException("dtype: '" + p[3] + "'"));
      Aggregation a = new Aggregation(p[1], fn, Duration.ofMillis(1), Integer.parseInt(p[2]));
      aggs.add(TileAggregators.forFeature(new Feature("tile", dtype, "", null, a, Map.of())));
      inputs.add(inputType(fn, dtype));
      names.add(TileAggregators.seriesName(a));
    }
    return new Series(aggs, inputs, names);
  }

  /**
   * The type a series' input is normalized to ({@code ValueCodec.normalize}) before it is folded;
   * null when it is folded as Flink gives it: count only tests it for null, and count_distinct
   * hashes its canonical bytes ({@code DistinctValues}) whatever its type, exactly as the offline
   * sweep does (before: the job cast it to STRING, whose text for FLOAT and TIMESTAMP columns was
   * not what the export hashed, so the two estimates differed).
   */
  public static FeatureType inputType(AggregationFunction fn, FeatureType dtype) {
    return switch (fn) {
      case COUNT, COUNT_DISTINCT -> null;
      case AVG, STDDEV -> FeatureType.FLOAT64;
      case LAST_N -> new FeatureType(dtype.scalar(), false);
      default -> dtype;
    };
  }

  /** The {@code series} literal of one series: {@code function|column|n|dtype}. */
  public static String seriesSpec(Aggregation a, FeatureType dtype) {
    return a.function().specName() + "|" + a.column() + "|" + a.n() + "|" + dtype;
  }
}
