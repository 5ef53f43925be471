package dev.quiver.udfs;

import dev.quiver.core.codec.ValueCodec;
import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.tile.TileAggregator;
import dev.quiver.core.tile.TileAggregators;
import dev.quiver.core.tile.TileState;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.InputGroup;
import org.apache.flink.table.functions.AggregateFunction;

/**
 * {@code QUIVER_TILE(function, column, n, dtype, value, event_ms, seq)}: the complete partial
 * aggregate state of one tile, encoded by the team's tile algebra ({@code dev.quiver.core.tile}).
 * Grouped by (entity, tile resolution, tile start), its output is an upsert stream of tile states
 * that the online sink writes as whole cells, so a replay rewrites identical cells.
 *
 * <p>The first four arguments are literals naming the feature's aggregation: the spec function
 * ({@code sum}, {@code last_n}, ...), the input column ({@code *} for count), {@code n} for last_n
 * and the feature's dtype; the aggregator is {@link TileAggregators#forFeature}, exactly the one
 * the online reader merges with. First/last/last_n order events by (event_ms, seq), so the result
 * does not depend on arrival order. Nulls are skipped except by {@code count(*)}.
 */
@DataTypeHint("BYTES")
public class TileStateAggregate extends AggregateFunction<byte[], TileStateAggregate.Acc> {

  /**
   * The accumulator: the encoded state, exactly what Flink keeps in state and checkpoints ({@link
   * #getState}). The decoded state is kept beside it (transient, not part of the accumulator's
   * type) while events are folded in, and encoded only when Flink reads the accumulator back: with
   * mini-batches, once per key and batch instead of once per event.
   */
  public static class Acc {
    private byte[] state;
    private transient TileState decoded;
    private transient TileAggregator aggregator;

    /** The encoded state (null before the first event). */
    public byte[] getState() {
      if (decoded != null) {
        state = aggregator.encode(decoded);
        decoded = null;
        aggregator = null;
      }
      return state;
    }

    public void setState(byte[] state) {
      this.state = state;
      this.decoded = null;
      this.aggregator = null;
    }
  }

  private transient Map<SpecKey, Spec> specs;

  private record Spec(TileAggregator aggregator, FeatureType inputType) {}

  private record SpecKey(String function, String column, int n, String dtype) {}

  @Override
  public Acc createAccumulator() {
    return new Acc();
  }

  public void accumulate(
      Acc acc,
      String function,
      String column,
      Integer n,
      String dtype,
      @DataTypeHint(inputGroup = InputGroup.ANY) Object value,
      Long eventMs,
      Long seq) {
    Spec spec = spec(function, column, n == null ? 0 : n, dtype);
    TileAggregator agg = spec.aggregator();
    TileState state;
    if (acc.decoded != null && acc.aggregator == agg) {
      state = acc.decoded;
    } else {
      byte[] encoded = acc.getState();
      state = encoded == null ? agg.empty() : agg.decode(encoded);
    }
    Object v = spec.inputType() == null ? value : ValueCodec.normalize(spec.inputType(), value);
    acc.decoded = agg.add(state, v, eventMs, seq == null ? 0L : seq);
    acc.aggregator = agg;
  }

  @Override
  public byte[] getValue(Acc acc) {
    return acc.getState();
  }

  private Spec spec(String function, String column, int n, String dtype) {
    if (specs == null) {
      specs = new HashMap<>();
    }
    SpecKey key = new SpecKey(function, column, n, dtype);
    Spec s = specs.get(key);
    if (s == null) {
      s = newSpec(function, column, n, dtype);
      specs.put(key, s);
    }
    return s;
  }

  /** The aggregator and input type of a feature, as {@link TileAggregators#forFeature} has them. */
  static Spec newSpec(String function, String column, int n, String dtype) {
    AggregationFunction fn =
        AggregationFunction.parse(function)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "function: '" + function + "' (expected one of count, sum, avg, ...)"));
    FeatureType type =
        FeatureType.parse(dtype)
            .orElseThrow(() -> new IllegalArgumentException("dtype: '" + dtype + "'"));
    Feature f =
        new Feature(
            "tile", type, "", null, new Aggregation(column, fn, Duration.ofMillis(1), n), Map.of());
    return new Spec(TileAggregators.forFeature(f), inputType(fn, type));
  }

  /** The aggregator input type for a feature dtype (mirrors {@code TileAggregators.forFeature}). */
  public static FeatureType inputType(AggregationFunction fn, FeatureType dtype) {
    return switch (fn) {
      case COUNT -> null;
      case AVG, STDDEV -> FeatureType.FLOAT64;
      case COUNT_DISTINCT -> FeatureType.STRING;
      case LAST_N -> new FeatureType(dtype.scalar(), false);
      default -> dtype;
    };
  }
}
