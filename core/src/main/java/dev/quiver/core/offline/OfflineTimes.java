package dev.quiver.core.offline;

import java.time.Instant;

/**
 * The times an offline request may name: years 0000 to 9999, as a lookup's {@code as_of}. Event
 * times are Flink timestamps and the offline tables' epoch milliseconds; a time outside this range
 * (ISO-8601 allows {@code +1000000000-01-01T00:00:00Z}) overflowed in the job ("long overflow")
 * instead of being refused when submitted.
 */
public final class OfflineTimes {
  /** The earliest time a request may name. */
  public static final Instant MIN = Instant.parse("0000-01-01T00:00:00Z");

  /** The latest time a request may name. */
  public static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999Z");

  private OfflineTimes() {}

  /**
   * Returns {@code time} (null stays null), or refuses one outside years 0000 to 9999.
   *
   * @param field the request field, first in the message ({@code field: ...})
   */
  public static Instant check(String field, Instant time) {
    if (time != null && (time.isBefore(MIN) || time.isAfter(MAX))) {
      throw new IllegalArgumentException(
          field + ": " + time + " (expected: a time in the years 0000 to 9999)");
    }
    return time;
  }

  /**
   * Refuses a range whose end comes before its start ({@code endIncluded}: an export's range of
   * reference times) or is not after it (a backfill's event times {@code [from, to)}), naming the
   * fields as the channel the request came in on calls them ({@code from}/{@code to} in core,
   * {@code time_range.start}/{@code time_range.end} over REST, {@code --from}/{@code --to} on the
   * CLI).
   */
  public static void checkRange(
      String fromField, Instant from, String toField, Instant to, boolean endIncluded) {
    if (from == null || to == null) {
      return;
    }
    if (endIncluded ? to.isBefore(from) : !from.isBefore(to)) {
      throw new IllegalArgumentException(
          toField
              + ": "
              + to
              + " (expected: "
              + (endIncluded ? "at or after " : "after ")
              + fromField
              + " "
              + from
              + "; swap them)");
    }
  }
}
