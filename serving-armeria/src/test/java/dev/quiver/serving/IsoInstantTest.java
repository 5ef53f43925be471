package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link IsoInstant} against {@link Instant#toString()}, the reference it must match byte for byte.
 */
class IsoInstantTest {
  private static String formatted(long millis) {
    byte[] buf = new byte[IsoInstant.MAX_LENGTH];
    int n = IsoInstant.format(millis, buf);
    return new String(buf, 0, n, StandardCharsets.US_ASCII);
  }

  @Test
  void matchesInstantToStringOnEdges() {
    long y10k = LocalDate.of(10000, 1, 1).toEpochDay() * 86_400_000L;
    long[] edges = {
      0,
      1,
      999,
      1000,
      1001,
      59_999,
      60_000,
      3_599_999,
      86_399_999,
      86_400_000,
      951_782_400_000L,
      951_868_799_999L,
      4_107_542_399_999L,
      y10k - 1,
      y10k,
      y10k + 1,
      -1,
      -1000,
      -86_400_001L,
      Long.MIN_VALUE / 1000,
      Long.MIN_VALUE,
      Long.MAX_VALUE
    };
    for (long m : edges) {
      assertThat(formatted(m)).as("millis %d", m).isEqualTo(Instant.ofEpochMilli(m).toString());
    }
  }

  @Test
  void matchesInstantToStringOnRandomTimes() {
    SplittableRandom rnd = new SplittableRandom(7);
    long y10k = LocalDate.of(10000, 1, 1).toEpochDay() * 86_400_000L;
    for (int i = 0; i < 200_000; i++) {
      long m =
          switch (i % 4) {
            case 0 -> rnd.nextLong(0, y10k); // any time in the fast range
            case 1 -> rnd.nextLong(0, y10k) / 1000 * 1000; // whole seconds: no fraction
            case 2 -> 1_700_000_000_000L + rnd.nextLong(0, 400L * 86_400_000L); // recent
            default -> rnd.nextLong(-y10k, 2 * y10k); // both fallbacks too
          };
      assertThat(formatted(m)).as("millis %d", m).isEqualTo(Instant.ofEpochMilli(m).toString());
    }
  }
}
