package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LookupServiceTest {
  @Test
  void spanSpellsAStoreTtlInItsLargerUnits() {
    // the as_of horizon's message said "it keeps 44645m of history" for 31 days and 5 minutes
    assertThat(LookupService.span(Duration.ofDays(31).plusMinutes(5))).isEqualTo("31d 5m");
    assertThat(LookupService.span(Duration.ofHours(1))).isEqualTo("1h");
    assertThat(LookupService.span(Duration.ofMillis(90_250))).isEqualTo("1m 30s 250ms");
    assertThat(LookupService.span(Duration.ZERO)).isEqualTo("0s");
  }
}
