package dev.quiver.jobs.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.SourceField;
import dev.quiver.jobs.ingest.EventParser.MalformedEventException;
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
 * {@code NanoTimestamp} or {@code Date} are converted to epoch milliseconds; without it, times are
 * read like {@code json} (epoch milliseconds or ISO-8601 text, e.g. Debezium's {@code
 * ZonedTimestamp}). Not thread-safe; one per task.
 */
public final class DebeziumJsonParser implements EventDecoder {
  private static final Map<String, Long> DIVISORS =
      Map.of(
          "io.debezium.time.MicroTimestamp", 1_000L,
          "io.debezium.time.NanoTimestamp", 1_000_000L);
  private static final String DATE = "io.debezium.time.Date";
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
          "debezium envelope: missing 'op' (expected c, r, u, d or t, with the row in 'after')");
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
      default ->
          throw new MalformedEventException(
              "debezium envelope: unknown op '" + op.textValue() + "' (expected c, r, u, d or t)");
    }
  }

  /** The {@code after} row, with envelope fallbacks and Debezium time units converted. */
  private JsonNode event(ObjectNode after, JsonNode envelope, JsonNode connectSchema) {
    ObjectNode out = null;
    Map<String, String> semantic = connectSchema == null ? Map.of() : afterTypes(connectSchema);
    for (SourceField c : schema.columns()) {
      JsonNode v = after.get(c.name());
      if ((v == null || v.isNull()) && (c.name().equals("ts_ms") || c.name().equals("op"))) {
        v = envelope.get(c.name());
        out = out == null ? after.deepCopy() : out;
        out.set(c.name(), v);
      }
      String name = semantic.get(c.name());
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

  private boolean isTime(SourceField c) {
    return !c.type().array()
        && (c.type().scalar() == FeatureType.Scalar.TIMESTAMP
            || c.name().equals(schema.eventTimeField()));
  }

  /** Field name → Connect schema name of the {@code after} struct, e.g. MicroTimestamp. */
  private static Map<String, String> afterTypes(JsonNode connectSchema) {
    Map<String, String> out = new HashMap<>();
    JsonNode fields = connectSchema.get("fields");
    if (fields == null || !fields.isArray()) {
      return out;
    }
    for (JsonNode f : fields) {
      if ("after".equals(f.path("field").asText()) && f.get("fields") != null) {
        for (JsonNode col : f.get("fields")) {
          if (col.hasNonNull("name")) {
            out.put(col.path("field").asText(), col.get("name").asText());
          }
        }
      }
    }
    return out;
  }
}
