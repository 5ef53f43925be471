package dev.quiver.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.SourceField;
import dev.quiver.jobs.ingest.EventParser.MalformedEventException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

class DebeziumJsonParserTest {
  private final EventSchema schema =
      new EventSchema(
          List.of(
              new SourceField("txn_id", FeatureType.STRING),
              new SourceField("user_id", FeatureType.STRING),
              new SourceField("amount", FeatureType.FLOAT64),
              new SourceField("ts", FeatureType.TIMESTAMP)),
          "ts",
          List.of("user_id"),
          "txn_id");
  private final DebeziumJsonParser parser = new DebeziumJsonParser(schema);

  private Row decode(String json) throws Exception {
    return parser.decode(new RawEvent("t", 0, 5, 1000L, json.getBytes(StandardCharsets.UTF_8)));
  }

  private static String envelope(String op, String before, String after) {
    return "{\"before\":"
        + before
        + ",\"after\":"
        + after
        + ",\"op\":\""
        + op
        + "\",\"ts_ms\":1700000000123,\"source\":{\"connector\":\"postgresql\",\"table\":\"txn\"}}";
  }

  private static final String ROW =
      "{\"txn_id\":\"a\",\"user_id\":\"u1\",\"amount\":12.5,\"ts\":\"2026-01-02T03:04:05Z\"}";

  @Test
  void createsReadsAndUpdatesMaterializeTheAfterRow() throws Exception {
    long ms = Instant.parse("2026-01-02T03:04:05Z").toEpochMilli();
    for (String op : List.of("c", "r", "u")) {
      Row r = decode(envelope(op, op.equals("u") ? ROW.replace("12.5", "1.0") : "null", ROW));
      assertThat(r.getField(0)).isEqualTo("a");
      assertThat(r.getField(1)).isEqualTo("u1");
      assertThat(r.getField(2)).isEqualTo(12.5);
      assertThat(r.getField(5)).isEqualTo(ms);
      assertThat(r.getField(6)).isEqualTo(5L);
    }
  }

  @Test
  void unwrapsTheConnectSchemaPayloadWrapperAndConvertsMicroTimestamps() throws Exception {
    long ms = Instant.parse("2026-01-02T03:04:05.678Z").toEpochMilli();
    String after =
        "{\"txn_id\":\"a\",\"user_id\":\"u1\",\"amount\":3,\"ts\":" + (ms * 1000 + 999) + "}";
    String wrapped =
        "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"before\",\"type\":\"struct\"},"
            + "{\"field\":\"after\",\"type\":\"struct\",\"fields\":["
            + "{\"field\":\"txn_id\",\"type\":\"string\"},"
            + "{\"field\":\"ts\",\"type\":\"int64\",\"name\":\"io.debezium.time.MicroTimestamp\"}]}]},"
            + "\"payload\":"
            + envelope("c", "null", after)
            + "}";
    Row r = decode(wrapped);
    assertThat(r.getField(2)).isEqualTo(3.0);
    assertThat(r.getField(3)).isEqualTo(Instant.ofEpochMilli(ms));
    assertThat(r.getField(5)).isEqualTo(ms);
  }

  /** A wrapped envelope whose after.amount has {@code amountSchema}. */
  private static String wrappedWithAmount(String amountSchema, String amount) {
    String after =
        "{\"txn_id\":\"a\",\"user_id\":\"u1\",\"amount\":"
            + amount
            + ",\"ts\":\"2026-01-02T03:04:05Z\"}";
    return "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"after\","
        + "\"type\":\"struct\",\"fields\":["
        + amountSchema
        + "]}]},\"payload\":"
        + envelope("c", "null", after)
        + "}";
  }

