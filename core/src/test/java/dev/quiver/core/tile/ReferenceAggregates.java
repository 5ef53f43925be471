package dev.quiver.core.tile;

import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.FeatureType;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;

/**
 * The plain reference of every window aggregation, computed from raw events by definition. It
 * shares no code with the tile aggregators; tests in this and other modules (online reads, offline
 * point-in-time joins) compare against it.
 */
public final class ReferenceAggregates {
  private ReferenceAggregates() {}

  /** A raw event: value (may be null), event time, seq (the tie-breaker; higher is later). */
  public record Event(Object value, long time, long seq) {}

  /**
   * The value of {@code f} over the events with {@code from <= time <= to}. count counts every
   * event (count(*)); the others skip null values. {@code n} is last_n's length; {@code type} the
   * input type (sum is a long for integral types).
   */
  public static Object compute(
      AggregationFunction f, int n, FeatureType type, List<Event> all, long from, long to) {
    List<Event> in = all.stream().filter(e -> e.time() >= from && e.time() <= to).toList();
    List<Event> nonNull = in.stream().filter(e -> e.value() != null).toList();
    Comparator<Event> order = Comparator.comparingLong(Event::time).thenComparingLong(Event::seq);
    switch (f) {
      case COUNT:
        return (long) in.size();
      case SUM:
        if (type.scalar().isIntegral()) {
          return nonNull.stream().mapToLong(e -> (Long) e.value()).sum();
        }
        return nonNull.stream().mapToDouble(e -> ((Number) e.value()).doubleValue()).sum();
      case AVG:
        return nonNull.isEmpty()
            ? null
            : nonNull.stream()
                .mapToDouble(e -> ((Number) e.value()).doubleValue())
                .average()
                .getAsDouble();
      case STDDEV:
        {
          if (nonNull.size() < 2) {
            return null;
          }
          double mean =
              nonNull.stream()
                  .mapToDouble(e -> ((Number) e.value()).doubleValue())
                  .average()
                  .getAsDouble();
          double ss = 0;
          for (Event e : nonNull) {
            double d = ((Number) e.value()).doubleValue() - mean;
            ss += d * d;
          }
          return Math.sqrt(ss / (nonNull.size() - 1));
        }
      case MIN:
      case MAX:
        {
          Object best = null;
          for (Event e : nonNull) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            int c = best == null ? 0 : ((Comparable) e.value()).compareTo(best);
            if (best == null || (f == AggregationFunction.MIN ? c < 0 : c > 0)) {
              best = e.value();
            }
          }
          return best;
        }
      case FIRST:
        return nonNull.stream().min(order).map(Event::value).orElse(null);
      case LAST:
        return nonNull.stream().max(order).map(Event::value).orElse(null);
      case LAST_N:
        return nonNull.stream().sorted(order.reversed()).limit(n).map(Event::value).toList();
      case COUNT_DISTINCT:
        return (long) new HashSet<>(nonNull.stream().map(Event::value).toList()).size();
      default:
        throw new IllegalStateException(f.toString());
    }
  }
}
