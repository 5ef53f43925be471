package dev.quiver.core.offline;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

  /**
   * Epoch milliseconds of 1973-03-03T09:46:40Z, the earliest plausible event or label time: epoch
   * seconds of the years 1973 to 5138, read as milliseconds, land below it. Label files, backfill
   * sources and the streaming job's parser refuse integer times closer to 1970 than this.
   */
  public static final long MIN_PLAUSIBLE_MILLIS = 100_000_000_000L;

  /**
   * A UTC offset at the end of a time: {@code +01:00}, or ISO-8601's basic {@code +0100}, {@code
   * +01}.
   */
  private static final Pattern OFFSET = Pattern.compile("([+-]\\d\\d)(?::?(\\d\\d))?$");

  /** A date alone. */
  private static final Pattern DATE = Pattern.compile("\\d{4}-\\d\\d-\\d\\d");

  private OfflineTimes() {}

  /**
   * A time as offline requests and CSV label files give it: an ISO-8601 instant ({@code
   * 2024-05-01T12:00:00Z}, the seconds optional) or time with an offset ({@code +01:00}, {@code
   * +0100}, {@code +01}); a time without a zone ({@code yyyy-MM-dd[T ]HH:mm[:ss[.SSS]]}) or a date
   * alone ({@code yyyy-MM-dd}, its start) is UTC, never the machine's zone (so a CLI and a server
   * in other zones read one text as one instant).
   *
   * @throws DateTimeParseException when {@code text} is none of these
   */
  public static Instant parse(String text) {
    // spaces around it, as in --times "a, b" (they became the T of a time without one)
    text = text.strip();
    if (DATE.matcher(text).matches()) {
      return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
    }
    // RFC 3339 allows a lower-case t and z, and a space for the T
    String t = text.replace(' ', 'T');
    if (t.length() > 10 && t.charAt(10) == 't') {
      t = t.substring(0, 10) + 'T' + t.substring(11);
    }
    if (t.endsWith("Z") || t.endsWith("z")) {
      String utc = t.substring(0, t.length() - 1) + "Z";
      try {
        // Instant's range (years to +1000000000), so that the range check below names the years
        return Instant.parse(utc);
      } catch (DateTimeParseException e) {
        // without the seconds (2024-05-01T12:00Z is ISO-8601 too), which Instant.parse refuses
        return OffsetDateTime.parse(utc).toInstant();
      }
    }
    Matcher offset = OFFSET.matcher(t);
    if (t.indexOf('T') > 0 && offset.find(t.indexOf('T'))) {
      String iso =
          t.substring(0, offset.start())
              + offset.group(1)
              + ":"
              + (offset.group(2) == null ? "00" : offset.group(2));
      return OffsetDateTime.parse(iso).toInstant();
    }
    return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
  }

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
