package dev.quiver.core.tile;

import java.util.Comparator;

/**
 * A value with its event time and tie-breaking sequence; the element of first/last/last_n states.
 * {@link #ORDER} is the team-wide event order: by event time, then by seq (higher seq = later).
 */
public record Stamped(Object value, long eventTime, long seq) {
  /** Ascending event order: earlier first. */
  public static final Comparator<Stamped> ORDER =
      Comparator.comparingLong(Stamped::eventTime).thenComparingLong(Stamped::seq);
}
