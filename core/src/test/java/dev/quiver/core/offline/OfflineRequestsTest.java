package dev.quiver.core.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Offline requests refuse times their jobs cannot represent, naming the field (QA pass, session 11:
 * a reference time in the year 1,000,000,000 became a job that failed with "long overflow").
 */
class OfflineRequestsTest {
  static final Instant FAR = Instant.parse("+1000000000-01-01T00:00:00Z");
  static final Instant T = Instant.parse("2025-11-01T00:00:00Z");

  static ExportRequest export(List<Instant> times, Instant from, Instant to, Duration step) {
    return new ExportRequest(
        null, List.of("v.f"), null, null, times, from, to, step, "/o", null, null, null);
  }

  @Test
  void exportTimesOutsideYears0000To9999AreRefused() {
    assertThatThrownBy(() -> export(List.of(T, FAR), null, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("times: ")
        .hasMessageContaining("expected: a time in the years 0000 to 9999");
    assertThatThrownBy(() -> export(List.of(), T, FAR, Duration.ofHours(1)))
        .hasMessageStartingWith("to: ");
    assertThatThrownBy(() -> export(List.of(), Instant.MIN, T, Duration.ofHours(1)))
        .hasMessageStartingWith("from: ");
    assertThat(export(List.of(OfflineTimes.MIN, OfflineTimes.MAX), null, null, null).times())
        .hasSize(2);
  }

  static ExportRequest exportTo(String output) {
    return new ExportRequest(
        null, List.of("v.f"), null, null, List.of(T), null, null, null, output, null, null, null);
  }

  /**
   * Exports write local files: an object-store URI was written to a local folder named after it
   * ({@code s3://bucket/x} became {@code ./s3:/bucket/x}, reported as SUCCEEDED). Review, session
   * 17.
   */
  @Test
  void anOutputUriOtherThanFileIsRefusedAndAFileUriIsItsPath() {
    for (String uri : List.of("s3://bucket/x", "s3:/bucket/x", "gs://b/x", "hdfs://nn:8020/x")) {
      assertThatThrownBy(() -> exportTo(uri))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("output: '" + uri + "' is a URI")
          .hasMessageContaining("expected: a directory of this machine's file system");
    }
    assertThat(exportTo("file:///tmp/exports/x").output()).isEqualTo("/tmp/exports/x");
    assertThat(exportTo("file:/tmp/exports/x").output()).isEqualTo("/tmp/exports/x");
    assertThat(exportTo("out/x").output()).isEqualTo("out/x");
    assertThat(exportTo("/data/a:b").output()).isEqualTo("/data/a:b");
  }

  @Test
  void backfillTimesOutsideYears0000To9999AreRefused() {
    assertThatThrownBy(() -> new BackfillRequest(null, "v", null, T, FAR, true, false, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("to: ")
        .hasMessageContaining("0000 to 9999");
    assertThatThrownBy(
            () ->
                new BackfillRequest(
                    null,
                    "v",
                    null,
                    Instant.parse("-0001-12-31T00:00:00Z"),
                    T,
                    true,
                    false,
                    null,
                    null))
        .hasMessageStartingWith("from: ");
  }
}
