package dev.quiver.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.core.spec.Source;
import dev.quiver.jobs.ingest.SourceFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Writes a sample event (a JSON object of the source's columns) in the source's wire format, so
 * that the job reading the source accepts it: {@code json} as is, {@code debezium-json} as a create
 * event ({@code op: c}) whose {@code after} row is the object, {@code avro} with the spec's writer
 * schema (plain, or in the Confluent framing when {@code avro_wire_format: confluent}). Without
 * this, every sample event of a debezium-json or Avro source was a dead letter.
 *
 * <p>Not thread-safe; one per generator.
 */
final class SampleEncoding {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Conversions.DecimalConversion DECIMALS = new Conversions.DecimalConversion();

  private final SourceFormat format;
  private final Schema avro;
  private final GenericDatumWriter<GenericRecord> writer;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
  private BinaryEncoder encoder;

  SampleEncoding(Source source) {
    this.format = SourceFormat.of(source);
    this.avro = format.avroSchema() == null ? null : new Schema.Parser().parse(format.avroSchema());
    this.writer = avro == null ? null : new GenericDatumWriter<>(avro);
  }

  /** The record value for {@code event}, the JSON object of the source's columns. */
  byte[] encode(ObjectNode event, long nowMs) {
    return switch (format.format()) {
      case "debezium-json" -> {
        ObjectNode env = JSON.createObjectNode();
        env.putNull("before");
        env.set("after", event);
        env.put("op", "c");
        env.put("ts_ms", nowMs);
        env.putObject("source").put("connector", "quiver-local");
        yield env.toString().getBytes(StandardCharsets.UTF_8);
      }
      case "avro" -> avro(event);
      default -> event.toString().getBytes(StandardCharsets.UTF_8);
    };
  }

  /** Bytes the source's decoder refuses (a dead letter), in the source's format. */
  byte[] malformed(String eventTimeField, boolean badJson) {
    if (avro != null) {
      // a truncated header: too short for any record of a schema with a field, or a bad magic byte
      return new byte[] {(byte) 0x7f};
    }
    String text = badJson ? "{\"" + eventTimeField + "\": \"not json" : null;
    if (text == null) {
      text = "{\"" + eventTimeField + "\": true}";
      if (format.format().equals("debezium-json")) {
        text = "{\"before\":null,\"after\":" + text + ",\"op\":\"c\"}";
      }
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private byte[] avro(ObjectNode event) {
    GenericRecord record = new GenericData.Record(avro);
    for (Schema.Field f : avro.getFields()) {
      JsonNode v = event.get(f.name());
      Object value = v == null || v.isNull() ? absent(f) : value(f.schema(), v);
      record.put(f.pos(), value);
    }
    buffer.reset();
    try {
      if (format.confluentWire()) {
        int id = format.avroSchemaId() == null ? 1 : format.avroSchemaId();
        buffer.write(ByteBuffer.allocate(5).put((byte) 0).putInt(id).array());
      }
      encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
      writer.write(record, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }

  /** A writer-schema field the source does not declare: its default, null, or a zero. */
  private static Object absent(Schema.Field f) {
    if (f.hasDefaultValue()) {
      return GenericData.get().getDefaultValue(f);
    }
    return zero(f.schema());
  }

  private static Object zero(Schema s) {
    return switch (s.getType()) {
      case UNION ->
          s.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL)
              ? null
              : zero(s.getTypes().get(0));
      case STRING -> "";
      case INT -> 0;
      case LONG -> 0L;
      case FLOAT -> 0f;
      case DOUBLE -> 0d;
      case BOOLEAN -> false;
      case BYTES -> ByteBuffer.allocate(0);
      case FIXED -> new GenericData.Fixed(s, new byte[s.getFixedSize()]);
      case ENUM -> new GenericData.EnumSymbol(s, s.getEnumSymbols().get(0));
      case ARRAY -> new ArrayList<>();
      default -> null;
    };
  }

  /** {@code v} (as the JSON generator wrote it) as a value of Avro type {@code s}. */
  private static Object value(Schema s, JsonNode v) {
    LogicalType logical = s.getLogicalType();
    return switch (s.getType()) {
      case UNION -> {
        for (Schema branch : s.getTypes()) {
          if (branch.getType() != Schema.Type.NULL && fits(branch, v)) {
            yield value(branch, v);
          }
        }
        yield null;
      }
      case STRING -> v.asText();
      case ENUM ->
          new GenericData.EnumSymbol(
              s, s.getEnumSymbols().contains(v.asText()) ? v.asText() : s.getEnumSymbols().get(0));
      case BOOLEAN -> v.asBoolean();
      case INT ->
          logical instanceof LogicalTypes.Date && v.isTextual()
              ? (int) LocalDate.ofInstant(Instant.parse(v.asText()), ZoneOffset.UTC).toEpochDay()
              : v.asInt();
      case LONG -> {
        long ms = v.isTextual() ? Instant.parse(v.asText()).toEpochMilli() : v.asLong();
        yield logical instanceof LogicalTypes.TimestampMicros ? ms * 1000 : ms;
      }
      case FLOAT -> (float) v.asDouble();
      case DOUBLE -> v.asDouble();
      case BYTES, FIXED -> {
        if (logical instanceof LogicalTypes.Decimal d) {
          BigDecimal dec =
              BigDecimal.valueOf(v.asDouble()).setScale(d.getScale(), RoundingMode.HALF_EVEN);
          yield s.getType() == Schema.Type.BYTES
              ? DECIMALS.toBytes(dec, s, d)
              : DECIMALS.toFixed(dec, s, d);
        }
        byte[] bytes = v.isTextual() ? Base64.getDecoder().decode(v.asText()) : new byte[0];
        if (s.getType() == Schema.Type.FIXED) {
          yield new GenericData.Fixed(s, java.util.Arrays.copyOf(bytes, s.getFixedSize()));
        }
        yield ByteBuffer.wrap(bytes);
      }
      case ARRAY -> {
        List<Object> list = new ArrayList<>();
        v.forEach(e -> list.add(value(s.getElementType(), e)));
        yield list;
      }
      default -> null;
    };
  }

  private static boolean fits(Schema s, JsonNode v) {
    return switch (s.getType()) {
      case STRING, ENUM -> v.isTextual();
      case BOOLEAN -> v.isBoolean();
      case INT, LONG -> v.isIntegralNumber() || (v.isTextual() && s.getLogicalType() != null);
      case FLOAT, DOUBLE -> v.isNumber();
      case BYTES, FIXED ->
          s.getLogicalType() instanceof LogicalTypes.Decimal ? v.isNumber() : v.isTextual();
      case ARRAY -> v.isArray();
      default -> false;
    };
  }
}
