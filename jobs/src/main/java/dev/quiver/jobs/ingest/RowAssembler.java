package dev.quiver.jobs.ingest;

import dev.quiver.core.spec.SourceField;
import dev.quiver.jobs.ingest.EventParser.MalformedEventException;
import java.time.Instant;
import java.util.List;
import org.apache.flink.types.Row;

/**
 * Builds a row of the {@link EventSchema} from per-column values, whatever the source format: the
 * checks every format shares (join keys, event time and dedup key present) and the metadata
 * columns.
 */
final class RowAssembler {
  /** Reads declared column {@code index}'s value, converted to its Java type; null when absent. */
  @FunctionalInterface
  interface ColumnReader {
    Object read(int index, SourceField column) throws MalformedEventException;
  }

  private final EventSchema schema;
  private final int eventTimeIndex;

  RowAssembler(EventSchema schema) {
    this.schema = schema;
    this.eventTimeIndex = schema.index(schema.eventTimeField());
  }

  Row assemble(RawEvent raw, ColumnReader reader) throws MalformedEventException {
    Row row = Row.withPositions(schema.arity());
    List<SourceField> columns = schema.columns();
    for (int i = 0; i < columns.size(); i++) {
      SourceField c = columns.get(i);
      Object value = reader.read(i, c);
      if (value == null) {
        if (i == eventTimeIndex) {
          throw new MalformedEventException("missing event time '" + c.name() + "'");
        }
        if (schema.requiredKeys().contains(c.name())) {
          throw new MalformedEventException("missing key '" + c.name() + "'");
        }
        if (c.name().equals(schema.dedupKey())) {
          throw new MalformedEventException("missing dedup key '" + c.name() + "'");
        }
        continue;
      }
      row.setField(i, value);
    }
    long eventMs = eventMillis(columns.get(eventTimeIndex), row.getField(eventTimeIndex));
    int n = columns.size();
    row.setField(n, Instant.ofEpochMilli(eventMs));
    row.setField(n + 1, eventMs);
    row.setField(n + 2, raw.offset);
    row.setField(n + 3, raw.partition);
    row.setField(n + 4, Instant.ofEpochMilli(raw.kafkaTimestamp));
    return row;
  }

  private static long eventMillis(SourceField c, Object value) throws MalformedEventException {
    if (value instanceof Instant i) {
      return i.toEpochMilli();
    }
    if (value instanceof Long l) {
      return l;
    }
    throw new MalformedEventException(
        "wrong type for event time '" + c.name() + "': declared " + c.type());
  }
}
