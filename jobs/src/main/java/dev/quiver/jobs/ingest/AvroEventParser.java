package dev.quiver.jobs.ingest;

import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.SourceField;
import dev.quiver.jobs.ingest.EventParser.MalformedEventException;
import java.io.IOException;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.flink.types.Row;

/**
 * Decodes binary Avro events ({@code format: avro}) with the writer schema given in the spec,
 * either bare (one datum per record) or in the Confluent wire format (magic byte 0, a 4-byte
 * big-endian schema id, then the datum). No schema registry is consulted: the spec's schema is the
 * writer schema; with {@code avro_schema_id} set, a record written with another id is malformed.
 *
 * <p>Each declared column is read from the record field of the same name. Accepted Avro values per
 * declared type (Avro's own promotions): BOOL boolean; INT32 int; INT64 int or long; FLOAT32 int,
 * long or float; FLOAT64 int, long, float or double; FLOAT32 and FLOAT64 also bytes or fixed {@code
 * decimal} (the nearest float, e.g. Debezium's default for NUMERIC columns); STRING string or enum;
 * BYTES bytes or fixed; TIMESTAMP long {@code timestamp-millis}/{@code timestamp-micros} (a plain
 * long is epoch milliseconds), int {@code date}, or ISO-8601 string; arrays of these. A null (from
 * a union with null) is an absent value. Anything else — bytes that do not decode, trailing bytes,
 * a union branch of the wrong type, a missing key or event time — is malformed. Not thread-safe;
 * one per task.
 */
public final class AvroEventParser implements EventDecoder {
  private final RowAssembler rows;
  private final GenericDatumReader<GenericRecord> reader;
  private final int[] fieldPositions;
  private final List<Schema> fieldSchemas = new ArrayList<>();
  private final boolean confluent;
  private final Integer schemaId;
  private BinaryDecoder decoder;
  private GenericRecord reuse;

  /**
   * @throws IllegalArgumentException when the writer schema is not a record or lacks a declared
   *     column
   */
  public AvroEventParser(EventSchema schema, Schema writer, boolean confluent, Integer schemaId) {
    if (writer.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException(
          "options.avro_schema: the writer schema is a "
              + writer.getType()
              + " (expected: a record whose fields are the source's columns)");
    }
    this.rows = new RowAssembler(schema);
    this.reader = new GenericDatumReader<>(writer);
    this.confluent = confluent;
    this.schemaId = schemaId;
    this.fieldPositions = new int[schema.columns().size()];
    for (int i = 0; i < fieldPositions.length; i++) {
      SourceField c = schema.columns().get(i);
      Schema.Field f = writer.getField(c.name());
      if (f == null) {
        throw new IllegalArgumentException(
            "options.avro_schema: the writer schema "
                + writer.getFullName()
                + " has no field '"
                + c.name()
                + "' (declared in schema; fields: "
                + writer.getFields().stream().map(Schema.Field::name).toList()
                + "); add it to the Avro schema or remove the column");
      }
      fieldPositions[i] = f.pos();
      fieldSchemas.add(f.schema());
    }
  }

