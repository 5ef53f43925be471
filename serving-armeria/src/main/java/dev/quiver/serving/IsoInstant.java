package dev.quiver.serving;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Formats an epoch-millisecond event time exactly as {@link Instant#toString()} does (ISO-8601,
 * UTC, {@code 2026-11-27T13:59:12.345Z}, the fraction only when it is not zero) into a byte buffer,
 * without the formatter machinery behind {@code Instant.toString()} (a {@code StringBuilder}, the
 * {@code DateTimeFormatter} printer chain and a {@code String} per call; 2-3% of the event loops'
 * samples in the session-4 lookup profile). The calendar arithmetic is {@link
 * LocalDate#ofEpochDay}'s; only the digits are written here. Years outside 1970-9999 take {@code
 * Instant.toString()} itself.
 */
final class IsoInstant {
  /** Longest output: Instant's largest year from epoch millis, with a sign and the fraction. */
  static final int MAX_LENGTH = 40;

  private static final long MILLIS_PER_DAY = 86_400_000L;
  // 10000-01-01T00:00:00Z: from here on Instant.toString() writes a '+' and more year digits.
  private static final long FAST_END = LocalDate.of(10000, 1, 1).toEpochDay() * MILLIS_PER_DAY;

  private IsoInstant() {}

  /**
   * Writes {@code epochMillis} as {@code Instant.ofEpochMilli(epochMillis).toString()} into {@code
   * out} (at least {@link #MAX_LENGTH} bytes, US-ASCII) and returns the number of bytes written.
   */
  static int format(long epochMillis, byte[] out) {
    if (epochMillis < 0 || epochMillis >= FAST_END) {
      byte[] s = Instant.ofEpochMilli(epochMillis).toString().getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(s, 0, out, 0, s.length);
      return s.length;
    }
    long day = epochMillis / MILLIS_PER_DAY;
    int msOfDay = (int) (epochMillis - day * MILLIS_PER_DAY);
    LocalDate date = LocalDate.ofEpochDay(day);
    int p = digits(date.getYear(), 4, out, 0);
    out[p++] = '-';
    p = digits(date.getMonthValue(), 2, out, p);
    out[p++] = '-';
    p = digits(date.getDayOfMonth(), 2, out, p);
    out[p++] = 'T';
    int secOfDay = msOfDay / 1000;
    p = digits(secOfDay / 3600, 2, out, p);
    out[p++] = ':';
    p = digits(secOfDay / 60 % 60, 2, out, p);
    out[p++] = ':';
    p = digits(secOfDay % 60, 2, out, p);
    int ms = msOfDay % 1000;
    if (ms != 0) {
      out[p++] = '.';
      p = digits(ms, 3, out, p);
    }
    out[p++] = 'Z';
    return p;
  }

  /** {@code value} (non-negative, below 10^width) as {@code width} zero-padded digits. */
  private static int digits(int value, int width, byte[] out, int at) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
    return at + width;
  }
}
