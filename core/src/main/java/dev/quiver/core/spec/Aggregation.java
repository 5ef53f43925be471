package dev.quiver.core.spec;

import java.time.Duration;
import java.util.Objects;

/**
 * A declarative window aggregation of one source column over one window. A spec entry with {@code
 * windows: [1h, 7d]} expands to one {@link Feature} per window, named {@code <name>_<window>}.
 *
 * @param column source column; {@code *} for count
 * @param function the aggregation
 * @param window the window length (a whole multiple of the view's tile size)
 * @param n for {@code last_n}: how many values to keep; 0 otherwise
 */
public record Aggregation(String column, AggregationFunction function, Duration window, int n) {
  public Aggregation {
    Objects.requireNonNull(column, "column");
    Objects.requireNonNull(function, "function");
    Objects.requireNonNull(window, "window");
  }
}
