package dev.quiver.jobs.backfill;

import dev.quiver.jobs.ingest.EventParser;
import dev.quiver.jobs.ingest.EventSchema;
import dev.quiver.jobs.ingest.RawEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;

/**
 * The streaming job's parser ({@link EventParser}) without its lateness cut: a backfill's input is
 * complete, so no event is too late. Malformed records are counted ({@code
 * quiverBackfillMalformed}) and skipped; the streaming job already sent them to the dead-letter
 * topic.
 */
final class BatchParser extends RichFlatMapFunction<RawEvent, Row> {
  private final EventSchema schema;
  private transient EventParser parser;
  private transient Counter malformed;

  BatchParser(EventSchema schema) {
    this.schema = schema;
  }

  @Override
  public void open(OpenContext ctx) {
    parser = new EventParser(schema);
    malformed = getRuntimeContext().getMetricGroup().counter("quiverBackfillMalformed");
  }

  @Override
  public void flatMap(RawEvent raw, Collector<Row> out) {
    try {
      out.collect(parser.parse(raw));
    } catch (EventParser.MalformedEventException e) {
      malformed.inc();
    }
  }
}
