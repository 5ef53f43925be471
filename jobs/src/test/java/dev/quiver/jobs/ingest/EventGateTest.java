package dev.quiver.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventGateTest {

  /**
   * The dead letter of a too-late event says when, in readable times (session 11 QA pass: it read
   * "event time 1795846358511 < watermark 1795846418965 - allowed lateness 10000ms").
   */
  @Test
  void tooLateDetailWritesInstants() {
    long event = Instant.parse("2026-11-28T06:12:38.511Z").toEpochMilli();
    long watermark = Instant.parse("2026-11-28T06:13:38.965Z").toEpochMilli();
    assertThat(EventGate.tooLateDetail(event, watermark, 10_000))
        .isEqualTo(
            "event time 2026-11-28T06:12:38.511Z < watermark 2026-11-28T06:13:38.965Z"
                + " - allowed lateness 10000ms (60454ms behind the watermark)");
  }
}
