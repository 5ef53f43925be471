package dev.quiver.jobs.ingest;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * The common shape of ISO-8601 event times, {@code yyyy-MM-ddTHH:mm:ss[.fraction](Z|±HH:MM)}, read
 * without {@link java.time.format.DateTimeFormatter} (whose general parser was about a third of the
 * ingest task's CPU). Anything else returns null and the caller falls back to {@code
 * OffsetDateTime.parse}, so accepted values and error messages are unchanged; field ranges are
 * checked by {@link LocalDateTime#of} and {@link ZoneOffset#ofHoursMinutes}.
 */
final class IsoTimestamps {
  private IsoTimestamps() {}

  /** The instant of {@code t}, or null when it is not in the common shape (or out of range). */
  static Instant parse(String t) {
    int n = t.length();
    if (n < 20
        || t.charAt(4) != '-'
        || t.charAt(7) != '-'
        || t.charAt(10) != 'T'
        || t.charAt(13) != ':'
        || t.charAt(16) != ':') {
      return null;
    }
    int year = digits(t, 0, 4);
    int month = digits(t, 5, 2);
    int day = digits(t, 8, 2);
    int hour = digits(t, 11, 2);
    int minute = digits(t, 14, 2);
    int second = digits(t, 17, 2);
    if ((year | month | day | hour | minute | second) < 0) {
      return null;
    }
    int p = 19;
    int nanos = 0;
    if (t.charAt(p) == '.') {
      int start = ++p;
      while (p < n && p - start < 9 && isDigit(t.charAt(p))) {
        nanos = nanos * 10 + (t.charAt(p) - '0');
        p++;
      }
      if (p == start || (p < n && isDigit(t.charAt(p)))) {
        return null; // no digit, or more than nine
      }
      for (int i = p - start; i < 9; i++) {
        nanos *= 10;
      }
    }
    try {
      ZoneOffset offset;
      if (p == n - 1 && t.charAt(p) == 'Z') {
        offset = ZoneOffset.UTC;
      } else if (p == n - 6
          && (t.charAt(p) == '+' || t.charAt(p) == '-')
          && t.charAt(p + 3) == ':') {
        int oh = digits(t, p + 1, 2);
        int om = digits(t, p + 4, 2);
        if ((oh | om) < 0) {
          return null;
        }
        int sign = t.charAt(p) == '-' ? -1 : 1;
        offset = ZoneOffset.ofHoursMinutes(sign * oh, sign * om);
      } else {
        return null;
      }
      return LocalDateTime.of(year, month, day, hour, minute, second, nanos).toInstant(offset);
    } catch (DateTimeException e) {
      return null; // out of range: the library parser reports it
    }
  }

  private static int digits(String t, int from, int count) {
    int v = 0;
    for (int i = from; i < from + count; i++) {
      char c = t.charAt(i);
      if (!isDigit(c)) {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
