package dev.quiver.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class RawEventDeserializerTest {

  /** The key travels with the bytes, so a dead letter can carry it (session 11 QA pass). */
  @Test
  void keepsTheRecordsKeyValueAndCoordinates() throws Exception {
    byte[] key = "user_7".getBytes(StandardCharsets.UTF_8);
    byte[] value = "{not json".getBytes(StandardCharsets.UTF_8);
    List<RawEvent> out = new ArrayList<>();
    new RawEventDeserializer()
        .deserialize(new ConsumerRecord<>("transactions", 3, 42L, key, value), collector(out));
    new RawEventDeserializer()
        .deserialize(new ConsumerRecord<>("transactions", 3, 43L, key, null), collector(out));
    assertThat(out.get(0).key).isEqualTo(key);
    assertThat(out.get(0).value).isEqualTo(value);
    assertThat(out.get(0).partition).isEqualTo(3);
    assertThat(out.get(0).offset).isEqualTo(42L);
    // a tombstone keeps its key: it is all that says which row was deleted
    assertThat(out.get(1).key).isEqualTo(key);
    assertThat(out.get(1).value).isEmpty();
  }

  private static Collector<RawEvent> collector(List<RawEvent> out) {
    return new Collector<>() {
      @Override
      public void collect(RawEvent record) {
        out.add(record);
      }

      @Override
      public void close() {}
    };
  }
}
