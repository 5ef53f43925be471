package dev.quiver.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class DeadLetterSerializerTest {
  private static String header(ProducerRecord<byte[], byte[]> r, String key) {
    return new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
  }

  @Test
  void aDeadLetterKeepsTheBytesAndSaysWhyWhereFromAndWhichViewRejectedIt() {
    RawEvent raw = new RawEvent();
    raw.topic = "transactions";
    raw.partition = 2;
    raw.offset = 41;
    raw.value = "{not json".getBytes(StandardCharsets.UTF_8);
    raw.key = "user_7".getBytes(StandardCharsets.UTF_8);
    DeadLetter letter = new DeadLetter(DeadLetter.MALFORMED, "bad JSON: ...", raw);
    ProducerRecord<byte[], byte[]> r =
        new DeadLetterSerializer("transactions.dlq", "default.user_activity:v1")
            .serialize(letter, null, null);
    assertThat(r.topic()).isEqualTo("transactions.dlq");
    assertThat(r.value()).isEqualTo(raw.value);
    // the key too (session 11 QA pass: dead letters had none, so a tombstone lost its row's key)
    assertThat(r.key()).isEqualTo(raw.key);
    assertThat(header(r, DeadLetterSerializer.REASON)).isEqualTo("malformed");
    assertThat(header(r, DeadLetterSerializer.DETAIL)).isEqualTo("bad JSON: ...");
    assertThat(header(r, DeadLetterSerializer.SOURCE_TOPIC)).isEqualTo("transactions");
    assertThat(header(r, DeadLetterSerializer.SOURCE_PARTITION)).isEqualTo("2");
    assertThat(header(r, DeadLetterSerializer.SOURCE_OFFSET)).isEqualTo("41");
    // several views read one topic; each writes its own dead letter, and says so
    assertThat(header(r, DeadLetterSerializer.VIEW)).isEqualTo("default.user_activity:v1");
  }

  /**
   * A letter that would not fit in one producer request ({@code max.request.size}) goes without the
   * original key and value, saying how large they were; the source coordinates find them.
   */
  @Test
  void aLetterTooLargeForTheProducerOmitsTheOriginalBytes() {
    RawEvent raw = new RawEvent();
    raw.topic = "transactions";
    raw.partition = 0;
    raw.offset = 7;
    raw.key = "k".getBytes(StandardCharsets.UTF_8);
    raw.value = new byte[5000];
    DeadLetter letter = new DeadLetter(DeadLetter.MALFORMED, "bad JSON: ...", raw);
    DeadLetterSerializer fits = new DeadLetterSerializer("t.dlq", "default.v:v1", 10_000);
    assertThat(fits.serialize(letter, null, null).value()).isEqualTo(raw.value);
    assertThat(
            fits.serialize(letter, null, null).headers().lastHeader(DeadLetterSerializer.OMITTED))
        .isNull();

    ProducerRecord<byte[], byte[]> r =
        new DeadLetterSerializer("t.dlq", "default.v:v1", 5_500).serialize(letter, null, null);
    assertThat(r.value()).isEmpty();
    assertThat(r.key()).isNull();
    assertThat(header(r, DeadLetterSerializer.OMITTED)).isEqualTo("5001");
    assertThat(header(r, DeadLetterSerializer.REASON)).isEqualTo("malformed");
    assertThat(header(r, DeadLetterSerializer.SOURCE_OFFSET)).isEqualTo("7");
  }
}
