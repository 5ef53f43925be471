package dev.quiver.offline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Runs {@link PointInTimeSweep} per entity key in Flink batch mode: the keyed input arrives sorted
 * by the key's 64-bit hash ({@link KeyCodec#hash64}, a fixed-length sort key), rows of one hash are
 * buffered in keyed state, and the end-of-key timer sweeps them — one sweep per distinct full key,
 * so that keys whose hashes collide never mix. With reference times instead of labels, the label
 * rows are generated for every key that has an event at or before the last reference time.
 */
final class SweepFunction extends KeyedProcessFunction<Long, SweepRow, SweepRow> {
  private static final long serialVersionUID = 1L;
  private final PointInTimeSweep sweep;
  private final SpineLabels spine;
  private transient ListState<SweepRow> rows;

  SweepFunction(PointInTimeSweep sweep, SpineLabels spine) {
    this.sweep = sweep;
    this.spine = spine;
  }

  @Override
  public void open(Configuration parameters) {
    rows =
        getRuntimeContext()
            .getListState(new ListStateDescriptor<>("rows", SweepRowSerializer.TYPE));
  }

  @Override
  public void processElement(SweepRow row, Context ctx, Collector<SweepRow> out) throws Exception {
    rows.add(row);
    ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<SweepRow> out)
      throws Exception {
    sweepByKey(sweep, spine, rows.get(), out::collect);
    rows.clear();
  }

  /**
   * Sweeps the rows of one key hash: one sweep per distinct full key (in key order when hashes
   * collide), so that colliding keys never see each other's events.
   */
  static void sweepByKey(
      PointInTimeSweep sweep, SpineLabels spine, Iterable<SweepRow> all, Consumer<SweepRow> out) {
    String first = null;
    boolean oneKey = true;
    for (SweepRow r : all) {
      if (first == null) {
        first = r.key;
      } else if (!first.equals(r.key)) {
        oneKey = false;
        break;
      }
    }
    if (first == null) {
      return;
    }
    if (oneKey) {
      sweep.sweep(spine == null ? all : spine.withLabels(first, all), out);
      return;
    }
    Map<String, List<SweepRow>> byKey = new TreeMap<>();
    for (SweepRow r : all) {
      byKey.computeIfAbsent(r.key, k -> new ArrayList<>()).add(r);
    }
    byKey.forEach(
        (key, rows) -> sweep.sweep(spine == null ? rows : spine.withLabels(key, rows), out));
  }
}
