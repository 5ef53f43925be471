package dev.quiver.jobs.testing;

import dev.quiver.jobs.testing.Transactions.Record;
import dev.quiver.jobs.testing.Transactions.Txn;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Re-encodes the adversarial {@link Transactions} log as Debezium change events or as Avro, written
 * here by hand (Jackson-free string building, Avro's own writer) so the job's decoders are checked
 * against an independent encoder. Each record keeps its meaning: a {@link Txn}, or null with the
 * kind of fault; a duplicate (the same {@link Record} object) gets the same bytes again.
 */
public final class SourceEncodings {
  /** The malformed kind of a Debezium delete, which the job dead-letters as not materialized. */
  public static final String DELETE = "delete";

  /** The Avro writer schema of the transactions topic. */
  public static final String AVRO_SCHEMA =
      """
      {"type":"record","name":"Transaction","namespace":"dev.quiver.test","fields":[
        {"name":"txn_id","type":"string"},
        {"name":"user_id","type":["null","string"],"default":null},
        {"name":"merchant","type":"string"},
        {"name":"amount","type":["double","string",
          {"type":"bytes","logicalType":"decimal","precision":12,"scale":2}]},
        {"name":"ts","type":["null",{"type":"long","logicalType":"timestamp-millis"}]}]}
      """;

  public static final int AVRO_SCHEMA_ID = 17;

  private SourceEncodings() {}

  /**
   * Debezium envelopes: creates, snapshot reads and updates (half of them in the schema/payload
   * wrapper with MicroTimestamp times), the original malformed records (bad JSON or no {@code op}),
   * plus deletes, envelopes without an {@code after} row and re-sent changes.
   */
  public static List<Record> debezium(List<Record> log, long seed) {
    Random r = new Random(seed);
    Map<Record, Record> done = new IdentityHashMap<>();
    List<Record> out = new ArrayList<>();
    for (Record rec : log) {
      Record enc = done.get(rec);
      if (enc == null) {
        enc = rec.txn() == null ? rec : debeziumRow(rec.txn(), r);
        done.put(rec, enc);
      }
      out.add(enc);
      double p = r.nextDouble();
      if (p < 0.015 && rec.txn() != null) {
        String before = afterJson(rec.txn(), false);
        out.add(kind(envelope("d", before, "null", rec.txn().ts()), DELETE));
      } else if (p < 0.02) {
        out.add(kind(envelope("c", "null", "null", 0), "no after"));
      } else if (p < 0.05 && rec.txn() != null) {
        out.add(enc); // at-least-once delivery: a restarted connector re-sends the change
      }
    }
    return out;
  }

  private static Record debeziumRow(Txn t, Random r) {
    String op =
        switch (r.nextInt(4)) {
          case 0 -> "r";
          case 1 -> "u";
          default -> "c";
        };
    boolean wrapped = r.nextBoolean();
    String before = op.equals("u") ? afterJson(t, false).replace("\"m", "\"old-m") : "null";
    String env = envelope(op, before, afterJson(t, wrapped), t.ts());
    if (wrapped) {
      env =
          "{\"schema\":{\"type\":\"struct\",\"name\":\"pg.public.txn.Envelope\",\"fields\":["
              + "{\"field\":\"before\",\"type\":\"struct\",\"optional\":true},"
              + "{\"field\":\"after\",\"type\":\"struct\",\"optional\":true,\"fields\":["
              + "{\"field\":\"txn_id\",\"type\":\"string\"},"
              + "{\"field\":\"user_id\",\"type\":\"string\"},"
              + "{\"field\":\"merchant\",\"type\":\"string\"},"
              + "{\"field\":\"amount\",\"type\":\"bytes\","
              + "\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
              + "\"parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"12\"}},"
              + "{\"field\":\"ts\",\"type\":\"int64\",\"name\":\"io.debezium.time.MicroTimestamp\"}"
              + "]},{\"field\":\"op\",\"type\":\"string\"}]},\"payload\":"
              + env
              + "}";
    }
    return new Record(env.getBytes(StandardCharsets.UTF_8), t, null);
  }

  /**
   * The row image; {@code wrapped}: as Debezium writes it with the schema wrapper and its defaults,
   * ts as epoch microseconds and amount as a Connect Decimal (Base64 of the unscaled value, scale
   * 2), else ts as ISO-8601 text and amount as a JSON number ({@code
   * decimal.handling.mode=double}).
   */
  private static String afterJson(Txn t, boolean wrapped) {
    String ts =
        wrapped ? Long.toString(t.ts() * 1000 + 456) : "\"" + Instant.ofEpochMilli(t.ts()) + "\"";
    String amount =
        wrapped
            ? "\"" + Base64.getEncoder().encodeToString(unscaledCents(t)) + "\""
            : "" + t.amount();
    return "{\"txn_id\":\""
        + t.txnId()
        + "\",\"user_id\":\""
        + t.userId()
        + "\",\"merchant\":\""
        + t.merchant()
        + "\",\"amount\":"
        + amount
        + ",\"ts\":"
        + ts
        + "}";
  }

  private static String envelope(String op, String before, String after, long tsMs) {
    return "{\"before\":"
        + before
        + ",\"after\":"
        + after
        + ",\"source\":{\"version\":\"2.7.0.Final\",\"connector\":\"postgresql\",\"db\":\"shop\","
        + "\"table\":\"txn\",\"ts_ms\":"
        + tsMs
        + "},\"op\":\""
        + op
        + "\",\"ts_ms\":"
        + (tsMs + 5)
        + ",\"transaction\":null}";
  }

  /**
   * Avro in the Confluent wire format (magic byte 0, schema id {@link #AVRO_SCHEMA_ID}); each
   * original malformed record becomes its Avro counterpart: undecodable bytes, a null user_id, a
   * null event time, or the amount as a string.
   */
  public static List<Record> avro(List<Record> log) {
    Schema schema = new Schema.Parser().parse(AVRO_SCHEMA);
    Map<Record, Record> done = new IdentityHashMap<>();
    List<Record> out = new ArrayList<>();
    int bad = 0;
    for (Record rec : log) {
      Record enc = done.get(rec);
      if (enc == null) {
        if (rec.txn() != null) {
          enc = new Record(confluent(avroTxn(schema, rec.txn())), rec.txn(), null);
        } else {
          Txn x = new Txn("bad" + bad++, "u1", "m1", 1.0, Transactions.T0.toEpochMilli());
          GenericRecord g = avroTxn(schema, x);
          byte[] bytes;
          switch (rec.malformedKind()) {
            case "bad JSON" -> bytes = Arrays.copyOf(confluent(g), 9); // truncated mid-record
            case "missing key" -> {
              g.put("user_id", null);
              bytes = confluent(g);
            }
            case "missing event time" -> {
              g.put("ts", null);
              bytes = confluent(g);
            }
            default -> {
              g.put("amount", "12.5");
              bytes = confluent(g);
            }
          }
          enc = new Record(bytes, null, rec.malformedKind());
        }
        done.put(rec, enc);
      }
      out.add(enc);
    }
    return out;
  }

  /** The amount's unscaled value at scale 2, as a decimal's two's-complement bytes. */
  private static byte[] unscaledCents(Txn t) {
    return java.math.BigInteger.valueOf(Math.round(t.amount() * 100)).toByteArray();
  }

  private static GenericRecord avroTxn(Schema schema, Txn t) {
    GenericRecord g = new GenericData.Record(schema);
    g.put("txn_id", t.txnId());
    g.put("user_id", t.userId());
    g.put("merchant", t.merchant());
    // every other transaction as a decimal (Debezium's Avro default for NUMERIC), the rest double
    g.put(
        "amount",
        t.txnId().hashCode() % 2 == 0 ? ByteBuffer.wrap(unscaledCents(t)) : (Object) t.amount());
    g.put("ts", t.ts());
    return g;
  }

  private static byte[] confluent(GenericRecord g) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(0);
      out.write(ByteBuffer.allocate(4).putInt(AVRO_SCHEMA_ID).array());
      BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
      new GenericDatumWriter<GenericRecord>(g.getSchema()).write(g, enc);
      enc.flush();
      return out.toByteArray();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Record kind(String json, String kind) {
    return new Record(json.getBytes(StandardCharsets.UTF_8), null, kind);
  }
}
