package dev.quiver.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.SourceField;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

class EventParserTest {
  private final EventSchema schema =
      new EventSchema(
          List.of(
              new SourceField("txn_id", FeatureType.STRING),
              new SourceField("user_id", FeatureType.STRING),
              new SourceField("amount", FeatureType.FLOAT64),
              new SourceField("qty", FeatureType.INT32),
              new SourceField("tags", FeatureType.arrayOf(FeatureType.Scalar.STRING)),
              new SourceField("ts", FeatureType.TIMESTAMP)),
          "ts",
          List.of("user_id"),
          "txn_id");
  private final EventParser parser = new EventParser(schema);

  private Row parse(String json) throws Exception {
    return parser.parse(new RawEvent("t", 2, 17, 1000L, json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void parsesEveryTypeAndSetsMetadata() throws Exception {
    Row r =
        parse(
            "{\"txn_id\":\"a\",\"user_id\":\"u\",\"amount\":1.5,\"qty\":3,\"tags\":[\"x\",\"y\"],"
                + "\"ts\":\"2026-01-02T03:04:05.123Z\"}");
    long ms = Instant.parse("2026-01-02T03:04:05.123Z").toEpochMilli();
    assertThat(r.getField(0)).isEqualTo("a");
    assertThat(r.getField(2)).isEqualTo(1.5);
    assertThat(r.getField(3)).isEqualTo(3);
    assertThat((String[]) r.getField(4)).containsExactly("x", "y");
    assertThat(r.getField(6)).isEqualTo(Instant.ofEpochMilli(ms));
    assertThat(r.getField(7)).isEqualTo(ms);
    assertThat(r.getField(8)).isEqualTo(17L);
    assertThat(r.getField(9)).isEqualTo(2);
    assertThat(r.getField(10)).isEqualTo(Instant.ofEpochMilli(1000));
  }

  /**
   * A wrong element of a list names the element: it read "declared STRING, got JSON NUMBER" for a
   * column declared ARRAY<STRING>, as if the list itself had the wrong type (own-use-case pass: an
   * embedding ["a"] in an ARRAY<FLOAT32> column was "declared FLOAT32").
   */
  @Test
  void aWrongListElementIsNamedWithItsIndex() {
    assertThatThrownBy(
            () ->
                parse(
                    "{\"txn_id\":\"a\",\"user_id\":\"u\",\"tags\":[\"x\",7],"
                        + "\"ts\":\"2026-01-02T03:04:05Z\"}"))
        .isInstanceOf(EventParser.MalformedEventException.class)
        .hasMessage("wrong type for 'tags[1]': declared STRING, got JSON NUMBER");
    assertThatThrownBy(() -> parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"tags\":\"x\",\"ts\":5}"))
        .hasMessage("wrong type for 'tags': declared ARRAY<STRING>, got JSON STRING");
  }

  @Test
  void acceptsEpochMillisAndZonelessTimestamps() throws Exception {
    assertThat(parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":1732665600005}").getField(7))
        .isEqualTo(1732665600005L);
    assertThat(
            parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":\"2024-11-27 00:00:01\"}")
                .getField(7))
        .isEqualTo(1732665601000L);
  }

  /**
   * An offset without a colon ({@code +0000}, ISO-8601's basic form) is what Python's {@code
   * strftime('%z')}, Java's {@code SimpleDateFormat} {@code Z} and many loggers write; it was
   * malformed ("is not a timestamp"), so every event of such a producer was a dead letter (session
   * 17 QA pass).
   */
  @Test
  void acceptsAnOffsetWithoutAColon() throws Exception {
    assertThat(EventParser.parseInstant("ts", "2026-11-29T00:47:00+0000"))
        .isEqualTo(Instant.parse("2026-11-29T00:47:00Z"));
    assertThat(EventParser.parseInstant("ts", "2026-11-29T01:47:00.250+0100"))
        .isEqualTo(Instant.parse("2026-11-29T00:47:00.250Z"));
    assertThat(EventParser.parseInstant("ts", "2026-11-28T22:17:00-0230"))
        .isEqualTo(Instant.parse("2026-11-29T00:47:00Z"));
    assertThat(EventParser.parseInstant("ts", "2026-11-29 00:47:00+0000"))
        .isEqualTo(Instant.parse("2026-11-29T00:47:00Z"));
    assertThatThrownBy(() -> EventParser.parseInstant("ts", "2026-11-29T00:47:00+00000"))
        .hasMessageContaining("is not a timestamp");
  }

