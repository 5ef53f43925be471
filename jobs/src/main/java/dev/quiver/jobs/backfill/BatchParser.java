package dev.quiver.jobs.backfill;

import dev.quiver.jobs.ingest.EventDecoder;
import dev.quiver.jobs.ingest.EventGate;
import dev.quiver.jobs.ingest.EventParser;
import dev.quiver.jobs.ingest.EventSchema;
import dev.quiver.jobs.ingest.RawEvent;
import dev.quiver.jobs.ingest.SourceFormat;
import dev.quiver.offline.BackfillPlanner;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;

/**
 * The streaming job's decoder for the source's format ({@link SourceFormat#decoder}: JSON, Debezium
 * JSON or Avro) without its lateness cut: a backfill's input is complete, so no event is too late.
 * Malformed records, Debezium deletes and events too far ahead of their Kafka timestamp ({@code
 * jobs.event-time-max-ahead}, the streaming gate's check) are counted (metric {@code
 * quiverBackfillMalformed}, and accumulator {@link BackfillPlanner#SKIPPED_ACCUMULATOR} for the
 * backfill's report) and skipped; the streaming job already sent them to the dead-letter topic.
 * Every record read is counted in {@link BackfillPlanner#READ_ACCUMULATOR} (the progress).
 */
final class BatchParser extends RichFlatMapFunction<RawEvent, Row> {
  private final EventSchema schema;
  private final SourceFormat format;
  private final long maxAheadMs;
  private transient EventDecoder parser;
  private transient Counter malformed;
  private transient LongCounter skipped;
  private transient LongCounter read;

  BatchParser(EventSchema schema, SourceFormat format, long maxAheadMs) {
    this.schema = schema;
    this.format = format;
    this.maxAheadMs = maxAheadMs;
  }

  @Override
  public void open(OpenContext ctx) {
    parser = format.decoder(schema);
    malformed = getRuntimeContext().getMetricGroup().counter("quiverBackfillMalformed");
    skipped = getRuntimeContext().getLongCounter(BackfillPlanner.SKIPPED_ACCUMULATOR);
    read = getRuntimeContext().getLongCounter(BackfillPlanner.READ_ACCUMULATOR);
  }

  @Override
  public void flatMap(RawEvent raw, Collector<Row> out) {
    read.add(1); // the backfill's progress, against the range's offsets
    try {
      Row row = parser.decode(raw);
      long eventMs = (Long) row.getField(schema.eventMsIndex());
      if (EventGate.tooEarlyDetail(eventMs, raw.kafkaTimestamp, maxAheadMs) != null) {
        malformed.inc();
        skipped.add(1);
        return;
      }
      out.collect(row);
    } catch (EventParser.MalformedEventException e) {
      malformed.inc();
      skipped.add(1);
    }
  }
}
