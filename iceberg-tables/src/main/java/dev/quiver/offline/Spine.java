package dev.quiver.offline;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reference times for a retrieval without label rows: every entity key's values at each time (feast
 * #1611). Either a list of times or {@code from} to {@code to} (both included) every {@code step}.
 */
public record Spine(List<Instant> times) {
  /** Upper bound on generated times, so a typo in --step cannot explode the output. */
  public static final int MAX_TIMES = 100_000;

  public Spine {
    if (times == null || times.isEmpty()) {
      throw new IllegalArgumentException("times: [] (expected: at least one reference time)");
    }
    times = times.stream().sorted().distinct().toList();
  }

  public static Spine range(Instant from, Instant to, Duration step) {
    if (step == null || step.isZero() || step.isNegative()) {
      throw new IllegalArgumentException("step: " + step + " (expected: > 0, e.g. 1h)");
    }
    dev.quiver.core.offline.OfflineTimes.checkRange("from", from, "to", to, true);
    List<Instant> out = new ArrayList<>();
    for (Instant t = from; !t.isAfter(to); t = t.plus(step)) {
      if (out.size() == MAX_TIMES) {
        throw new IllegalArgumentException(
            "step: "
                + dev.quiver.core.spec.Durations.format(step)
                + " gives more than "
                + MAX_TIMES
                + " times between "
                + from
                + " and "
                + to
                + " (expected: a larger step or a shorter range)");
      }
      out.add(t);
    }
    return new Spine(out);
  }

  public long[] millis() {
    return times.stream().mapToLong(Instant::toEpochMilli).toArray();
  }
}