  @Override
  public Row decode(RawEvent raw) throws MalformedEventException {
    byte[] b = raw.value;
    if (b.length == 0) {
      throw EventParser.noValue(
          "an Avro record of schema "
              + reader.getSchema().getFullName()
              + (confluent ? " in the Confluent wire format" : ""));
    }
    int start = 0;
    if (confluent) {
      if (b.length < 5 || b[0] != 0) {
        throw new MalformedEventException(
            "bad Avro: not in the Confluent wire format (expected magic byte 0 and a 4-byte schema"
                + " id, got "
                + (b.length == 0 ? "an empty value" : "first byte " + b[0])
                + ")");
      }
      int id = ByteBuffer.wrap(b, 1, 4).getInt();
      if (schemaId != null && id != schemaId) {
        throw new MalformedEventException(
            "bad Avro: written with schema id "
                + id
                + ", the source's avro_schema_id is "
                + schemaId);
      }
      start = 5;
    }
    GenericRecord record;
    try {
      decoder = DecoderFactory.get().binaryDecoder(b, start, b.length - start, decoder);
      record = reader.read(reuse, decoder);
      if (!decoder.isEnd()) {
        throw new MalformedEventException(
            "bad Avro: trailing bytes after the record (written with another schema?)");
      }
    } catch (java.io.EOFException e) {
      // the message was "bad Avro: EOFException" (Avro's EOFException has no text)
      throw new MalformedEventException(
          "bad Avro: the record ends early, after "
              + (b.length - start)
              + " bytes (truncated, or written with another schema?)");
    } catch (IOException | RuntimeException e) {
      throw new MalformedEventException(
          "bad Avro: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }
    reuse = record;
    return rows.assemble(
        raw,
        (i, c) -> {
          return convert(c.name(), c.type(), fieldSchemas.get(i), record.get(fieldPositions[i]));
        });
  }

  private static Object convert(String name, FeatureType type, Schema schema, Object v)
      throws MalformedEventException {
    if (v == null) {
      return null;
    }
    Schema branch = schema;
    if (schema.getType() == Schema.Type.UNION) {
      branch = schema.getTypes().get(GenericData.get().resolveUnion(schema, v));
    }
    if (type.array()) {
      if (!(v instanceof Collection<?> list)) {
        throw wrongType(name, type, branch);
      }
      FeatureType element = new FeatureType(type.scalar(), false);
      Object out = Array.newInstance(type.scalar().javaClass(), list.size());
      int i = 0;
      for (Object e : list) {
        Array.set(out, i++, convert(name, element, branch.getElementType(), e));
      }
      return out;
    }
    switch (type.scalar()) {
      case BOOL:
        if (v instanceof Boolean) {
          return v;
        }
        break;
      case INT32:
        if (v instanceof Integer) {
          return v;
        }
        break;
      case INT64:
        if (v instanceof Integer || v instanceof Long) {
          return ((Number) v).longValue();
        }
        break;
      case FLOAT32:
        if (v instanceof Integer || v instanceof Long || v instanceof Float) {
          return (float) finite(name, ((Number) v).floatValue());
        }
        if (branch.getLogicalType() instanceof LogicalTypes.Decimal d) {
          return (float) finite(name, decimal(v, d).floatValue());
        }
        break;
      case FLOAT64:
        if (v instanceof Number n && !(v instanceof java.math.BigDecimal)) {
          return finite(name, n.doubleValue());
        }
        if (branch.getLogicalType() instanceof LogicalTypes.Decimal d) {
          return finite(name, decimal(v, d).doubleValue());
        }
        break;
      case STRING:
        if (v instanceof CharSequence || v instanceof GenericEnumSymbol<?>) {
          return v.toString();
        }
        break;
      case BYTES:
        if (v instanceof ByteBuffer bb) {
          byte[] out = new byte[bb.remaining()];
          bb.duplicate().get(out);
          return out;
        }
        if (v instanceof GenericFixed f) {
          return f.bytes().clone();
        }
        break;
      case TIMESTAMP:
        return timestamp(name, type, branch, v);
      default:
        break;
    }
    throw wrongType(name, type, branch);
  }

  /** A {@code decimal} value: the unscaled two's-complement bytes of a bytes or fixed field. */
  private static BigDecimal decimal(Object v, LogicalTypes.Decimal d) {
    byte[] unscaled;
    if (v instanceof ByteBuffer bb) {
      unscaled = new byte[bb.remaining()];
      bb.duplicate().get(unscaled);
    } else {
      unscaled = ((GenericFixed) v).bytes();
    }
    return unscaled.length == 0
        ? BigDecimal.ZERO
        : new BigDecimal(new BigInteger(unscaled), d.getScale());
  }

  private static Instant timestamp(String name, FeatureType type, Schema branch, Object v)
      throws MalformedEventException {
    LogicalType logical = branch.getLogicalType();
    String lt = logical == null ? "" : logical.getName();
    if (v instanceof Long l) {
      return switch (lt) {
        case "timestamp-micros", "local-timestamp-micros" ->
            Instant.ofEpochMilli(Math.floorDiv(l, 1000L));
        case "timestamp-nanos", "local-timestamp-nanos" ->
            Instant.ofEpochMilli(Math.floorDiv(l, 1_000_000L));
        default -> Instant.ofEpochMilli(l);
      };
    }
    if (v instanceof Integer i && lt.equals("date")) {
      return Instant.ofEpochMilli(i * 86_400_000L);
    }
    if (v instanceof CharSequence s) {
      return EventParser.parseInstant(name, s.toString());
    }
    throw wrongType(name, type, branch);
  }

  /**
   * Avro floats may hold NaN and ±Infinity, which JSON cannot carry: one such value would make
   * every sum, average and stddev of the windows holding the event NaN or infinite until the view's
   * TTL.
   */
  private static double finite(String name, double d) throws MalformedEventException {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new MalformedEventException(
          "out of range for '"
              + name
              + "': "
              + d
              + " is not a finite number (send null for a missing value)");
    }
    return d;
  }

  private static MalformedEventException wrongType(String name, FeatureType type, Schema branch) {
    LogicalType lt = branch.getLogicalType();
    return new MalformedEventException(
        "wrong type for '"
            + name
            + "': declared "
            + type
            + ", got Avro "
            + branch.getType()
            + (lt == null ? "" : " (" + lt.getName() + ")"));
  }
}
