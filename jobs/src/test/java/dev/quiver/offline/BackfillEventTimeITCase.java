package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.jobs.ingest.EventParser;
import dev.quiver.jobs.ingest.EventSchema;
import dev.quiver.jobs.ingest.RawEvent;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.types.Row;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.shaded.org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Parquet history whose event-time column is a DECIMAL, or text holding int64 epoch milliseconds,
 * is read as the streaming job's {@link EventParser} reads the same events: each history value is
 * sent as the JSON a producer would send (a number where it reads as one, a whole decimal as an
 * integer, as a backfill reads a whole 2.0 where an integer is declared), and the parser's verdict
 * and event time are the expected ones. Before, a plain CAST read a decimal's epoch milliseconds as
 * epoch seconds (TIMESTAMP) or truncated its fraction (INT64), and text was refused for an INT64
 * event time, which the backfill reads from text in any other INT64 column.
 */
class BackfillEventTimeITCase {
  private static final long BASE = EventLog.BASE;
  private static final long DAY = 86_400_000L;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void decimalEpochMillisForATimestampEventTime() throws Exception {
    // DECIMAL(16,1): whole, a fraction, missing, whole with .0, a negative fraction
    String[] ts = {
      (BASE + 1000) + ".0", (BASE + 2000) + ".5", null, (BASE + 3000) + ".0", (BASE + 4000) + ".9"
    };
    backfillMatchesTheParser("optional int64 ts (DECIMAL(16,1))", FeatureType.TIMESTAMP, ts);
  }

  @Test
  void decimalEpochMillisForAnInt64EventTime() throws Exception {
    String[] ts = {(BASE + 1000) + ".0", (BASE + 2000) + ".5", (BASE + 3000) + ".0", null};
    backfillMatchesTheParser("optional int64 ts (DECIMAL(16,1))", FeatureType.INT64, ts);
  }

  @Test
  void textEpochMillisForAnInt64EventTime() throws Exception {
    String[] ts = {
      Long.toString(BASE + 1000),
      "abc",
      (BASE + 2000) + ".5",
      "",
      " " + (BASE + 3000) + " ",
      null,
      "99999999999999999999",
      "+" + (BASE + 4000)
    };
    backfillMatchesTheParser("optional binary ts (STRING)", FeatureType.INT64, ts);
  }

  /**
   * Backfills one day of {@code ts} (one event per user {@code u<i>}) from a Parquet file whose
   * {@code ts} column is {@code parquetColumn}, declared {@code declared} in the view's source, and
   * compares each user's event time, and the skipped count, with the parser's on the same events.
   */
  private void backfillMatchesTheParser(String parquetColumn, FeatureType declared, String[] ts)
      throws Exception {
    Path folder = Files.createDirectories(dir.resolve("history"));
    MessageType type =
        MessageTypeParser.parseMessageType(
            "message schema { optional binary txn_id (STRING); optional binary user_id (STRING);"
                + " optional binary page (STRING); "
                + parquetColumn
                + "; }");
    SimpleGroupFactory groups = new SimpleGroupFactory(type);
    boolean decimal = parquetColumn.contains("DECIMAL");
    try (var w = BackfillPruningITCase.parquet(folder.resolve("events.parquet"), type)) {
      for (int i = 0; i < ts.length; i++) {
        var g = groups.newGroup();
        g.add("txn_id", "t" + i);
        g.add("user_id", "u" + i);
        g.add("page", "p" + i);
        if (ts[i] != null) {
          if (decimal) {
            g.add("ts", new BigDecimal(ts[i]).unscaledValue().longValueExact());
          } else {
            g.add("ts", ts[i]);
          }
        }
        w.write(g);
      }
    }
    List<SourceField> columns =
        List.of(
            new SourceField("txn_id", FeatureType.STRING),
            new SourceField("user_id", FeatureType.STRING),
            new SourceField("page", FeatureType.STRING),
            new SourceField("ts", declared));

    // the stream's verdict on each row as a JSON event
    EventSchema schema = new EventSchema(columns, "ts", List.of("user_id"), "txn_id");
    EventParser parser = new EventParser(schema);
    Map<String, Long> expected = new HashMap<>();
    int malformed = 0;
    for (int i = 0; i < ts.length; i++) {
      String json =
          "{\"txn_id\":\"t"
              + i
              + "\",\"user_id\":\"u"
              + i
              + "\",\"page\":\"p"
              + i
              + "\",\"ts\":"
              + jsonValue(ts[i])
              + "}";
      try {
        Row row = parser.parse(new RawEvent("t", 0, i, 0L, json.getBytes(StandardCharsets.UTF_8)));
        expected.put("u" + i, (Long) row.getField(schema.eventMsIndex()));
      } catch (EventParser.MalformedEventException e) {
        malformed++;
      }
    }
    assertThat(expected).as("the stream reads some events").isNotEmpty();
    assertThat(malformed).as("and refuses some").isPositive();

    Source source =
        new Source(
            "default",
            "history",
            "parquet",
            columns,
            "ts",
            "txn_id",
            Duration.ZERO,
            Map.of("path", folder.toString()));
    FeatureView view =
        FeatureView.builder("user_pages")
            .entities(List.of("user"))
            .source(source)
            .features(
                List.of(new Feature("last_page", FeatureType.STRING, "", "page", null, Map.of())))
            .build();
    QuiverConfig config =
        QuiverConfig.of(Map.of("offline.warehouse", dir.resolve("warehouse").toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    Instant from = Instant.ofEpochMilli(BASE);
    Backfill.Result res =
        new Backfill(config, catalog)
            .run(view, OfflineTables.joinKeys(view), null, from, from.plusMillis(DAY), false);
    Map<String, Long> got = new HashMap<>();
    try (CloseableIterable<Record> rows =
        IcebergGenerics.read(catalog.loadTable(OfflineTables.identifier(view))).build()) {
      for (Record r : rows) {
        OffsetDateTime t = (OffsetDateTime) r.getField(OfflineTables.EVENT_TIME);
        got.put((String) r.getField("user_id"), t.toInstant().toEpochMilli());
      }
    }
    assertThat(got).isEqualTo(expected);
    assertThat(res.skipped()).as("skipped").isEqualTo(malformed);
  }

  /**
   * A history value as the JSON value a producer would send: a number where the text reads as one
   * (a whole decimal, 1000.0, as the integer 1000), else text; null when missing.
   */
  private static String jsonValue(String text) {
    if (text == null) {
      return "null";
    }
    try {
      JsonNode n = JSON.readTree(text);
      if (n != null && n.isNumber()) {
        BigDecimal d = n.decimalValue();
        return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0
            ? d.toBigInteger().toString()
            : text.trim();
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // not JSON: text
    }
    return JSON.valueToTree(text).toString();
  }
}
