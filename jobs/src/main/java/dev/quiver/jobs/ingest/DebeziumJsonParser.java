package dev.quiver.jobs.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.SourceField;
import dev.quiver.jobs.ingest.EventParser.MalformedEventException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.types.Row;

/**
 * Decodes Debezium change events in JSON ({@code format: debezium-json}): the envelope {@code
 * {before, after, op, ts_ms, source}}, bare or wrapped as {@code {schema, payload}} (Kafka
 * Connect's JsonConverter with {@code schemas.enable=true}).
 *
 * <ul>
 *   <li>{@code op} {@code c} (insert), {@code r} (snapshot read) and {@code u} (update): the {@code
 *       after} row is the event, parsed exactly like a {@code json} event (same types, same
 *       strictness). A declared column absent from {@code after} is read from the envelope when it
 *       is {@code ts_ms} or {@code op}, so {@code event_time_field: ts_ms} materializes by change
 *       time.
 *   <li>{@code op} {@code d} (delete), {@code t} (truncate) and Kafka tombstones (an empty value)
 *       are not materialized: features are facts about events, a deleted row does not retract them.
 *       They go to the dead-letter topic with reason {@code not_materialized}, so nothing is
 *       dropped silently.
 *   <li>Anything else (bad JSON, no {@code op}, an unknown {@code op}, {@code c}/{@code r}/{@code
 *       u} without an {@code after} object, a missing key or a wrong type) is malformed.
 * </ul>
 *
 * <p>With the schema wrapper, timestamp columns tagged {@code io.debezium.time.MicroTimestamp},
 * {@code NanoTimestamp} or {@code Date} are converted to epoch milliseconds, and FLOAT32/FLOAT64
 * columns tagged {@code org.apache.kafka.connect.data.Decimal} (Debezium's default {@code
 * decimal.handling.mode=precise}: Base64 of the unscaled value, the scale in the schema) or {@code
 * io.debezium.data.VariableScaleDecimal} ({@code {scale, value}}) to the nearest float; without it,
 * times are read like {@code json} (epoch milliseconds or ISO-8601 text, e.g. Debezium's {@code
 * ZonedTimestamp}) and decimals need {@code decimal.handling.mode=double}. Not thread-safe; one per
 * task.
 */
public final class DebeziumJsonParser implements EventDecoder {
  private static final Map<String, Long> DIVISORS =
      Map.of(
          "io.debezium.time.MicroTimestamp", 1_000L,
          "io.debezium.time.NanoTimestamp", 1_000_000L);
  private static final String DATE = "io.debezium.time.Date";
  private static final String DECIMAL = "org.apache.kafka.connect.data.Decimal";
  private static final String VARIABLE_DECIMAL = "io.debezium.data.VariableScaleDecimal";
  private static final long DAY_MS = 86_400_000L;

  private final EventSchema schema;
  private final EventParser json;

  public DebeziumJsonParser(EventSchema schema) {
    this.schema = schema;
    this.json = new EventParser(schema);
  }

  @Override
  public Row decode(RawEvent raw) throws MalformedEventException {
    if (raw.value == null || raw.value.length == 0) {
      throw new MalformedEventException(
          DeadLetter.NOT_MATERIALIZED,
          "Kafka tombstone (empty value) not materialized: it follows a delete");
    }
    JsonNode root = EventParser.readObject(raw.value);
    JsonNode envelope = root;
    JsonNode connectSchema = null;
    if (!root.has("op") && root.get("payload") != null && root.get("payload").isObject()) {
      envelope = root.get("payload");
      connectSchema = root.get("schema");
    }
    JsonNode op = envelope.get("op");
    if (op == null || !op.isTextual()) {
      throw new MalformedEventException(
          "debezium envelope: missing 'op' (expected c, r, u, d, t or m, with the row in 'after')");
    }
    switch (op.textValue()) {
      case "c", "r", "u" -> {
        JsonNode after = envelope.get("after");
        if (after == null || !after.isObject()) {
          throw new MalformedEventException(
              "debezium envelope: op '" + op.textValue() + "' without an 'after' object");
        }
        return json.fromObject(event((ObjectNode) after, envelope, connectSchema), raw);
      }
      case "d" ->
          throw new MalformedEventException(
              DeadLetter.NOT_MATERIALIZED,
              "delete (op 'd') not materialized: features keep the row's last values until"
                  + " their TTL");
      case "t" ->
          throw new MalformedEventException(
              DeadLetter.NOT_MATERIALIZED, "truncate (op 't') not materialized");
      case "m" ->
          throw new MalformedEventException(
              DeadLetter.NOT_MATERIALIZED,
              "logical-decoding message (op 'm') not materialized: it carries no row");
      default ->
          throw new MalformedEventException(
              "debezium envelope: unknown op '"
                  + op.textValue()
                  + "' (expected c, r, u, d, t or m)");
    }
  }

