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

  /**
   * An event time more than jobs.event-time-max-ahead ahead of the record's Kafka timestamp is
   * rejected with a detail naming both times and the option; up to the limit, without a record
   * timestamp, or with the check off (0), it passes (session 13 QA pass: a year-2099 event moved
   * the partition's watermark to 2099).
   */
  @Test
  void tooEarlyDetailNamesBothTimesAndTheOption() {
    long record = Instant.parse("2026-11-28T06:00:00Z").toEpochMilli();
    long hour = 3_600_000L;
    assertThat(
            EventGate.tooEarlyDetail(
                Instant.parse("2099-01-01T00:00:00Z").toEpochMilli(), record, hour))
        .isEqualTo(
            "event time 2099-01-01T00:00:00Z is 631962h ahead of the Kafka record time"
                + " 2026-11-28T06:00:00Z (expected: at most jobs.event-time-max-ahead = 1h ahead;"
                + " a wrong clock or year at the producer?)");
    assertThat(EventGate.tooEarlyDetail(record + hour + 1, record, hour)).contains("0.001s ahead");
    assertThat(EventGate.tooEarlyDetail(record + hour, record, hour)).isNull();
    assertThat(EventGate.tooEarlyDetail(record - 365 * 24 * hour, record, hour)).isNull();
    assertThat(EventGate.tooEarlyDetail(record + 1000 * hour, -1, hour))
        .as("no record time")
        .isNull();
    assertThat(EventGate.tooEarlyDetail(record + 1000 * hour, record, 0)).as("off").isNull();
  }
}
