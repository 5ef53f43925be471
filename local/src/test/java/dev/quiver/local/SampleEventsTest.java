package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.jobs.ingest.EventDecoder;
import dev.quiver.jobs.ingest.EventParser;
import dev.quiver.jobs.ingest.EventSchema;
import dev.quiver.jobs.ingest.RawEvent;
import dev.quiver.jobs.ingest.SourceFormat;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
        e = json.readTree(gen.next().value());
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

  /**
   * The generator writes the source's format, which the job's own decoder reads: before, it wrote
   * JSON for every source, so a view over a debezium-json or Avro source of one's own got every
   * sample event dead-lettered in quiver local and never a value (session 16 own-spec review).
   */
  @ParameterizedTest
  @ValueSource(strings = {"json", "debezium-json", "avro-plain", "avro-confluent"})
  void everyFormatDecodesWithTheJobsDecoder(String variant) throws Exception {
    String avroSchema =
        "{\"type\":\"record\",\"name\":\"Login\",\"fields\":["
            + "{\"name\":\"login_id\",\"type\":\"string\"},"
            + "{\"name\":\"account_id\",\"type\":\"long\"},"
            + "{\"name\":\"ip\",\"type\":[\"null\",\"string\"],\"default\":null},"
            + "{\"name\":\"ok\",\"type\":\"boolean\"},"
            + "{\"name\":\"score\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
            + "\"precision\":9,\"scale\":2}},"
            + "{\"name\":\"extra\",\"type\":\"int\"},"
            + "{\"name\":\"at\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}]}";
    Map<String, String> options =
        switch (variant) {
          case "avro-plain" ->
              Map.of("topic", "logins", "format", "avro", "avro_schema", avroSchema);
          case "avro-confluent" ->
              Map.of(
                  "topic",
                  "logins",
                  "format",
                  "avro",
                  "avro_schema",
                  avroSchema,
                  "avro_wire_format",
                  "confluent",
                  "avro_schema_id",
                  "42");
          default -> Map.of("topic", "logins", "format", variant);
        };
    List<SourceField> columns =
        List.of(
            new SourceField("login_id", FeatureType.STRING),
            new SourceField("account_id", FeatureType.INT64),
            new SourceField("ip", FeatureType.STRING),
            new SourceField("ok", FeatureType.BOOL),
            new SourceField("score", FeatureType.FLOAT64),
            new SourceField("at", FeatureType.TIMESTAMP));
    Source source =
        new Source("default", "logins", "kafka", columns, "at", "login_id", Duration.ZERO, options);
    Instant now = Instant.parse("2026-11-28T09:00:00Z");
    SampleEvents gen =
        new SampleEvents(source, 17, Clock.fixed(now, ZoneOffset.UTC), Duration.ZERO);
    EventDecoder decoder =
        SourceFormat.of(source)
            .decoder(new EventSchema(columns, "at", List.of("account_id"), "login_id"));
    int decoded = 0;
    int malformed = 0;
    for (int i = 0; i < 2_000; i++) {
      SampleEvents.Sample sample = gen.next();
      try {
        Row row = decoder.decode(new RawEvent("logins", 0, i, now.toEpochMilli(), sample.value()));
        assertThat((Long) row.getField(1)).isBetween(0L, 49L); // a small pool of numeric ids
        assertThat(sample.key()).isNotNull();
        decoded++;
      } catch (EventParser.MalformedEventException e) {
        malformed++;
      }
    }
    assertThat(decoded).isGreaterThan(1_900);
    assertThat(malformed).isBetween(5, 60); // the deliberate 1%
  }
}
