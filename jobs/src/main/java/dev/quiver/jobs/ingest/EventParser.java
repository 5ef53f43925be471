package dev.quiver.jobs.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.SourceField;
import java.lang.reflect.Array;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import org.apache.flink.types.Row;

/**
 * Parses one JSON event into a row of the {@link EventSchema}, or says precisely why it cannot: bad
 * JSON, a missing join key / event time / dedup key, or a value of the wrong type. Strict on
 * purpose: a string where a number is declared is an error, not a silent conversion.
 *
 * <p>Event times are accepted as epoch milliseconds (a JSON integer) or as ISO-8601 text ({@code
 * 2026-01-02T03:04:05Z}, with an offset, or without one meaning UTC). Not thread-safe; one per
 * task.
 */
public final class EventParser {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final EventSchema schema;
  private final int eventTimeIndex;

  public EventParser(EventSchema schema) {
    this.schema = schema;
    this.eventTimeIndex = schema.index(schema.eventTimeField());
  }

  /** Thrown for a malformed event; the message is the dead-letter detail. */
  public static final class MalformedEventException extends Exception {
    public MalformedEventException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Returns a row with every declared column filled (null where absent) and the metadata columns
   * set from {@code raw}.
   */
  public Row parse(RawEvent raw) throws MalformedEventException {
    JsonNode root;
    try {
      root = JSON.readTree(raw.value);
    } catch (JsonProcessingException e) {
      throw new MalformedEventException("bad JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw new MalformedEventException("bad JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new MalformedEventException(
          "bad JSON: expected an object, got " + (root == null ? "nothing" : root.getNodeType()));
    }
    Row row = Row.withPositions(schema.arity());
    var columns = schema.columns();
    for (int i = 0; i < columns.size(); i++) {
      SourceField c = columns.get(i);
      JsonNode v = root.get(c.name());
      if (v == null || v.isNull()) {
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
      Object value = convert(c.name(), c.type(), v);
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

  private static Object convert(String name, FeatureType type, JsonNode v)
      throws MalformedEventException {
    if (type.array()) {
      if (!v.isArray()) {
        throw wrongType(name, type, v);
      }
      FeatureType element = new FeatureType(type.scalar(), false);
      Object out = Array.newInstance(elementClass(type.scalar()), v.size());
      for (int i = 0; i < v.size(); i++) {
        JsonNode e = v.get(i);
        Array.set(out, i, e == null || e.isNull() ? null : convert(name, element, e));
      }
      return out;
    }
    switch (type.scalar()) {
      case BOOL:
        if (v.isBoolean()) {
          return v.booleanValue();
        }
        break;
      case INT32:
        if (v.isIntegralNumber() && v.canConvertToInt()) {
          return v.intValue();
        }
        break;
      case INT64:
        if (v.isIntegralNumber() && v.canConvertToLong()) {
          return v.longValue();
        }
        break;
      case FLOAT32:
        if (v.isNumber()) {
          return v.floatValue();
        }
        break;
      case FLOAT64:
        if (v.isNumber()) {
          return v.doubleValue();
        }
        break;
      case STRING:
        if (v.isTextual()) {
          return v.textValue();
        }
        break;
      case BYTES:
        if (v.isTextual()) {
          try {
            return Base64.getDecoder().decode(v.textValue());
          } catch (IllegalArgumentException e) {
            throw new MalformedEventException("wrong type for '" + name + "': not base64 bytes");
          }
        }
        break;
      case TIMESTAMP:
        if (v.isIntegralNumber() && v.canConvertToLong()) {
          return Instant.ofEpochMilli(v.longValue());
        }
        if (v.isTextual()) {
          return parseInstant(name, v.textValue());
        }
        break;
      default:
        break;
    }
    throw wrongType(name, type, v);
  }

  static Instant parseInstant(String name, String text) throws MalformedEventException {
    String t = text.trim();
    try {
      return OffsetDateTime.parse(t).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(t.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        throw new MalformedEventException(
            "wrong type for '"
                + name
                + "': '"
                + text
                + "' is not a timestamp (expected ISO-8601 such as 2026-01-02T03:04:05Z, or"
                + " epoch milliseconds)");
      }
    }
  }

  private static MalformedEventException wrongType(String name, FeatureType type, JsonNode v) {
    return new MalformedEventException(
        "wrong type for '" + name + "': declared " + type + ", got JSON " + v.getNodeType());
  }

  private static Class<?> elementClass(FeatureType.Scalar s) {
    return switch (s) {
      case BOOL -> Boolean.class;
      case INT32 -> Integer.class;
      case INT64 -> Long.class;
      case FLOAT32 -> Float.class;
      case FLOAT64 -> Double.class;
      case STRING -> String.class;
      case BYTES -> byte[].class;
      case TIMESTAMP -> Instant.class;
    };
  }
}
