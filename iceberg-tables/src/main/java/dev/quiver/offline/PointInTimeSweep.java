package dev.quiver.offline;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Consumer;

/**
 * The engine-neutral heart of the point-in-time join: given every label row and every feature event
 * of one entity key (for the views of one entity group), fills each label's feature slots with the
 * values as of the label's time, in one pass over time (sort, then carry state forward). Flink
 * ({@link PointInTimeJoin}) and Spark run it per key after grouping.
 *
 * <p>Rules, identical online and offline (see docs/training-sets.md):
 *
 * <ul>
 *   <li>An event is usable at t only if {@code event_time <= t - availabilityDelay} and, with the
 *       availability guard on, {@code _ingested_at <= t}. No event after t is ever used.
 *   <li>Row features: the newest usable event by {@code (event_time, _seq, _ingested_at)}, then the
 *       values' bytes; null when there is none or its {@code event_time <= t - ttl}.
 *   <li>Window aggregations over W with tile size s: usable events with {@code event_time} in
 *       {@code [floor(t/s)*s + s - W, t]}, folded and finished by core's tile algebra (empty
 *       windows: 0 for count, sum and count_distinct, [] for last_n, null otherwise).
 * </ul>
 *
 * <p>Cost: O((labels + events) log events) per key; memory: one key's rows.
 */
public final class PointInTimeSweep implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Event order: event_time, then _seq, then _ingested_at (the tie rule), then the values'
   * serialized bytes (unsigned), so that events equal in all three (a backfill from files without
   * offsets) take one order whatever order they arrive in.
   */
  public static final Comparator<SweepRow> EVENT_ORDER =
      Comparator.<SweepRow>comparingLong(r -> r.time)
          .thenComparingLong(r -> r.seq)
          .thenComparingLong(r -> r.ingestedAt)
          .thenComparing(
              (a, b) ->
                  Arrays.compareUnsigned(
                      SweepRowSerializer.arrayBytes(a.values),
                      SweepRowSerializer.arrayBytes(b.values)));

  private final List<ViewPlan> views;
  private final boolean availabilityGuard;

  public PointInTimeSweep(List<ViewPlan> views, boolean availabilityGuard) {
    this.views = List.copyOf(views);
    this.availabilityGuard = availabilityGuard;
  }

  public List<ViewPlan> views() {
    return views;
  }

  /** Whether events are usable at t only once ingested ({@code _ingested_at <= t}). */
  public boolean availabilityGuard() {
    return availabilityGuard;
  }

  /**
   * Sweeps one key's rows and emits its label rows with their features filled in, ordered by label
   * time. Rows of views this sweep does not plan are ignored. Does not retain {@code rows}.
   */
  public void sweep(Iterable<SweepRow> rows, Consumer<SweepRow> out) {
    List<SweepRow> labels = new ArrayList<>();
    List<List<SweepRow>> events = new ArrayList<>();
    int maxIndex = -1;
    for (ViewPlan v : views) {
      maxIndex = Math.max(maxIndex, v.viewIndex());
    }
    List<List<SweepRow>> byIndex = new ArrayList<>();
    for (int i = 0; i <= maxIndex; i++) {
      byIndex.add(new ArrayList<>());
    }
    for (SweepRow r : rows) {
      if (r.isLabel()) {
        labels.add(r);
      } else if (r.kind <= maxIndex) {
        byIndex.get(r.kind).add(r);
      }
    }
    if (labels.isEmpty()) {
      return;
    }
    labels.sort(Comparator.comparingLong(r -> r.time));
    for (ViewPlan v : views) {
      List<SweepRow> evs = byIndex.get(v.viewIndex());
      evs.sort(EVENT_ORDER);
      events.add(evs);
      ViewCursor cursor = new ViewCursor(v, evs, availabilityGuard);
      for (SweepRow label : labels) {
        cursor.fill(label);
      }
    }
    labels.forEach(out);
  }

  /** Walks one view's events forward in time for one key. */
  private static final class ViewCursor {
    private final ViewPlan plan;
    private final List<SweepRow> events;
    private final boolean guard;
    private final PriorityQueue<SweepRow> pending =
        new PriorityQueue<>(Comparator.comparingLong(r -> r.ingestedAt));
    private final List<WindowState> windows = new ArrayList<>();
    private int next;
    private SweepRow newest;

    ViewCursor(ViewPlan plan, List<SweepRow> events, boolean guard) {
      this.plan = plan;
      this.events = events;
      this.guard = guard;
      for (ViewPlan.AggPlan a : plan.aggregations()) {
        windows.add(new WindowState(a, plan.tileMillis()));
      }
    }

    void fill(SweepRow label) {
      long t = label.time;
      long cutoff = plan.cutoff(t);
      while (next < events.size() && events.get(next).time <= cutoff) {
        SweepRow e = events.get(next++);
        if (!guard || e.ingestedAt <= t) {
          admit(e);
        } else {
          pending.add(e);
        }
      }
      while (!pending.isEmpty() && pending.peek().ingestedAt <= t) {
        admit(pending.poll());
      }
      int slot = plan.outputOffset();
      boolean live = newest != null && newest.time > t - plan.ttlMillis();
      for (int idx : plan.rowFeatures()) {
        label.features[slot++] = live ? newest.values[idx] : null;
      }
      for (WindowState w : windows) {
        label.features[slot++] = w.value(t);
      }
    }

    private void admit(SweepRow e) {
      if (newest == null || EVENT_ORDER.compare(e, newest) > 0) {
        newest = e;
      }
      for (WindowState w : windows) {
        w.add(e);
      }
    }
  }
}
