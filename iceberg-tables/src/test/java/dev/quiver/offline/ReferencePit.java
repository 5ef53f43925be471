package dev.quiver.offline;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plain reference: for one (key, t) and one view, scans every event of the log. Deliberately
 * naive (no sorting tricks, no state carried between labels) and independent of the sweep.
 */
public final class ReferencePit {
  private ReferencePit() {}

  static Map<String, Object> values(
      FeatureView view, List<EventLog.Event> log, String key, long t, boolean guard) {
    List<EventLog.Event> usable = new ArrayList<>();
    for (EventLog.Event e : log) {
      if (e.view().equals(view.name())
          && e.key().equals(key)
          && e.time() <= t
          && e.time() <= t - view.availabilityDelay().toMillis()
          && (!guard || e.ingestedAt() <= t)) {
        usable.add(e);
      }
    }
    Comparator<EventLog.Event> order =
        Comparator.comparingLong(EventLog.Event::time)
            .thenComparingLong(EventLog.Event::seq)
            .thenComparingLong(EventLog.Event::ingestedAt);
    EventLog.Event newest = null;
    for (EventLog.Event e : usable) {
      if (newest == null || order.compare(e, newest) > 0) {
        newest = e;
      }
    }
    boolean live = newest != null && newest.time() > t - view.ttl().toMillis();
    Map<String, Object> out = new LinkedHashMap<>();
    for (Feature f : view.features()) {
      if (!f.isAggregation()) {
        out.put(f.name(), live ? newest.values().get(f.name()) : null);
        continue;
      }
      Aggregation a = f.aggregation();
      long s = view.tileSize().toMillis();
      long start = Math.floorDiv(t, s) * s + s - a.window().toMillis();
      List<EventLog.Event> in = new ArrayList<>();
      for (EventLog.Event e : usable) {
        if (e.time() >= start) {
          in.add(e);
        }
      }
      in.sort(order);
      List<Object> xs = new ArrayList<>();
      for (EventLog.Event e : in) {
        Object v = "*".equals(a.column()) ? 1 : e.values().get("_in_" + a.column());
        if (v != null) {
          xs.add(v);
        }
      }
      out.put(f.name(), aggregate(a, in.size(), xs));
    }
    return out;
  }

  private static Object aggregate(Aggregation a, int events, List<Object> xs) {
    switch (a.function()) {
      case COUNT:
        return "*".equals(a.column()) ? (long) events : (long) xs.size();
      case COUNT_DISTINCT:
        return (long) new HashSet<>(xs).size();
      default:
        break;
    }
    if (xs.isEmpty()) {
      // the team-wide empty-window values: sum 0, last_n [], the others null
      return switch (a.function()) {
        case SUM -> 0.0;
        case LAST_N -> List.of();
        default -> null;
      };
    }
    switch (a.function()) {
      case SUM:
        {
          double sum = 0;
          for (Object x : xs) {
            sum += ((Number) x).doubleValue();
          }
          return sum;
        }
      case AVG:
        {
          double sum = 0;
          for (Object x : xs) {
            sum += ((Number) x).doubleValue();
          }
          return sum / xs.size();
        }
      case STDDEV:
        {
          double mean = 0;
          for (Object x : xs) {
            mean += ((Number) x).doubleValue();
          }
          mean /= xs.size();
          double var = 0;
          for (Object x : xs) {
            double d = ((Number) x).doubleValue() - mean;
            var += d * d;
          }
          // the sample standard deviation, undefined below two values
          return xs.size() < 2 ? null : Math.sqrt(var / (xs.size() - 1));
        }
      case MIN:
        {
          double m = Double.POSITIVE_INFINITY;
          for (Object x : xs) {
            m = Math.min(m, ((Number) x).doubleValue());
          }
          return m;
        }
      case MAX:
        {
          double m = Double.NEGATIVE_INFINITY;
          for (Object x : xs) {
            m = Math.max(m, ((Number) x).doubleValue());
          }
          return m;
        }
      case FIRST:
        return xs.get(0);
      case LAST:
        return xs.get(xs.size() - 1);
      case LAST_N:
        {
          // the newest n, newest first
          List<Object> out = new ArrayList<>();
          for (int i = xs.size() - 1; i >= 0 && out.size() < a.n(); i--) {
            out.add(xs.get(i));
          }
          return out;
        }
      default:
        throw new IllegalStateException(a.function().toString());
    }
  }
}
