package dev.quiver.jobs.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.core.config.YamlMessages;
import dev.quiver.core.spec.FeatureType;
import java.lang.reflect.Array;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
public final class EventParser implements EventDecoder {
  /**
   * Refuses content after the object (two concatenated events were read as the first; the second
   * was lost without a dead letter), as the Avro decoder refuses trailing bytes, and a field given
   * twice in one object ({@code "user_id":"a","user_id":"b"} was read as user b, silently). The
   * duplicate check is the tree builder's ({@code FAIL_ON_READING_DUP_TREE_KEY}: a test of the
   * value a put replaced), not the parser's {@code STRICT_DUPLICATE_DETECTION}, which keeps a set
   * of the names of every object and cost more (docs/materialization.md, "Dead letters").
   */
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private static final Pattern DUPLICATE =
      Pattern.compile("^Duplicate field '(.*)' for `ObjectNode`.*", Pattern.DOTALL);

  private final RowAssembler rows;

  public EventParser(EventSchema schema) {
    this.rows = new RowAssembler(schema);
  }

  /**
   * Thrown for a record that is not materialized; the message is the dead-letter detail and {@link
   * #reason()} the dead-letter reason code ({@link DeadLetter#MALFORMED} unless said otherwise).
   */
  public static final class MalformedEventException extends Exception {
    private final String reason;

    public MalformedEventException(String message) {
      this(DeadLetter.MALFORMED, message);
    }

    public MalformedEventException(String reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }

    /** The dead-letter reason code, e.g. {@link DeadLetter#MALFORMED}. */
    public String reason() {
      return reason;
    }
  }

  @Override
  public Row decode(RawEvent raw) throws MalformedEventException {
    return parse(raw);
  }

  /**
   * Returns a row with every declared column filled (null where absent) and the metadata columns
   * set from {@code raw}.
   */
  public Row parse(RawEvent raw) throws MalformedEventException {
    if (raw.value.length == 0) {
      throw noValue("a JSON object");
    }
    return fromObject(readObject(raw.value), raw);
  }

  /**
   * The malformed detail of a record without a value: a Kafka tombstone (null value) or a
   * zero-length value, which the job receives alike ({@link RawEventDeserializer}). Only the
   * debezium-json format reads tombstones (as not materialized); before, a JSON source called one
   * "bad JSON: expected an object, got MISSING" and an Avro source "bad Avro: EOFException".
   */
  static MalformedEventException noValue(String expected) {
    return new MalformedEventException(
        "no value (a Kafka tombstone or an empty record; expected: "
            + expected
            + ", deletes are read from a debezium-json source)");
  }

