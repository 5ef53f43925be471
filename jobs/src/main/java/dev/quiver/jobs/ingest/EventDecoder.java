package dev.quiver.jobs.ingest;

/**
 * Turns one Kafka record's bytes into a row of the {@link EventSchema}: one implementation per
 * source format ({@link EventParser} for {@code json}, {@link DebeziumJsonParser} for {@code
 * debezium-json}, {@link AvroEventParser} for {@code avro}), made by {@link SourceFormat#decoder}.
 *
 * <p>Contract: never returns null; a record that is not an event to materialize throws {@link
 * EventParser.MalformedEventException} whose {@link EventParser.MalformedEventException#reason()}
 * is the dead-letter reason code and whose message is the dead-letter detail. Not thread-safe: one
 * instance per task, created in {@code open}.
 */
public interface EventDecoder {
  /** The row for {@code raw}, with every declared column (null where absent) and the metadata. */
  org.apache.flink.types.Row decode(RawEvent raw) throws EventParser.MalformedEventException;
}
