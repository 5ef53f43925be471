package dev.quiver.jobs.ingest;

import java.time.Duration;
import java.util.Base64;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;

/**
 * Drops repeats of the dedup key: the first accepted event with a given key wins, later ones are
 * counted in {@code quiverDuplicatesDropped} and dropped (a duplicate is not an error, so it does
 * not go to the dead-letter topic).
 *
 * <p>Keyed by the entity key, with the seen dedup keys in a map state whose entries expire after
 * {@code ttl} (bounded state, kept in RocksDB and checkpoints). Keying by entity rather than by the
 * dedup key keeps each entity's events in arrival (offset) order downstream, which the online row
 * writes rely on for the tie rule: of two events with equal event time, the later one (higher
 * offset) is written last and wins.
 */
public final class Deduplicator extends KeyedProcessFunction<String, Row, Row> {
  private final int dedupIndex;
  private final Duration ttl;
  private transient MapState<String, Boolean> seen;
  private transient Counter dropped;

  public Deduplicator(int dedupIndex, Duration ttl) {
    this.dedupIndex = dedupIndex;
    this.ttl = ttl;
  }

  @Override
  public void open(OpenContext ctx) {
    MapStateDescriptor<String, Boolean> d =
        new MapStateDescriptor<>("quiver-dedup-keys", Types.STRING, Types.BOOLEAN);
    d.enableTimeToLive(
        StateTtlConfig.newBuilder(ttl)
            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
            .build());
    seen = getRuntimeContext().getMapState(d);
    dropped = getRuntimeContext().getMetricGroup().counter("quiverDuplicatesDropped");
  }

  @Override
  public void processElement(Row row, Context ctx, Collector<Row> out) throws Exception {
    String key = keyText(row.getField(dedupIndex));
    if (seen.contains(key)) {
      dropped.inc();
      return;
    }
    seen.put(key, Boolean.TRUE);
    out.collect(row);
  }

  /** Selects the entity key (the join-key values) of a parsed row. */
  public static KeySelector<Row, String> entityKey(int[] keyIndexes) {
    return row -> {
      if (keyIndexes.length == 1) {
        return keyText(row.getField(keyIndexes[0]));
      }
      StringBuilder sb = new StringBuilder();
      for (int i : keyIndexes) {
        escape(keyText(row.getField(i)), "\u0000\u0001", '\u0001', sb).append('\u0000');
      }
      return sb.toString();
    };
  }

  /**
   * Appends {@code text} with each of {@code special} (which includes {@code esc}) preceded by
   * {@code esc}, so that an unescaped special character is always structure: each component ends at
   * its first unescaped terminator, and two different component lists never give one text. Before,
   * components were joined with a bare {@code \u0000}, so ("a\u0000", "b") and ("a", "\u0000b")
   * were one entity: one dedup state, and an event of one dropped as a repeat of the other's. A
   * text without special characters is unchanged, so the keys in existing checkpoints (and their
   * key groups) stay the same.
   */
  static StringBuilder escape(String text, String special, char esc, StringBuilder sb) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (special.indexOf(c) >= 0) {
        sb.append(esc);
      }
      sb.append(c);
    }
    return sb;
  }

  /**
   * The text of a key value, equal for equal contents: a BYTES value is its Base64, an array its
   * elements'. {@code String.valueOf} gave a byte array's or an array's identity ({@code
   * [B@1b2c3d}) (session 12 QA pass): a BYTES or ARRAY dedup key never matched its repeat, and a
   * BYTES join key put each event under a key of its own, so no duplicate was dropped and the
   * entity's events lost their order.
   */
  static String keyText(Object v) {
    if (v instanceof byte[] b) {
      return Base64.getEncoder().encodeToString(b);
    }
    if (v instanceof Object[] a) {
      // elements escaped as in entityKey: an element holding the separator, the null mark or a
      // bracket no longer reads as two elements or a nested array
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < a.length; i++) {
        sb.append(i == 0 ? "" : "\u0001");
        if (a[i] == null) {
          sb.append('\u0002');
        } else if (a[i] instanceof Object[]) {
          sb.append(keyText(a[i]));
        } else {
          escape(keyText(a[i]), "\u0001\u0002\u0003[]", '\u0003', sb);
        }
      }
      return sb.append(']').toString();
    }
    return String.valueOf(v);
  }
}
