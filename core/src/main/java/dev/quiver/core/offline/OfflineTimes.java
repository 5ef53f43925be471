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
}