  /** Parses {@code bytes} as one JSON object. */
  static JsonNode readObject(byte[] bytes) throws MalformedEventException {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      Matcher dup = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
      if (dup.matches()) {
        var at = e.getLocation();
        throw new MalformedEventException(
            "bad JSON: duplicate field '"
                + dup.group(1)
                + "'"
                + (at == null
                    ? ""
                    : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
      }
      throw new MalformedEventException(
          "bad JSON: " + YamlMessages.concise(e.getOriginalMessage()));
    } catch (java.io.IOException e) {
      throw new MalformedEventException("bad JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new MalformedEventException(
          "bad JSON: expected an object, got " + (root == null ? "nothing" : root.getNodeType()));
    }
    return root;
  }

  /** The row of one JSON object whose fields are the source's columns. */
  Row fromObject(JsonNode object, RawEvent raw) throws MalformedEventException {
    return rows.assemble(
        raw,
        (i, c) -> {
          JsonNode v = object.get(c.name());
          return v == null || v.isNull() ? null : convert(c.name(), c.type(), v);
        });
  }

  private static Object convert(String name, FeatureType type, JsonNode v)
      throws MalformedEventException {
    if (type.array()) {
      if (!v.isArray()) {
        throw wrongType(name, type, v);
      }
      FeatureType element = new FeatureType(type.scalar(), false);
      Object out = Array.newInstance(type.scalar().javaClass(), v.size());
      for (int i = 0; i < v.size(); i++) {
        JsonNode e = v.get(i);
        // an element's problem names the element: 'embedding[1]': declared FLOAT32, got JSON STRING
        Array.set(
            out, i, e == null || e.isNull() ? null : convert(name + "[" + i + "]", element, e));
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
        if (v.isIntegralNumber()) {
          if (!v.canConvertToInt()) {
            throw outOfRange(name, type, v, Integer.MIN_VALUE + " to " + Integer.MAX_VALUE);
          }
          return v.intValue();
        }
        break;
      case INT64:
        if (v.isIntegralNumber()) {
          if (!v.canConvertToLong()) {
            throw outOfRange(name, type, v, Long.MIN_VALUE + " to " + Long.MAX_VALUE);
          }
          return v.longValue();
        }
        break;
      case FLOAT32:
        if (v.isNumber()) {
          float f = v.floatValue();
          if (Float.isInfinite(f)) {
            throw tooLarge(name, type, v);
          }
          return f;
        }
        break;
      case FLOAT64:
        if (v.isNumber()) {
          double d = v.doubleValue();
          if (Double.isInfinite(d)) {
            throw tooLarge(name, type, v);
          }
          return d;
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
        if (v.isIntegralNumber()) {
          if (!v.canConvertToLong()) {
            throw outOfRange(name, type, v, "epoch milliseconds within the years 0000 to 9999");
          }
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

  /**
   * ISO-8601 date and time with an optional offset in the basic form ({@code +0000}, {@code -0230},
   * or {@code Z}), which {@link OffsetDateTime#parse} refuses: Python's {@code strftime('%z')},
   * Java's {@code SimpleDateFormat} {@code Z} and many loggers write it (session 17 QA pass: every
   * event of such a producer was malformed). Without an offset the time is UTC.
   */
  private static final DateTimeFormatter BASIC_OFFSET =
      new DateTimeFormatterBuilder()
          .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
          .optionalStart()
          .appendOffset("+HHMM", "Z")
          .optionalEnd()
          .toFormatter(Locale.ROOT);

  static Instant parseInstant(String name, String text) throws MalformedEventException {
    String t = text.trim();
    Instant fast = IsoTimestamps.parse(t);
    if (fast != null) {
      return fast;
    }
    try {
      return OffsetDateTime.parse(t).toInstant();
    } catch (DateTimeParseException e) {
      try {
        TemporalAccessor parsed =
            BASIC_OFFSET.parseBest(t.replace(' ', 'T'), OffsetDateTime::from, LocalDateTime::from);
        return parsed instanceof OffsetDateTime o
            ? o.toInstant()
            : ((LocalDateTime) parsed).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        if (EPOCH_DIGITS.matcher(t).matches()) {
          throw epochMillisAsText(name, text, t);
        }
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

  /** Whole epoch milliseconds written as text, up to 18 digits (within a long). */
  private static final Pattern EPOCH_DIGITS = Pattern.compile("[0-9]{1,18}");

  /**
   * Epoch milliseconds sent as text ({@code "ts":"1732665600000"}): malformed, as any number given
   * as text, but the detail said "is not a timestamp (expected ISO-8601 ..., or epoch
   * milliseconds)", what the producer believed it had sent (session 20 QA pass). It names the fix.
   */
  private static MalformedEventException epochMillisAsText(String name, String text, String t) {
    return new MalformedEventException(
        "wrong type for '"
            + name
            + "': '"
            + text
            + "' is text; epoch milliseconds are read from a number only (expected: "
            + t
            + " as a number, not a string, or ISO-8601 text such as "
            + Instant.ofEpochMilli(Long.parseLong(t))
            + ")");
  }

  /**
   * A number beyond the declared float type's range, e.g. 1e400 for FLOAT64, read as infinity: an
   * infinite sum or stddev would stay in every window holding the event until the view's TTL.
   */
  private static MalformedEventException tooLarge(String name, FeatureType type, JsonNode v) {
    return new MalformedEventException(
        "out of range for '"
            + name
            + "': "
            + (Double.isInfinite(v.doubleValue()) ? "the number" : v.asText())
            + " is beyond the range of "
            + type);
  }

  /**
   * A whole number beyond an integer or time column's range. It read "wrong type ..., got JSON
   * NUMBER" (session 17 QA pass), as if a number were not expected there.
   */
  private static MalformedEventException outOfRange(
      String name, FeatureType type, JsonNode v, String range) {
    return new MalformedEventException(
        "out of range for '"
            + name
            + "': "
            + v.asText()
            + " is beyond the range of "
            + type
            + " ("
            + range
            + ")");
  }

  private static MalformedEventException wrongType(String name, FeatureType type, JsonNode v) {
    if (!type.array()
        && v.isNumber()
        && (type.scalar().isIntegral() || type.scalar() == FeatureType.Scalar.TIMESTAMP)) {
      // a fraction where a whole number is declared: say which number, and what is expected
      return new MalformedEventException(
          "wrong type for '"
              + name
              + "': declared "
              + type
              + ", got the number "
              + v.asText()
              + (type.scalar() == FeatureType.Scalar.TIMESTAMP
                  ? " (expected: epoch milliseconds as a whole number, or ISO-8601 text such as"
                      + " 2026-01-02T03:04:05Z)"
                  : " (expected: a whole number)"));
    }
    return new MalformedEventException(
        "wrong type for '" + name + "': declared " + type + ", got JSON " + v.getNodeType());
  }
}
