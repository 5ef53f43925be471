package dev.quiver.offline;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Runs {@link PointInTimeSweep} per entity key in Flink batch mode: the keyed input arrives sorted
 * by key, rows of one key are buffered in keyed state, and the end-of-key timer sweeps them. With
 * reference times instead of labels, the label rows are generated for every key that has an event
 * at or before the last reference time.
 */
final class SweepFunction extends KeyedProcessFunction<String, SweepRow, SweepRow> {
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
    Iterable<SweepRow> all = rows.get();
    if (spine != null) {
      all = spine.withLabels(ctx.getCurrentKey(), all);
    }
    sweep.sweep(all, out::collect);
    rows.clear();
  }
}