  /**
   * The {@code after} row, with envelope fallbacks and Debezium time units and decimals converted.
   */
  private JsonNode event(ObjectNode after, JsonNode envelope, JsonNode connectSchema)
      throws MalformedEventException {
    ObjectNode out = null;
    Map<String, JsonNode> semantic = connectSchema == null ? Map.of() : afterTypes(connectSchema);
    for (SourceField c : schema.columns()) {
      JsonNode v = after.get(c.name());
      if ((v == null || v.isNull()) && (c.name().equals("ts_ms") || c.name().equals("op"))) {
        v = envelope.get(c.name());
        out = out == null ? after.deepCopy() : out;
        out.set(c.name(), v);
      }
      JsonNode columnSchema = semantic.get(c.name());
      String name = columnSchema == null ? null : columnSchema.get("name").asText();
      if (name != null
          && v != null
          && isFloat(c)
          && (DECIMAL.equals(name) || VARIABLE_DECIMAL.equals(name))) {
        out = out == null ? after.deepCopy() : out;
        out.put(c.name(), decimal(c.name(), v, columnSchema));
        continue;
      }
      if (name == null || v == null || !v.isIntegralNumber() || !isTime(c)) {
        continue;
      }
      long ms;
      if (DIVISORS.containsKey(name)) {
        ms = Math.floorDiv(v.longValue(), DIVISORS.get(name));
      } else if (DATE.equals(name)) {
        ms = v.longValue() * DAY_MS;
      } else {
        continue;
      }
      out = out == null ? after.deepCopy() : out;
      out.put(c.name(), ms);
    }
    return out == null ? after : out;
  }

  private static boolean isFloat(SourceField c) {
    return !c.type().array()
        && (c.type().scalar() == FeatureType.Scalar.FLOAT64
            || c.type().scalar() == FeatureType.Scalar.FLOAT32);
  }

  /**
   * A Connect {@code Decimal} (Base64 text of the unscaled two's-complement bytes, the scale in the
   * column schema's parameters) or a Debezium {@code VariableScaleDecimal} ({@code {"scale": 2,
   * "value": Base64}}).
   */
  private static BigDecimal decimal(String column, JsonNode v, JsonNode columnSchema)
      throws MalformedEventException {
    String text;
    String scale;
    if (v.isObject()) {
      text = v.path("value").isTextual() ? v.get("value").textValue() : null;
      scale = v.path("scale").isInt() ? v.get("scale").asText() : null;
    } else {
      text = v.isTextual() ? v.textValue() : null;
      scale = columnSchema.path("parameters").path("scale").asText(null);
    }
    try {
      if (text == null || scale == null) {
        throw new IllegalArgumentException("no Base64 value and scale");
      }
      byte[] unscaled = Base64.getDecoder().decode(text);
      return unscaled.length == 0
          ? BigDecimal.ZERO
          : new BigDecimal(new BigInteger(unscaled), Integer.parseInt(scale));
    } catch (IllegalArgumentException e) {
      throw new MalformedEventException(
          "wrong type for '"
              + column
              + "': tagged "
              + columnSchema.get("name").asText()
              + ", got "
              + (v.isTextual() ? "'" + v.textValue() + "'" : v.toString())
              + " ("
              + e.getMessage()
              + "; expected Base64 of the unscaled value"
              + (v.isObject() ? " and an int scale)" : " and a scale parameter)"));
    }
  }

  private boolean isTime(SourceField c) {
    return !c.type().array()
        && (c.type().scalar() == FeatureType.Scalar.TIMESTAMP
            || c.name().equals(schema.eventTimeField()));
  }

  /**
   * Field name → Connect schema of that field of the {@code after} struct, for fields with a
   * semantic name (e.g. MicroTimestamp, Decimal).
   */
  private static Map<String, JsonNode> afterTypes(JsonNode connectSchema) {
    Map<String, JsonNode> out = new HashMap<>();
    JsonNode fields = connectSchema.get("fields");
    if (fields == null || !fields.isArray()) {
      return out;
    }
    for (JsonNode f : fields) {
      if ("after".equals(f.path("field").asText()) && f.get("fields") != null) {
        for (JsonNode col : f.get("fields")) {
          if (col.hasNonNull("name")) {
            out.put(col.path("field").asText(), col);
          }
        }
      }
    }
    return out;
  }
}
