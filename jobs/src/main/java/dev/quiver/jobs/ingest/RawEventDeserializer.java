package dev.quiver.jobs.ingest;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Keeps every Kafka record as bytes with its coordinates. Parsing happens later in {@link
 * EventGate}, so that a malformed record can be sent to the dead-letter topic unchanged instead of
 * failing the source.
 */
public final class RawEventDeserializer implements KafkaRecordDeserializationSchema<RawEvent> {
  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawEvent> out) {
    out.collect(
        new RawEvent(
            record.topic(),
            record.partition(),
            record.offset(),
            record.timestamp(),
            record.key(),
            record.value() == null ? new byte[0] : record.value()));
  }

  @Override
  public TypeInformation<RawEvent> getProducedType() {
    return TypeInformation.of(RawEvent.class);
  }
}