  /**
   * Epoch milliseconds sent as text ({@code "ts":"1732665600000"}, as JavaScript and many
   * connectors write them) are malformed, like any number given as text; the detail said "is not a
   * timestamp (expected ISO-8601 ..., or epoch milliseconds)", which is what the producer believed
   * it had sent. It now names the fix: the same digits as a number.
   */
  @Test
  void epochMillisAsTextNameTheFix() {
    assertThatThrownBy(() -> parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":\"1732665600000\"}"))
        .isInstanceOf(EventParser.MalformedEventException.class)
        .hasMessage(
            "wrong type for 'ts': '1732665600000' is text; epoch milliseconds are read from a"
                + " number only (expected: 1732665600000 as a number, not a string, or ISO-8601"
                + " text such as 2024-11-27T00:00:00Z)");
    assertThatThrownBy(() -> EventParser.parseInstant("ts", " 86400000 "))
        .hasMessage(
            "wrong type for 'ts': ' 86400000 ' is text; epoch milliseconds are read from a number"
                + " only (expected: 86400000 as a number, not a string, or ISO-8601 text such as"
                + " 1970-01-02T00:00:00Z)");
    // other text keeps its detail
    assertThatThrownBy(() -> EventParser.parseInstant("ts", "12:30"))
        .hasMessage(
            "wrong type for 'ts': '12:30' is not a timestamp (expected ISO-8601 such as"
                + " 2026-01-02T03:04:05Z, or epoch milliseconds)");
  }

  @Test
  void namesWhatIsWrong() {
    assertThatThrownBy(() -> parse("{\"txn_id\":")).hasMessageStartingWith("bad JSON");
    // Jackson's "[Source: REDACTED (`StreamReadFeature...` disabled); line: 1, column: 1]" is
    // written as the position alone (session 11 QA pass)
    assertThatThrownBy(() -> parse("{\"txn_id\": [1, 2}"))
        .hasMessage(
            "bad JSON: Unexpected close marker '}': expected ']' (for Array starting at line 1,"
                + " column 12)");
    assertThatThrownBy(() -> parse("[1]")).hasMessageContaining("expected an object");
    // a tombstone (null value, received as no bytes) says so; it read "bad JSON: expected an
    // object, got MISSING"
    assertThatThrownBy(() -> parse(""))
        .hasMessage(
            "no value (a Kafka tombstone or an empty record; expected: a JSON object, deletes are"
                + " read from a debezium-json source)");
    assertThatThrownBy(() -> parse("{\"txn_id\":\"a\",\"ts\":1732665600000}"))
        .hasMessage("missing key 'user_id'");
    assertThatThrownBy(() -> parse("{\"txn_id\":\"a\",\"user_id\":\"u\"}"))
        .hasMessage("missing event time 'ts'");
    assertThatThrownBy(() -> parse("{\"user_id\":\"u\",\"ts\":1732665600000}"))
        .hasMessage("missing dedup key 'txn_id'");
    assertThatThrownBy(
            () ->
                parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":1732665600000,\"amount\":\"1\"}"))
        .hasMessage("wrong type for 'amount': declared FLOAT64, got JSON STRING");
    assertThatThrownBy(
            () -> parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":1732665600000,\"qty\":1.5}"))
        .hasMessage(
            "wrong type for 'qty': declared INT32, got the number 1.5 (expected: a whole number)");
    assertThatThrownBy(() -> parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":\"yesterday\"}"))
        .hasMessageContaining("'yesterday' is not a timestamp");
  }

  /**
   * A number that is not a whole number, or a whole number beyond the declared integer type, names
   * the value (session 17 QA pass): both read "declared INT32, got JSON NUMBER", which told the
   * producer nothing about what was wrong with a number where a number was declared.
   */
  @Test
  void namesTheNumberThatDoesNotFitAnIntegerOrTimeColumn() {
    assertThatThrownBy(
            () ->
                parse(
                    "{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":1732665600000,\"qty\":3000000000}"))
        .hasMessage(
            "out of range for 'qty': 3000000000 is beyond the range of INT32 (-2147483648 to"
                + " 2147483647)");
    assertThatThrownBy(() -> parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":1.7e12}"))
        .hasMessage(
            "wrong type for 'ts': declared TIMESTAMP, got the number 1.7E12 (expected: epoch"
                + " milliseconds as a whole number, or ISO-8601 text such as"
                + " 2026-01-02T03:04:05Z)");
    assertThatThrownBy(
            () -> parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":99999999999999999999}"))
        .hasMessageStartingWith("out of range for 'ts': 99999999999999999999 is beyond");
  }

  /**
   * Times outside years 0000 to 9999 are malformed (session 12 QA pass): an ISO year of 999999999
   * threw an ArithmeticException ("long overflow") out of the parser, which failed the job again on
   * every restart, and epoch microseconds sent as milliseconds were accepted as the year 58,878,
   * moving the partition's watermark past every later event.
   */
  @Test
  void refusesTimesOutsideYearsZeroTo9999() throws Exception {
    assertThatThrownBy(
            () ->
                parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":\"+999999999-12-31T23:59:59Z\"}"))
        .isInstanceOf(EventParser.MalformedEventException.class)
        .hasMessage(
            "out of range for 'ts': +999999999-12-31T23:59:59Z is not in the years 0000 to 9999"
                + " (an epoch number is milliseconds, not micro- or nanoseconds)");
    assertThatThrownBy(() -> parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":1795846358511000}"))
        .isInstanceOf(EventParser.MalformedEventException.class)
        .hasMessageStartingWith("out of range for 'ts': +58878-02-07T18:41:51Z is not");
    assertThatThrownBy(() -> parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":-62167219200001}"))
        .hasMessageStartingWith("out of range for 'ts': -0001-12-31T23:59:59.999Z");
    // the edges themselves are accepted
    assertThat(
            parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":\"9999-12-31T23:59:59.999Z\"}")
                .getField(7))
        .isEqualTo(Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli());
    // (year 0000 is in range, but not as an event time: see refusesEventTimesBefore1970)
    // an INT64 event-time column (epoch milliseconds) is held to the same range
    EventSchema longTime =
        new EventSchema(
            List.of(
                new SourceField("user_id", FeatureType.STRING),
                new SourceField("ts", FeatureType.INT64)),
            "ts",
            List.of("user_id"),
            null);
    assertThatThrownBy(
            () ->
                new EventParser(longTime)
                    .parse(
                        new RawEvent(
                            "t",
                            0,
                            0,
                            0L,
                            "{\"user_id\":\"u\",\"ts\":1795846358511000}"
                                .getBytes(StandardCharsets.UTF_8))))
        .hasMessageStartingWith("out of range for 'ts': +58878-02-07T18:41:51Z is not");
  }

  /**
   * An event time before 1970 is malformed (session 13 QA pass): the online store keeps versions by
   * epoch milliseconds >= 0 (HBase refuses negative cell timestamps), so the first event of a
   * partition timed 1969 failed the online sink, and the job again on every restart. Other
   * TIMESTAMP columns keep the years 0000 to 9999.
   */
  @Test
  void refusesEventTimesBefore1970() throws Exception {
    assertThatThrownBy(
            () -> parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":\"1969-12-31T23:59:59Z\"}"))
        .isInstanceOf(EventParser.MalformedEventException.class)
        .hasMessage(
            "out of range for event time 'ts': 1969-12-31T23:59:59Z is before"
                + " 1970-01-01T00:00:00Z (expected: an event time from 1970 on; the online store"
                + " keeps versions by epoch milliseconds)");
    assertThatThrownBy(() -> parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":-62167219200000}"))
        .hasMessageStartingWith("out of range for event time 'ts': 0000-01-01T00:00:00Z is before");
  }

  /**
   * A producer writing epoch seconds had every event read as milliseconds in January 1970:
   * accepted, materialized there, and never found by a lookup of now. Refused, with the fix.
   */
  @Test
  void refusesEpochSecondsEventTimesNamingTheFix() throws Exception {
    assertThatThrownBy(() -> parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":1732665600}"))
        .isInstanceOf(EventParser.MalformedEventException.class)
        .hasMessage(
            "out of range for event time 'ts': 1970-01-21T01:17:45.600Z (epoch milliseconds"
                + " 1732665600) is before 1973-03-03T09:46:40Z, the earliest event time accepted,"
                + " where epoch seconds read as milliseconds land (expected: epoch milliseconds or"
                + " ISO-8601 text; if the producer writes epoch seconds, multiply by 1000:"
                + " 1732665600000 is 2024-11-27T00:00:00Z)");
    assertThat(parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":1732665600000}").getField(7))
        .isEqualTo(1732665600000L);
    assertThat(parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":100000000000}").getField(7))
        .isEqualTo(dev.quiver.core.offline.OfflineTimes.MIN_PLAUSIBLE_MILLIS);
  }

  /** A number beyond the float type's range was read as Infinity (session 12 QA pass). */
  @Test
  void refusesNumbersBeyondTheFloatRange() {
    assertThatThrownBy(
            () ->
                parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":1732665600000,\"amount\":1e400}"))
        .isInstanceOf(EventParser.MalformedEventException.class)
        .hasMessage("out of range for 'amount': the number is beyond the range of FLOAT64");
  }

  /**
   * A record holding more than one JSON value is bad JSON, as trailing bytes are bad Avro (session
   * 12 QA pass: two events concatenated into one record were read as the first, and the second was
   * lost without a dead letter).
   */
  @Test
  void refusesKeysLongerThanTheLookupServiceTakes() throws Exception {
    int max = dev.quiver.core.codec.EntityKeyCodec.MAX_KEY_CHARS;
    assertThat(
            parse("{\"txn_id\":\"a\",\"user_id\":\"" + "u".repeat(max) + "\",\"ts\":1732665600000}")
                .getField(1))
        .isEqualTo("u".repeat(max));
    assertThatThrownBy(
            () ->
                parse(
                    "{\"txn_id\":\"a\",\"user_id\":\""
                        + "u".repeat(40_000)
                        + "\",\"ts\":1732665600000}"))
        .isInstanceOf(EventParser.MalformedEventException.class)
        .hasMessage(
            "key too long: 'user_id' 40000 characters (expected: at most 8192 characters of"
                + " join-key values per key, the lookup service's limit)")
        .extracting(e -> ((EventParser.MalformedEventException) e).reason())
        .isEqualTo(DeadLetter.MALFORMED);
    // a composite key counts its parts together
    EventParser composite =
        new EventParser(
            new EventSchema(
                List.of(
                    new SourceField("a", FeatureType.STRING),
                    new SourceField("b", FeatureType.STRING),
                    new SourceField("n", FeatureType.INT64),
                    new SourceField("ts", FeatureType.INT64)),
                "ts",
                List.of("a", "b", "n"),
                null));
    String json =
        "{\"a\":\""
            + "x".repeat(5000)
            + "\",\"b\":\""
            + "y".repeat(4000)
            + "\",\"n\":7,\"ts\":1732665600000}";
    assertThatThrownBy(
            () ->
                composite.parse(new RawEvent("t", 0, 1, 1L, json.getBytes(StandardCharsets.UTF_8))))
        .hasMessageStartingWith("key too long: 'a' 5000 + 'b' 4000 = 9000 characters");
  }

  @Test
  void refusesTrailingContent() throws Exception {
    String event = "{\"txn_id\":\"a\",\"user_id\":\"u\",\"ts\":1732665600000}";
    assertThatThrownBy(() -> parse(event + event.replace("\"a\"", "\"b\"")))
        .isInstanceOf(EventParser.MalformedEventException.class)
        .hasMessageStartingWith("bad JSON: Trailing token (of type START_OBJECT)");
    assertThatThrownBy(() -> parse(event + " x"))
        .isInstanceOf(EventParser.MalformedEventException.class)
        .hasMessageStartingWith("bad JSON: ");
    // trailing white space (a line-delimited producer's newline) is not content
    assertThat(parse(event + "\n").getField(0)).isEqualTo("a");
  }

  /**
   * A field given twice is malformed, whichever copy a reader would keep (session 12 QA pass: the
   * last copy was kept silently, so {@code "user_id":"a","user_id":"b"} was an event of user b).
   */
  @Test
  void refusesDuplicateFields() throws Exception {
    assertThatThrownBy(
            () ->
                parse(
                    "{\"txn_id\":\"a\",\"user_id\":\"a\",\"user_id\":\"b\",\"ts\":1732665600000}"))
        .isInstanceOf(EventParser.MalformedEventException.class)
        .hasMessage("bad JSON: duplicate field 'user_id' (line 1, column 39)");
    // an undeclared field too: the record is ambiguous either way
    assertThatThrownBy(
            () ->
                parse("{\"txn_id\":\"a\",\"user_id\":\"a\",\"x\":1,\"x\":2,\"ts\":1732665600000}"))
        .hasMessageStartingWith("bad JSON: duplicate field 'x'");
    // the same name in different objects is not a duplicate
    assertThat(
            parse("{\"txn_id\":\"a\",\"user_id\":\"u\",\"m\":{\"user_id\":1},\"ts\":1732665600000}")
                .getField(1))
        .isEqualTo("u");
  }
}
