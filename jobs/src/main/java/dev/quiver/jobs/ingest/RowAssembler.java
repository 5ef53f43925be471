package dev.quiver.jobs.ingest;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.offline.OfflineTimes;
import dev.quiver.core.spec.SourceField;
import dev.quiver.jobs.ingest.EventParser.MalformedEventException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.types.Row;

/**
 * Builds a row of the {@link EventSchema} from per-column values, whatever the source format: the
 * checks every format shares (join keys, event time and dedup key present, times within years 0000
 * to 9999) and the metadata columns.
 */
final class RowAssembler {
  /** Reads declared column {@code index}'s value, converted to its Java type; null when absent. */
  @FunctionalInterface
  interface ColumnReader {
    Object read(int index, SourceField column) throws MalformedEventException;
  }

  private final EventSchema schema;
  private final int eventTimeIndex;
  private final int[] keyIndexes;

  RowAssembler(EventSchema schema) {
    this.schema = schema;
    this.eventTimeIndex = schema.index(schema.eventTimeField());
    this.keyIndexes = schema.requiredKeys().stream().mapToInt(schema::index).toArray();
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
      checkTimeRange(c, value);
      row.setField(i, value);
    }
    checkKeyLength(row);
    long eventMs = eventMillis(columns.get(eventTimeIndex), row.getField(eventTimeIndex));
    int n = columns.size();
    row.setField(n, Instant.ofEpochMilli(eventMs));
    row.setField(n + 1, eventMs);
    row.setField(n + 2, raw.offset);
    row.setField(n + 3, raw.partition);
    row.setField(n + 4, Instant.ofEpochMilli(raw.kafkaTimestamp));
    return row;
  }

  private static final long MIN_MS = OfflineTimes.MIN.toEpochMilli();
  private static final long MAX_MS = OfflineTimes.MAX.toEpochMilli();

  /**
   * Refuses a time outside years 0000 to 9999 (Flink's {@code TIMESTAMP_LTZ} range, the offline
   * tables' and the lookups' too): {@code +999999999-12-31T23:59:59Z} overflowed epoch milliseconds
   * with an ArithmeticException that failed the job on every restart, and epoch microseconds sent
   * as milliseconds (about the year 58,000) moved the partition's watermark so far ahead that every
   * later event was too late.
   */
  private static void checkTimeRange(SourceField c, Object value) throws MalformedEventException {
    if (value instanceof Instant t) {
      if (t.isBefore(OfflineTimes.MIN) || t.isAfter(OfflineTimes.MAX)) {
        throw outOfRange(c, t);
      }
    } else if (value instanceof Instant[] times) {
      for (Instant t : times) {
        checkTimeRange(c, t);
      }
    }
  }

  /**
   * Refuses a key whose string values hold more than {@link EntityKeyCodec#MAX_KEY_CHARS}
   * characters together (the lookup service's limit): HBase's client threw on its row key (over
   * 32,767 bytes) in the online sink, which failed the job on every restart, and no lookup could
   * ever read it.
   */
  private void checkKeyLength(Row row) throws MalformedEventException {
    int chars = 0;
    for (int k : keyIndexes) {
      chars += row.getField(k) instanceof String s ? s.length() : 0;
    }
    if (chars <= EntityKeyCodec.MAX_KEY_CHARS) {
      return;
    }
    List<String> parts = new ArrayList<>();
    for (int k : keyIndexes) {
      if (row.getField(k) instanceof String s) {
        parts.add("'" + schema.columns().get(k).name() + "' " + s.length());
      }
    }
    throw new MalformedEventException(
        "key too long: "
            + String.join(" + ", parts)
            + (parts.size() > 1 ? " = " + chars : "")
            + " characters (expected: at most "
            + EntityKeyCodec.MAX_KEY_CHARS
            + " characters of join-key values per key, the lookup service's limit)");
  }

  private static long plausible(SourceField c, long ms) throws MalformedEventException {
    if (ms < 0) {
      throw new MalformedEventException(
          "out of range for event time '"
              + c.name()
              + "': "
              + Instant.ofEpochMilli(ms)
              + " is before 1970-01-01T00:00:00Z (expected: an event time from 1970 on; the online"
              + " store keeps versions by epoch milliseconds)");
    }
    if (ms < OfflineTimes.MIN_PLAUSIBLE_MILLIS) {
      // numbers and ISO-8601 text both arrive here as instants: the hint is conditional
      long asSeconds = ms * 1000;
      throw new MalformedEventException(
          "out of range for event time '"
              + c.name()
              + "': "
              + Instant.ofEpochMilli(ms)
              + " (epoch milliseconds "
              + ms
              + ") is before "
              + Instant.ofEpochMilli(OfflineTimes.MIN_PLAUSIBLE_MILLIS)
              + ", the earliest event time accepted, where epoch seconds read as milliseconds land"
              + " (expected: epoch milliseconds or ISO-8601 text; if the producer writes epoch"
              + " seconds, multiply by 1000: "
              + asSeconds
              + " is "
              + Instant.ofEpochMilli(asSeconds)
              + ")");
    }
    return ms;
  }

  private static MalformedEventException outOfRange(SourceField c, Instant t) {
    return new MalformedEventException(
        "out of range for '"
            + c.name()
            + "': "
            + t
            + " is not in the years 0000 to 9999 (an epoch number is milliseconds, not micro- or"
            + " nanoseconds)");
  }

  /**
   * The event time in epoch milliseconds, from 1970 on: the online store keeps a feature's versions
   * by event time in epoch milliseconds {@code >= 0} ({@code OnlineWrite}; HBase refuses a negative
   * cell timestamp), so an earlier event accepted by the gate (the first of its partition, or one
   * within the lateness) threw in the online sink and failed the job again on every restart
   * (session 13 QA pass). And from {@link OfflineTimes#MIN_PLAUSIBLE_MILLIS} on: a producer writing
   * epoch seconds ({@code 1732665600}) had its events read as milliseconds in January 1970,
   * materialized there (expired, or in windows that no lookup covers) without a word. Other
   * TIMESTAMP columns keep the years 0000 to 9999.
   */
  private static long eventMillis(SourceField c, Object value) throws MalformedEventException {
    if (value instanceof Instant i) {
      return plausible(c, i.toEpochMilli());
    }
    if (value instanceof Long l) {
      if (l < MIN_MS || l > MAX_MS) {
        throw outOfRange(c, Instant.ofEpochMilli(l));
      }
      return plausible(c, l);
    }
    throw new MalformedEventException(
        "wrong type for event time '" + c.name() + "': declared " + c.type());
  }
}
