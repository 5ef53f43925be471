package dev.quiver.offline;

import dev.quiver.core.spec.AggregationFunction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The usable events of one key inside one sliding window, with the running state of one
 * aggregation. Events enter in any order (late availability) and leave only from the old end
 * (window starts only move forward), so every function is maintained incrementally.
 */
final class WindowState {
  final ViewPlan.AggPlan plan;
  private final TreeSet<SweepRow> inWindow;
  private final Map<SweepRow, Long> ids = new HashMap<>();
  private long nextId;
  private long count;
  private long nonNull;
  private long longSum;
  private double sum;
  private double sumSq;
  private final TreeMap<Object, Integer> values;
  private final Map<Object, Integer> distinct = new HashMap<>();
  private long lowerBound = Long.MIN_VALUE;

  @SuppressWarnings({"unchecked", "rawtypes"})
  WindowState(ViewPlan.AggPlan plan) {
    this.plan = plan;
    this.inWindow =
        new TreeSet<>(
            PointInTimeSweep.EVENT_ORDER.thenComparingLong(
                r -> ids.getOrDefault(r, Long.MAX_VALUE)));
    this.values = new TreeMap<>((a, b) -> ((Comparable) a).compareTo(b));
  }

  private Object input(SweepRow e) {
    return plan.inputIndex() < 0 ? Boolean.TRUE : e.values[plan.inputIndex()];
  }

  void add(SweepRow e) {
    if (e.time < lowerBound) {
      return; // already outside every later window
    }
    ids.put(e, nextId++);
    inWindow.add(e);
    count++;
    Object v = input(e);
    if (v == null) {
      return;
    }
    nonNull++;
    switch (plan.function()) {
      case SUM, AVG, STDDEV -> {
        double d = ((Number) v).doubleValue();
        if (plan.integral()) {
          longSum += ((Number) v).longValue();
        }
        sum += d;
        sumSq += d * d;
      }
      case MIN, MAX -> values.merge(v, 1, Integer::sum);
      case COUNT_DISTINCT -> distinct.merge(v, 1, Integer::sum);
      default -> {}
    }
  }

  void evictBefore(long start) {
    lowerBound = Math.max(lowerBound, start);
    while (!inWindow.isEmpty() && inWindow.first().time < start) {
      SweepRow e = inWindow.pollFirst();
      ids.remove(e);
      count--;
      Object v = input(e);
      if (v == null) {
        continue;
      }
      nonNull--;
      switch (plan.function()) {
        case SUM, AVG, STDDEV -> {
          double d = ((Number) v).doubleValue();
          if (plan.integral()) {
            longSum -= ((Number) v).longValue();
          }
          sum -= d;
          sumSq -= d * d;
        }
        case MIN, MAX -> values.computeIfPresent(v, (k, c) -> c == 1 ? null : c - 1);
        case COUNT_DISTINCT -> distinct.computeIfPresent(v, (k, c) -> c == 1 ? null : c - 1);
        default -> {}
      }
    }
    if (nonNull == 0) {
      // exact zero again: no drift carried over an empty window
      sum = 0;
      sumSq = 0;
      longSum = 0;
    }
  }

  Object value() {
    AggregationFunction f = plan.function();
    if (f == AggregationFunction.COUNT) {
      return plan.inputIndex() < 0 ? count : nonNull;
    }
    if (f == AggregationFunction.COUNT_DISTINCT) {
      return (long) distinct.size();
    }
    if (nonNull == 0) {
      return null;
    }
    return switch (f) {
      case SUM -> plan.integral() ? (Object) longSum : (Object) sum;
      case AVG -> sum / nonNull;
      case STDDEV -> {
        double mean = sum / nonNull;
        yield Math.sqrt(Math.max(0.0, sumSq / nonNull - mean * mean));
      }
      case MIN -> values.firstKey();
      case MAX -> values.lastKey();
      case FIRST -> firstNonNull(inWindow.iterator());
      case LAST -> firstNonNull(inWindow.descendingIterator());
      case LAST_N -> lastN();
      default -> throw new IllegalStateException(f.toString());
    };
  }

  private Object firstNonNull(Iterator<SweepRow> it) {
    while (it.hasNext()) {
      Object v = input(it.next());
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  /** The newest n non-null inputs, oldest first. */
  private List<Object> lastN() {
    List<Object> out = new ArrayList<>(plan.n());
    Iterator<SweepRow> it = inWindow.descendingIterator();
    while (it.hasNext() && out.size() < plan.n()) {
      Object v = input(it.next());
      if (v != null) {
        out.add(v);
      }
    }
    Collections.reverse(out);
    return out;
  }
}
