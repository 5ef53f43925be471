package dev.quiver.core.offline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The time forms of exports, backfills, CSV label files and {@code as-of-timestamp} (before: a time
 * to the minute with {@code Z}, {@code 2024-05-01T12:00Z}, was refused although the same time
 * without a zone and with an offset were read; RFC 3339's lower-case {@code t} and {@code z} too; a
 * time with a space before it, as {@code --times "a, b"} gives the second).
 */
class OfflineTimesTest {
  static final Instant NOON = Instant.parse("2024-05-01T12:00:00Z");

  @Test
  void readsEveryIso8601FormTheDocsName() {
    for (String text :
        new String[] {
          "2024-05-01T12:00:00Z",
          "2024-05-01T12:00Z",
          "2024-05-01 12:00Z",
          "2024-05-01t12:00:00z",
          "2024-05-01T12:00",
          "2024-05-01 12:00:00",
          "2024-05-01T13:00+01:00",
          "2024-05-01T13:00:00+0100",
          "2024-05-01T07:00:00-05",
          "2024-05-01T12:00:00.000Z",
          " 2024-05-01T12:00:00Z",
          "2024-05-01T12:00 "
        }) {
      assertThat(OfflineTimes.parse(text)).as(text).isEqualTo(NOON);
    }
    assertThat(OfflineTimes.parse(" 2024-05-01")).isEqualTo(Instant.parse("2024-05-01T00:00:00Z"));
    assertThat(OfflineTimes.parse("2024-05-01T12:00:00.123456789Z"))
        .isEqualTo(NOON.plusNanos(123_456_789));
  }
}
