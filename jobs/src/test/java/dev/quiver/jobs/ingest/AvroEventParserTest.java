package dev.quiver.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.jobs.ingest.EventParser.MalformedEventException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AvroEventParserTest {
  static final String SCHEMA =
      """
      {"type":"record","name":"Txn","namespace":"test","fields":[
        {"name":"txn_id","type":"string"},
        {"name":"user_id","type":["null","string"]},
        {"name":"amount","type":["null","double","string"]},
        {"name":"qty","type":"int"},
        {"name":"tags","type":{"type":"array","items":"string"}},
        {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["CARD","CASH"]}},
        {"name":"ts","type":{"type":"long","logicalType":"timestamp-micros"}}]}
      """;
  static final Schema WRITER = new Schema.Parser().parse(SCHEMA);

  private final EventSchema schema =
      new EventSchema(
          List.of(
              new SourceField("txn_id", FeatureType.STRING),
              new SourceField("user_id", FeatureType.STRING),
              new SourceField("amount", FeatureType.FLOAT64),
              new SourceField("qty", FeatureType.INT64),
              new SourceField("tags", FeatureType.arrayOf(FeatureType.Scalar.STRING)),
              new SourceField("kind", FeatureType.STRING),
              new SourceField("ts", FeatureType.TIMESTAMP)),
          "ts",
          List.of("user_id"),
          "txn_id");

  /**
   * An event time in epoch milliseconds (2026-01-01T00:00:00Z): the job refuses event times before
   * 1973, where epoch seconds land, so the tests' events carry a real one.
   */
  static final long T_MS = 1_767_225_600_000L;

  static final long T_MICROS = T_MS * 1000;

  static GenericRecord txn(String user, Object amount, long tsMicros) {
    GenericRecord r = new GenericData.Record(WRITER);
    r.put("txn_id", "t1");
    r.put("user_id", user);
    r.put("amount", amount);
    r.put("qty", 3);
    r.put("tags", List.of("a", "b"));
    r.put("kind", new GenericData.EnumSymbol(WRITER.getField("kind").schema(), "CASH"));
    r.put("ts", tsMicros);
    return r;
  }

  static byte[] encode(GenericRecord r, Integer confluentId) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (confluentId != null) {
      out.write(0);
      out.write(ByteBuffer.allocate(4).putInt(confluentId).array());
    }
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
    enc.flush();
    return out.toByteArray();
  }

  private static RawEvent raw(byte[] b) {
    return new RawEvent("t", 1, 9, 2000L, b);
  }

  /**
   * A bytes or fixed {@code decimal} (Debezium's Avro default for NUMERIC columns) reads as the
   * nearest float in a FLOAT64 or FLOAT32 column (session 13 QA pass: every such event was a dead
   * letter "wrong type for 'amount': declared FLOAT64, got Avro BYTES (decimal)").
   */
  @Test
  void decimalsAreReadAsFloats() throws Exception {
    Schema writer =
        new Schema.Parser()
            .parse(
                """
                {"type":"record","name":"Dec","namespace":"test","fields":[
                  {"name":"user_id","type":"string"},
                  {"name":"amount","type":["null",
                    {"type":"bytes","logicalType":"decimal","precision":10,"scale":2}]},
                  {"name":"rate","type":{"type":"fixed","name":"Rate","size":8,
                    "logicalType":"decimal","precision":18,"scale":4}},
                  {"name":"ts","type":"long"}]}
                """);
    EventSchema decimals =
        new EventSchema(
            List.of(
                new SourceField("user_id", FeatureType.STRING),
                new SourceField("amount", FeatureType.FLOAT64),
                new SourceField("rate", FeatureType.FLOAT32),
                new SourceField("ts", FeatureType.TIMESTAMP)),
            "ts",
            List.of("user_id"),
            null);
    GenericRecord r = new GenericData.Record(writer);
    r.put("user_id", "u1");
    r.put("amount", ByteBuffer.wrap(java.math.BigInteger.valueOf(-1234567).toByteArray()));
    byte[] rate = ByteBuffer.allocate(8).putLong(15_000).array(); // 1.5000
    r.put("rate", new GenericData.Fixed(writer.getField("rate").schema(), rate));
    r.put("ts", T_MS);
    Row row = new AvroEventParser(decimals, writer, false, null).decode(raw(encode(r, null)));
    assertThat(row.getField(1)).isEqualTo(-12345.67);
    assertThat(row.getField(2)).isEqualTo(1.5f);
  }

  @Test
  void decodesEveryTypeInPlainAndConfluentFraming() throws Exception {
    long ms = Instant.parse("2026-01-02T03:04:05.678Z").toEpochMilli();
    GenericRecord rec = txn("u1", 12.5, ms * 1000 + 321);
    for (Integer id : Arrays.asList(null, 7)) {
      AvroEventParser p = new AvroEventParser(schema, WRITER, id != null, id);
      Row r = p.decode(raw(encode(rec, id)));
      assertThat(r.getField(0)).isEqualTo("t1");
      assertThat(r.getField(1)).isEqualTo("u1");
      assertThat(r.getField(2)).isEqualTo(12.5);
      assertThat(r.getField(3)).isEqualTo(3L);
      assertThat((String[]) r.getField(4)).containsExactly("a", "b");
      assertThat(r.getField(5)).isEqualTo("CASH");
      assertThat(r.getField(6)).isEqualTo(Instant.ofEpochMilli(ms));
      assertThat(r.getField(8)).isEqualTo(ms);
      assertThat(r.getField(9)).isEqualTo(9L);
      // the decoder reuses its record: a second event must not see the first one's values
      Row second = p.decode(raw(encode(txn("u2", null, T_MICROS + 5000), id)));
      assertThat(second.getField(1)).isEqualTo("u2");
      assertThat(second.getField(2)).isNull();
      assertThat(second.getField(8)).isEqualTo(T_MS + 5);
    }
  }

  @Test
  void wrongTypesMissingKeysAndBadBytesAreMalformed() throws Exception {
    AvroEventParser p = new AvroEventParser(schema, WRITER, false, null);
    assertMalformed(
        p,
        encode(txn("u1", "12.5", T_MICROS), null),
        "wrong type for 'amount': declared FLOAT64, got Avro STRING");
    assertMalformed(p, encode(txn(null, 1.0, 0), null), "missing key 'user_id'");
    byte[] good = encode(txn("u1", 1.0, T_MICROS), null);
    assertMalformed(
        p,
        Arrays.copyOf(good, good.length - 3),
        "bad Avro: the record ends early, after "
            + (good.length - 3)
            + " bytes (truncated, or written with another schema?)");
    byte[] longer = Arrays.copyOf(good, good.length + 2);
    assertMalformed(p, longer, "trailing bytes");
    assertMalformed(p, "{\"txn_id\":\"json\"}".getBytes(), "bad Avro");
    // Avro doubles carry NaN and infinities (JSON cannot): each would poison the window's sums
    for (double bad :
        new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      assertMalformed(
          p,
          encode(txn("u1", bad, T_MICROS), null),
          "out of range for 'amount': " + bad + " is not a finite number");
    }
    assertThat(p.decode(raw(encode(txn("u1", Double.MAX_VALUE, T_MICROS), null))).getField(2))
        .isEqualTo(Double.MAX_VALUE);

    AvroEventParser confluent = new AvroEventParser(schema, WRITER, true, 7);
    assertMalformed(confluent, good, "not in the Confluent wire format");
    assertMalformed(confluent, encode(txn("u1", 1.0, T_MICROS), 8), "written with schema id 8");
    // a tombstone (null value, received as no bytes) says so; it read "bad Avro: EOFException"
    assertMalformed(
        p,
        new byte[0],
        "no value (a Kafka tombstone or an empty record; expected: an Avro record of schema"
            + " test.Txn, deletes are read from a debezium-json source)");
    assertMalformed(
        confluent,
        new byte[0],
        "no value (a Kafka tombstone or an empty record; expected: an Avro record of schema"
            + " test.Txn in the Confluent wire format, deletes are read from a debezium-json"
            + " source)");
  }

  private static void assertMalformed(AvroEventParser p, byte[] bytes, String message) {
    MalformedEventException e =
        catchThrowableOfType(MalformedEventException.class, () -> p.decode(raw(bytes)));
    assertThat(e).as(message).isNotNull();
    assertThat(e.reason()).isEqualTo(DeadLetter.MALFORMED);
    assertThat(e.getMessage()).contains(message);
  }

  @Test
  void aDeclaredColumnMissingFromTheWriterSchemaIsRefusedUpFront() {
    EventSchema more =
        new EventSchema(
            List.of(
                new SourceField("user_id", FeatureType.STRING),
                new SourceField("country", FeatureType.STRING),
                new SourceField("ts", FeatureType.TIMESTAMP)),
            "ts",
            List.of("user_id"),
            null);
    assertThatThrownBy(() -> new AvroEventParser(more, WRITER, false, null))
        .hasMessageContaining(
            "options.avro_schema: the writer schema test.Txn has no field 'country'");
  }

  @Test
  void sourceFormatReadsTheSchemaFileOnceAndChecksOptions(@TempDir Path tmp) throws Exception {
    Path avsc = tmp.resolve("txn.avsc");
    Files.writeString(avsc, SCHEMA);
    SourceFormat f =
        SourceFormat.of(
            source(
                Map.of(
                    "format",
                    "avro",
                    "avro_schema_file",
                    avsc.toString(),
                    "avro_wire_format",
                    "confluent",
                    "avro_schema_id",
                    "7")));
    Files.delete(avsc); // the format carries the schema text, the file is no longer needed
    assertThat(f.confluentWire()).isTrue();
    assertThat(f.avroSchemaId()).isEqualTo(7);
    Row r = f.decoder(schema).decode(raw(encode(txn("u1", 2.0, T_MICROS + 1000), 7)));
    assertThat(r.getField(2)).isEqualTo(2.0);
    assertThat(SourceFormat.of(source(Map.of("format", "debezium-json"))).decoder(schema))
        .isInstanceOf(DebeziumJsonParser.class);

    assertThatThrownBy(() -> SourceFormat.of(source(Map.of("format", "avro"))))
        .hasMessageContaining("sources.transactions.options.avro_schema: missing");
    assertThatThrownBy(
            () -> SourceFormat.of(source(Map.of("format", "avro", "avro_schema", "{\"type\":"))))
        .hasMessageContaining("not a valid Avro schema");
    assertThatThrownBy(
            () ->
                SourceFormat.of(
                    source(Map.of("format", "avro", "avro_schema_file", tmp + "/none.avsc"))))
        .hasMessageContaining("avro_schema_file: cannot read");
    assertThatThrownBy(() -> SourceFormat.of(source(Map.of("format", "protobuf"))))
        .hasMessageContaining("options.format: 'protobuf' is not a supported format");
  }

  private static Source source(Map<String, String> options) {
    Map<String, String> o = new java.util.HashMap<>(options);
    o.put("topic", "t");
    return new Source(
        "default",
        "transactions",
        "kafka",
        List.of(new SourceField("ts", FeatureType.TIMESTAMP)),
        "ts",
        null,
        Duration.ZERO,
        o);
  }
}
