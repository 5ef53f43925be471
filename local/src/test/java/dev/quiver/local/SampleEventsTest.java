package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sample generator's too-late events are too late for the views that read the source (session
 * 12 QA pass: they were 10 to 11 minutes old, inside the example views' 1h allowed lateness, so
 * quiver local never showed a too-late dead letter for transactions).
 */
class SampleEventsTest {
  @Test
  void tooLateEventsAreBeyondTheDelayAndTheViewsLateness() throws Exception {
    Source source =
        new Source(
            "default",
            "transactions",
            "kafka",
            List.of(
                new SourceField("txn_id", FeatureType.STRING),
                new SourceField("user_id", FeatureType.STRING),
                new SourceField("event_time", FeatureType.TIMESTAMP)),
            "event_time",
            "txn_id",
            Duration.ofSeconds(30),
            Map.of("topic", "transactions", "format", "json"));
    Instant now = Instant.parse("2026-11-28T09:00:00Z");
    Duration lateness = Duration.ofHours(1);
    SampleEvents gen = new SampleEvents(source, 17, Clock.fixed(now, ZoneOffset.UTC), lateness);
    ObjectMapper json = new ObjectMapper();
    Instant cut = now.minus(Duration.ofSeconds(30)).minus(lateness);
    int tooLate = 0;
    int inBound = 0;
    for (int i = 0; i < 5_000; i++) {
      JsonNode e;
      try {
        e = json.readTree(gen.next());
      } catch (Exception malformed) {
        continue;
      }
      if (!e.path("event_time").isTextual()) {
        continue;
      }
      Instant t = Instant.parse(e.get("event_time").asText());
      if (t.isBefore(cut)) {
        tooLate++;
      } else {
        inBound++;
      }
    }
    // about 1% of the events (50 of 5,000)
    assertThat(tooLate).isBetween(20, 100);
    assertThat(inBound).isGreaterThan(4_000);
  }
}