  /**
   * Debezium's default decimal.handling.mode=precise writes NUMERIC columns as Connect Decimals
   * (Base64 of the unscaled value) or, without a declared scale, VariableScaleDecimal structs; a
   * FLOAT64 column reads the nearest double (session 13 QA pass: every such event was a dead letter
   * "wrong type for 'amount': declared FLOAT64, got JSON STRING").
   */
  @Test
  void connectDecimalsAreReadAsFloats() throws Exception {
    String decimal =
        "{\"field\":\"amount\",\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\","
            + "\"version\":1,\"parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"10\"}}";
    // 1234567 = 0x12D687 -> "EtaH"; -1250 = 0xFB1E -> "+x4="
    assertThat(decode(wrappedWithAmount(decimal, "\"EtaH\"")).getField(2)).isEqualTo(12345.67);
    assertThat(decode(wrappedWithAmount(decimal, "\"+x4=\"")).getField(2)).isEqualTo(-12.5);
    String variable =
        "{\"field\":\"amount\",\"type\":\"struct\",\"name\":\"io.debezium.data.VariableScaleDecimal\"}";
    assertThat(decode(wrappedWithAmount(variable, "{\"scale\":3,\"value\":\"EtaH\"}")).getField(2))
        .isEqualTo(1234.567);
    MalformedEventException bad =
        catchThrowableOfType(
            MalformedEventException.class,
            () -> decode(wrappedWithAmount(decimal, "\"not base64!\"")));
    assertThat(bad.reason()).isEqualTo(DeadLetter.MALFORMED);
    assertThat(bad.getMessage())
        .startsWith(
            "wrong type for 'amount': tagged org.apache.kafka.connect.data.Decimal, got 'not"
                + " base64!' (");
  }

  @Test
  void eventTimeMayComeFromTheEnvelopesTsMs() throws Exception {
    EventSchema bySource =
        new EventSchema(
            List.of(
                new SourceField("user_id", FeatureType.STRING),
                new SourceField("ts_ms", FeatureType.INT64)),
            "ts_ms",
            List.of("user_id"),
            null);
    Row r =
        new DebeziumJsonParser(bySource)
            .decode(
                new RawEvent(
                    "t",
                    0,
                    1,
                    0,
                    envelope("c", "null", "{\"user_id\":\"u\"}").getBytes(StandardCharsets.UTF_8)));
    assertThat(r.getField(1)).isEqualTo(1700000000123L);
  }

  @Test
  void deletesTruncatesMessagesAndTombstonesAreNotMaterialized() {
    // op 'm': a logical-decoding message (PostgreSQL's pg_logical_emit_message), which has no row
    String message =
        "{\"op\":\"m\",\"ts_ms\":1,\"message\":{\"prefix\":\"audit\",\"content\":\"eA==\"}}";
    for (String value :
        List.of(envelope("d", ROW, "null"), "{\"op\":\"t\",\"ts_ms\":1}", message, "")) {
      MalformedEventException e =
          catchThrowableOfType(MalformedEventException.class, () -> decode(value));
      assertThat(e).as(value).isNotNull();
      assertThat(e.reason()).isEqualTo(DeadLetter.NOT_MATERIALIZED);
      assertThat(e.getMessage()).contains("not materialized");
    }
  }

  @Test
  void malformedEnvelopesAndRowsNameTheProblem() {
    assertMalformed("{\"after\":", "bad JSON");
    assertMalformed("{\"after\":" + ROW + "}", "missing 'op'");
    assertMalformed(envelope("x", "null", ROW), "unknown op 'x'");
    assertMalformed(envelope("c", "null", "null"), "op 'c' without an 'after' object");
    assertMalformed(envelope("u", ROW, "[1]"), "op 'u' without an 'after' object");
    assertMalformed(
        envelope("c", "null", ROW.replace("\"user_id\":\"u1\",", "")), "missing key 'user_id'");
    assertMalformed(
        envelope("c", "null", ROW.replace("12.5", "\"12.5\"")),
        "wrong type for 'amount': declared FLOAT64, got JSON STRING");
    assertMalformed(
        envelope("c", "null", ROW.replace("\"2026-01-02T03:04:05Z\"", "null")),
        "missing event time 'ts'");
    // a field given twice, in the row or in the envelope (session 12 QA pass: the last was kept)
    assertMalformed(
        envelope(
            "c",
            "null",
            ROW.replace("\"user_id\":\"u1\",", "\"user_id\":\"u1\",\"user_id\":\"u2\",")),
        "bad JSON: duplicate field 'user_id'");
    assertMalformed(
        envelope("c", "null", ROW).replace("\"op\":\"c\"", "\"op\":\"c\",\"op\":\"d\""),
        "bad JSON: duplicate field 'op'");
  }

  private void assertMalformed(String value, String message) {
    MalformedEventException e =
        catchThrowableOfType(MalformedEventException.class, () -> decode(value));
    assertThat(e).as(value).isNotNull();
    assertThat(e.reason()).isEqualTo(DeadLetter.MALFORMED);
    assertThat(e.getMessage()).contains(message);
  }
}
