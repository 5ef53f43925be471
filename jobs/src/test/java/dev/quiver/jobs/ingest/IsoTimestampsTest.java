package dev.quiver.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IsoTimestampsTest {

  /** The library's answer, or null when it refuses the text. */
  private static Instant library(String t) {
    try {
      return OffsetDateTime.parse(t).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  @Test
  void agreesWithTheLibraryOnGeneratedTimestamps() {
    Random r = new Random(42);
    int fast = 0;
    for (int i = 0; i < 200_000; i++) {
      String t = generate(r);
      Instant mine = IsoTimestamps.parse(t);
      Instant theirs = library(t);
      if (mine != null) {
        fast++;
        assertThat(mine).as(t).isEqualTo(theirs);
      }
    }
    // most generated texts are well-formed and take the fast path
    assertThat(fast).isGreaterThan(100_000);
  }

  @Test
  void readsTheCommonShapes() {
    assertThat(IsoTimestamps.parse("2026-01-02T03:04:05Z"))
        .isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
    assertThat(IsoTimestamps.parse("2026-01-02T03:04:05.123Z"))
        .isEqualTo(Instant.parse("2026-01-02T03:04:05.123Z"));
    assertThat(IsoTimestamps.parse("2026-01-02T03:04:05.123456789-05:30"))
        .isEqualTo(OffsetDateTime.parse("2026-01-02T03:04:05.123456789-05:30").toInstant());
  }

  @Test
  void leavesOtherShapesAndBadValuesToTheLibrary() {
    for (String t :
        new String[] {
          "2026-01-02T03:04Z", // no seconds: the library accepts it
          "2026-01-02 03:04:05Z",
          "2026-02-30T03:04:05Z", // no such day
          "2026-01-02T24:00:00Z",
          "2026-01-02T03:04:05.Z",
          "2026-01-02T03:04:05.1234567890Z",
          "2026-01-02T03:04:05+19:00",
          "2026-01-02T03:04:05+05:30:10",
          "2026-01-02T03:04:05",
          "+12026-01-02T03:04:05Z",
          "2026-1-02T03:04:05Z",
          "2026-01-02T03:04:05z"
        }) {
      assertThat(IsoTimestamps.parse(t)).as(t).isNull();
    }
  }

  private static String generate(Random r) {
    StringBuilder b = new StringBuilder();
    b.append(String.format("%04d", r.nextInt(r.nextInt(10) == 0 ? 10_000 : 200) + 1900));
    b.append('-').append(two(r, r.nextInt(20) == 0 ? 14 : 12, 1));
    b.append('-').append(two(r, r.nextInt(20) == 0 ? 32 : 28, 1));
    b.append(r.nextInt(50) == 0 ? ' ' : 'T');
    b.append(two(r, r.nextInt(30) == 0 ? 25 : 24, 0));
    b.append(':').append(two(r, 60, 0)).append(':').append(two(r, r.nextInt(30) == 0 ? 61 : 60, 0));
    if (r.nextBoolean()) {
      b.append('.');
      int digits = r.nextInt(11);
      for (int i = 0; i < digits; i++) {
        b.append((char) ('0' + r.nextInt(10)));
      }
    }
    switch (r.nextInt(6)) {
      case 0, 1, 2 -> b.append('Z');
      case 3 ->
          b.append(r.nextBoolean() ? '+' : '-')
              .append(two(r, 20, 0))
              .append(':')
              .append(two(r, 60, 0));
      case 4 -> b.append(r.nextBoolean() ? '+' : '-').append(two(r, 19, 0));
      default -> b.append(r.nextBoolean() ? "" : "x");
    }
    return b.toString();
  }

  private static String two(Random r, int bound, int min) {
    return String.format("%02d", min + r.nextInt(bound - min));
  }
}
