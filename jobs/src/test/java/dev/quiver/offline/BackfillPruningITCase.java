package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A one-day backfill over thirty days of raw history, one Parquet file per day, reads only the
 * files that may hold its range (before: every file, whatever the range), from a Parquet folder and
 * from an Iceberg table of the offline catalog; its dry run sizes that pruned read, and its rows
 * equal both a plain reference and a full-range backfill's rows of that day.
 */
class BackfillPruningITCase {
  static final long DAY = 86_400_000L;
  static final int DAYS = 30;
  static final int PER_DAY = 60;

  /** The backfilled day, and the day whose file also holds a row without event time. */
  static final int TARGET = 17;

  static final int NULL_TIME_DAY = 3;

  @TempDir Path dir;

  @Test
  void aOneDayBackfillReadsOnlyTheFilesThatMayHoldTheDay() throws Exception {
    Path folder = dir.resolve("history");
    List<List<Record>> files = history();
    long[] perFile = new long[DAYS];
    for (int d = 0; d < DAYS; d++) {
      TrainingSetFiles.write(
          BackfillITCase.RAW, folder.resolve("day-%02d.parquet".formatted(d)), files.get(d));
      perFile[d] = files.get(d).size();
    }
    long total = 0;
    for (long n : perFile) {
      total += n;
    }
    // the target day's file, and the one with a null event time (a malformed row the backfill
    // counts as skipped whatever the range)
    long needed = perFile[TARGET] + perFile[NULL_TIME_DAY];
    Instant from = Instant.ofEpochMilli(EventLog.BASE + TARGET * DAY);
    Instant to = from.plusMillis(DAY);
    FeatureView view = BackfillITCase.view(folder.resolve("day-00.parquet"));
    List<JoinKey> keys = OfflineTables.joinKeys(view);
    Set<List<Object>> reference = reference(files, from, to);
    assertThat(reference).hasSizeGreaterThan(PER_DAY / 2);

    // from the Parquet folder
    QuiverConfig config = config("wh-parquet");
    Catalog catalog = OfflineCatalogs.open(config);
    Backfill backfill = new Backfill(config, catalog);
    Backfill.Plan plan = backfill.plan(view, keys, null, from, to);
    assertThat(plan.files()).as("data files to read").isEqualTo(2);
    assertThat(plan.recordsToRead()).as("records of the files to read").isEqualTo(needed);
    assertThat(plan.rows()).isEqualTo(reference.size());
    assertThat(plan.skipped()).as("the null event time").isEqualTo(1);
    assertThat(plan.partitions()).isEqualTo(1);
    assertThat(plan.tableRecordsToRead()).isZero();
    assertThat(plan.sql()).contains("is read with the Iceberg scan filter");
    List<long[]> progress = Collections.synchronizedList(new ArrayList<>());
    Backfill.Result res =
        backfill.run(view, keys, null, from, to, false, (r, t) -> progress.add(new long[] {r, t}));
    // the scan returns the two files' rows that may be in the range: the day's and the null one
    long returned = perFile[TARGET] + 1;
    long[] last = progress.get(progress.size() - 1);
    assertThat(last[0]).as("rows the scan returned (%d in the history)", total).isEqualTo(returned);
    // the progress's total: the rows the scan is expected to return, the day's file whole and of
    // the other one its null event time (its bounds miss the range); it was the files' records,
    // so the bar ended at 50% here, and at 3% for a day of one file of thirty days
    assertThat(progress.get(0)[1]).as("the progress's total").isEqualTo(returned);
    assertThat(last[1]).as("the rows read, once the job ended").isEqualTo(returned);
    assertThat(res.rows()).isEqualTo(reference.size());
    assertThat(res.skipped()).isEqualTo(1);
    Set<List<Object>> oneDay = rows(catalog, view);
    assertThat(oneDay).isEqualTo(reference);
    // a rerun appends nothing and says it reads the day's rows of the table too
    Backfill.Plan rerun = backfill.plan(view, keys, null, from, to);
    assertThat(rerun.rows()).isZero();
    assertThat(rerun.tableRecordsToRead()).isEqualTo(reference.size());
    assertThat(rerun.estimatedSeconds())
        .isEqualTo(Backfill.estimatedSeconds(config, needed + reference.size(), 0));

    // the whole history into another table: its rows of the day are the one-day backfill's
    QuiverConfig fullConfig = config("wh-full");
    Catalog fullCatalog = OfflineCatalogs.open(fullConfig);
    Instant start = Instant.ofEpochMilli(EventLog.BASE);
    Instant end = start.plusMillis(DAYS * DAY);
    Backfill full = new Backfill(fullConfig, fullCatalog);
    assertThat(full.plan(view, keys, null, start, end).files()).isEqualTo(DAYS);
    full.run(view, keys, null, start, end, false);
    Set<List<Object>> fullDay = new HashSet<>();
    for (List<Object> r : rows(fullCatalog, view)) {
      long t = (Long) r.get(1);
      if (t >= from.toEpochMilli() && t < to.toEpochMilli()) {
        fullDay.add(r);
      }
    }
    assertThat(oneDay).isEqualTo(fullDay);

    // from an Iceberg table of the offline catalog holding the same files
    QuiverConfig tableConfig = config("wh-table");
    Catalog tableCatalog = OfflineCatalogs.open(tableConfig);
    TableIdentifier rawId = TableIdentifier.of("raw", "events");
    Table raw = tableCatalog.createTable(rawId, BackfillITCase.RAW);
    try (var listing = Files.list(folder)) {
      for (Path f : listing.sorted().toList()) {
        TrainingSetFiles.appendTo(raw, f);
      }
    }
    Backfill fromTable = new Backfill(tableConfig, tableCatalog);
    Backfill.Plan tablePlan = fromTable.plan(view, keys, "raw.events", from, to);
    assertThat(tablePlan.files()).isEqualTo(2);
    assertThat(tablePlan.recordsToRead()).isEqualTo(needed);
    List<long[]> tableProgress = Collections.synchronizedList(new ArrayList<>());
    Backfill.Result tableRes =
        fromTable.run(
            view,
            keys,
            "raw.events",
            from,
            to,
            false,
            (r, t) -> tableProgress.add(new long[] {r, t}));
    assertThat(tableProgress.get(tableProgress.size() - 1)[0]).isEqualTo(returned);
    assertThat(tableRes.rows()).isEqualTo(reference.size());
    assertThat(rows(tableCatalog, view)).isEqualTo(reference);
  }

  /** A writer of Parquet {@code file} with the columns {@code type}, as pyarrow writes one. */
  static org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetWriter<
          org.apache.iceberg.shaded.org.apache.parquet.example.data.Group>
      parquet(Path file, org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType type)
          throws java.io.IOException {
    return org.apache.iceberg.shaded.org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(
            new org.apache.iceberg.shaded.org.apache.parquet.io.LocalOutputFile(file))
        .withType(type)
        .withConf(new org.apache.hadoop.conf.Configuration())
        .build();
  }

  private QuiverConfig config(String warehouse) {
    return QuiverConfig.of(Map.of("offline.warehouse", dir.resolve(warehouse).toString()));
  }

  /**
   * The same one-day backfill over Parquet files whose event time is a millisecond timestamp (as
   * pyarrow and pandas often write it): Iceberg's footer metrics copy such bounds unscaled into a
   * microsecond column, which would make every file look like 1970 to the range filter and prune
   * them all. The files' bounds are rescaled when they are registered, so the day's file is read
   * and the rows equal the reference.
   */
  @Test
  void millisecondTimestampFilesAreReadWithoutTheFilter() throws Exception {
    backfillOverTimestampUnit("MILLIS", 1);
  }

  /**
   * The same over nanosecond timestamps, what pandas writes by default ({@code datetime64[ns,
   * UTC]}, {@code df.to_parquet}): their footer bounds were copied 1000 times too large into the
   * microsecond column, the range filter pruned every file, and the backfill appended nothing
   * without a word (QA pass, session 19: a dry run said {@code files 0}, {@code rows 0}).
   */
  @Test
  void nanosecondTimestampFilesAreReadWithoutTheFilter() throws Exception {
    backfillOverTimestampUnit("NANOS", 1_000_000);
  }

  /**
   * An event time stored as text (ISO-8601 strings, as a Parquet archive of JSON events has them):
   * a backfill reads a timestamp or int64 epoch-millis column (backfills.md). It failed inside the
   * Flink job with "backfill plan failed: java.time.format.DateTimeParseException: Text
   * '2026-11-27T11:11:25.656000Z' could not be parsed, unparsed text found at index 10", naming
   * neither the column nor the file; it is refused before any job, naming both and the fix.
   */
  @Test
  void textEventTimesAreRefusedNamingTheColumnAndTheFix() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("history-text"));
    org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType type =
        org.apache.iceberg.shaded.org.apache.parquet.schema.MessageTypeParser.parseMessageType(
            "message schema { optional binary txn_id (STRING); optional binary user_id (STRING);"
                + " optional double amount; optional binary merchant (STRING);"
                + " optional binary ts (STRING); optional int64 offset; }");
    var groups =
        new org.apache.iceberg.shaded.org.apache.parquet.example.data.simple.SimpleGroupFactory(
            type);
    Path file = folder.resolve("events.parquet");
    try (var w = parquet(file, type)) {
      var g = groups.newGroup();
      g.add("txn_id", "t1");
      g.add("user_id", "u1");
      g.add("amount", 1.0);
      g.add("merchant", "m0");
      g.add("ts", Instant.ofEpochMilli(EventLog.BASE + 1000).toString());
      g.add("offset", 0L);
      w.write(g);
    }
    FeatureView view = BackfillITCase.view(file);
    QuiverConfig config = config("wh-text");
    Backfill backfill = new Backfill(config, OfflineCatalogs.open(config));
    Instant from = Instant.ofEpochMilli(EventLog.BASE);
    assertThatThrownBy(
            () ->
                backfill.plan(view, OfflineTables.joinKeys(view), null, from, from.plusMillis(DAY)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "source: event-time column 'ts' of "
                + folder
                + " is text (string), which a backfill does not read as a time (expected: a"
                + " timestamp column, or int64 epoch milliseconds); write it as a timestamp,"
                + " e.g. in pandas df['ts'] = pd.to_datetime(df['ts'], utc=True), in Spark"
                + " to_timestamp('ts')");
  }

  /**
   * A DOUBLE history column for a source column declared INT32 (pandas writes an integer column
   * with missing values as float64): a whole number (2.0) is read, but a fraction (2.5) or a number
   * beyond INT32 is malformed, as the streaming parser has it ("wrong type for 'qty': declared
   * INT32, got the number 2.5"): dropped and counted in skipped. CAST truncated 2.5 to 2 and
   * backfilled it, and the backfill's rows differed from the streaming job's (QA pass, session 19).
   */
  @Test
  void fractionsInAnIntegerColumnAreMalformedAsInTheStream() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("history-qty"));
    org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType type =
        org.apache.iceberg.shaded.org.apache.parquet.schema.MessageTypeParser.parseMessageType(
            "message schema { optional binary txn_id (STRING); optional binary user_id (STRING);"
                + " optional double qty; optional int64 ts (TIMESTAMP(MICROS,true)); }");
    var groups =
        new org.apache.iceberg.shaded.org.apache.parquet.example.data.simple.SimpleGroupFactory(
            type);
    Path file = folder.resolve("events.parquet");
    Double[] qty = {2.0, 2.5, 3e10, null, -7.0};
    try (var w = parquet(file, type)) {
      for (int i = 0; i < qty.length; i++) {
        var g = groups.newGroup();
        g.add("txn_id", "t" + i);
        g.add("user_id", "u" + i);
        if (qty[i] != null) {
          g.add("qty", qty[i]);
        }
        g.add("ts", (EventLog.BASE + 1000L * (i + 1)) * 1000L);
        w.write(g);
      }
    }
    dev.quiver.core.spec.Source source =
        new dev.quiver.core.spec.Source(
            "default",
            "orders_history",
            "parquet",
            List.of(
                new dev.quiver.core.spec.SourceField(
                    "txn_id", dev.quiver.core.spec.FeatureType.STRING),
                new dev.quiver.core.spec.SourceField(
                    "user_id", dev.quiver.core.spec.FeatureType.STRING),
                new dev.quiver.core.spec.SourceField("qty", dev.quiver.core.spec.FeatureType.INT32),
                new dev.quiver.core.spec.SourceField(
                    "ts", dev.quiver.core.spec.FeatureType.TIMESTAMP)),
            "ts",
            "txn_id",
            java.time.Duration.ZERO,
            Map.of("path", folder.toString()));
    FeatureView view =
        FeatureView.builder("user_qty")
            .entities(List.of("user"))
            .source(source)
            .features(
                List.of(
                    new dev.quiver.core.spec.Feature(
                        "last_qty",
                        dev.quiver.core.spec.FeatureType.INT32,
                        "",
                        "qty",
                        null,
                        Map.of())))
            .build();
    QuiverConfig config = config("wh-qty");
    Catalog catalog = OfflineCatalogs.open(config);
    Backfill backfill = new Backfill(config, catalog);
    List<JoinKey> keys = OfflineTables.joinKeys(view);
    Instant from = Instant.ofEpochMilli(EventLog.BASE);
    Instant to = from.plusMillis(DAY);
    Backfill.Result res = backfill.run(view, keys, null, from, to, false);
    assertThat(res.skipped()).as("2.5 and 3e10").isEqualTo(2);
    Map<Object, Object> got = new java.util.HashMap<>();
    try (CloseableIterable<Record> rows =
        IcebergGenerics.read(catalog.loadTable(OfflineTables.identifier(view))).build()) {
      for (Record r : rows) {
        got.put(r.getField("user_id"), r.getField("last_qty"));
      }
    }
    Map<Object, Object> expected = new java.util.HashMap<>();
    expected.put("u0", 2);
    expected.put("u3", null);
    expected.put("u4", -7);
    assertThat(got).isEqualTo(expected);
  }

  /**
   * Text history columns for numeric source columns, and a 64-bit column for an INT32 one: 'abc',
   * '2.5', '3000000000' (for INT32), 'NaN' and '1e400' (for FLOAT64), and the int64 3000000000 (for
   * INT32) are malformed, as the streaming parser has the same values (CAST failed the backfill on
   * 'abc', read '2.5' as 2 and wrapped 3000000000). Each row's verdict and values are the streaming
   * parser's on the same event, so the backfill and the stream cannot drift apart here.
   */
  @Test
  void wrongTypedValuesAreMalformedAsInTheStream() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("history-text"));
    org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType type =
        org.apache.iceberg.shaded.org.apache.parquet.schema.MessageTypeParser.parseMessageType(
            "message schema { optional binary txn_id (STRING); optional binary user_id (STRING);"
                + " optional binary n (STRING); optional int64 big; optional binary amt (STRING);"
                + " optional int64 ts (TIMESTAMP(MICROS,true)); }");
    var groups =
        new org.apache.iceberg.shaded.org.apache.parquet.example.data.simple.SimpleGroupFactory(
            type);
    // n (INT32, text), big (INT32, int64), amt (FLOAT64, text); one user per row
    String[] n = {"12", "abc", "2.5", "3000000000", null, "-7", null, null, null};
    Long[] big = {5L, 1L, 1L, 1L, 3_000_000_000L, null, null, null, -2_147_483_648L};
    String[] amt = {"1.5", null, null, null, null, null, "NaN", "1e400", "-2.5e3"};
    Path file = folder.resolve("events.parquet");
    try (var w = parquet(file, type)) {
      for (int i = 0; i < n.length; i++) {
        var g = groups.newGroup();
        g.add("txn_id", "t" + i);
        g.add("user_id", "u" + i);
        if (n[i] != null) {
          g.add("n", n[i]);
        }
        if (big[i] != null) {
          g.add("big", big[i]);
        }
        if (amt[i] != null) {
          g.add("amt", amt[i]);
        }
        g.add("ts", (EventLog.BASE + 1000L * (i + 1)) * 1000L);
        w.write(g);
      }
    }
    List<dev.quiver.core.spec.SourceField> columns =
        List.of(
            new dev.quiver.core.spec.SourceField("txn_id", dev.quiver.core.spec.FeatureType.STRING),
            new dev.quiver.core.spec.SourceField(
                "user_id", dev.quiver.core.spec.FeatureType.STRING),
            new dev.quiver.core.spec.SourceField("n", dev.quiver.core.spec.FeatureType.INT32),
            new dev.quiver.core.spec.SourceField("big", dev.quiver.core.spec.FeatureType.INT32),
            new dev.quiver.core.spec.SourceField("amt", dev.quiver.core.spec.FeatureType.FLOAT64),
            new dev.quiver.core.spec.SourceField("ts", dev.quiver.core.spec.FeatureType.TIMESTAMP));

    // the stream's verdict on each row as a JSON event: a number where the text is one, else text
    dev.quiver.jobs.ingest.EventParser parser =
        new dev.quiver.jobs.ingest.EventParser(
            new dev.quiver.jobs.ingest.EventSchema(columns, "ts", List.of("user_id"), "txn_id"));
    Map<Object, List<Object>> expected = new java.util.HashMap<>();
    int malformed = 0;
    for (int i = 0; i < n.length; i++) {
      String json =
          "{\"txn_id\":\"t"
              + i
              + "\",\"user_id\":\"u"
              + i
              + "\",\"ts\":"
              + (EventLog.BASE + 1000L * (i + 1))
              + ",\"n\":"
              + jsonValue(n[i])
              + ",\"big\":"
              + big[i]
              + ",\"amt\":"
              + jsonValue(amt[i])
              + "}";
      try {
        org.apache.flink.types.Row row =
            parser.parse(
                new dev.quiver.jobs.ingest.RawEvent(
                    "t", 0, i, 0L, json.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        expected.put(
            "u" + i, java.util.Arrays.asList(row.getField(2), row.getField(3), row.getField(4)));
      } catch (dev.quiver.jobs.ingest.EventParser.MalformedEventException e) {
        malformed++;
      }
    }
    assertThat(malformed).as("the stream's verdict").isEqualTo(6);

    dev.quiver.core.spec.Source source =
        new dev.quiver.core.spec.Source(
            "default",
            "text_history",
            "parquet",
            columns,
            "ts",
            "txn_id",
            java.time.Duration.ZERO,
            Map.of("path", folder.toString()));
    FeatureView view =
        FeatureView.builder("user_text")
            .entities(List.of("user"))
            .source(source)
            .features(
                List.of(
                    new dev.quiver.core.spec.Feature(
                        "last_n", dev.quiver.core.spec.FeatureType.INT32, "", "n", null, Map.of()),
                    new dev.quiver.core.spec.Feature(
                        "last_big",
                        dev.quiver.core.spec.FeatureType.INT32,
                        "",
                        "big",
                        null,
                        Map.of()),
                    new dev.quiver.core.spec.Feature(
                        "last_amt",
                        dev.quiver.core.spec.FeatureType.FLOAT64,
                        "",
                        "amt",
                        null,
                        Map.of())))
            .build();
    QuiverConfig config = config("wh-text-values");
    Catalog catalog = OfflineCatalogs.open(config);
    Backfill backfill = new Backfill(config, catalog);
    Instant from = Instant.ofEpochMilli(EventLog.BASE);
    Backfill.Result res =
        backfill.run(view, OfflineTables.joinKeys(view), null, from, from.plusMillis(DAY), false);
    assertThat(res.skipped()).as("skipped").isEqualTo(malformed);
    Map<Object, List<Object>> got = new java.util.HashMap<>();
    try (CloseableIterable<Record> rows =
        IcebergGenerics.read(catalog.loadTable(OfflineTables.identifier(view))).build()) {
      for (Record r : rows) {
        got.put(
            r.getField("user_id"),
            java.util.Arrays.asList(
                r.getField("last_n"), r.getField("last_big"), r.getField("last_amt")));
      }
    }
    assertThat(got).isEqualTo(expected);
  }

  /** A history text as the JSON value a producer would send: a number where it reads as one. */
  private static String jsonValue(String text) {
    if (text == null) {
      return "null";
    }
    try {
      if (new com.fasterxml.jackson.databind.ObjectMapper().readTree(text).isNumber()) {
        return text;
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // not JSON: text
    }
    return "\"" + text + "\"";
  }

  private void backfillOverTimestampUnit(String unit, long perMillisecond) throws Exception {
    Path folder = dir.resolve("history-" + unit);
    List<List<Record>> files = history();
    org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType type =
        org.apache.iceberg.shaded.org.apache.parquet.schema.MessageTypeParser.parseMessageType(
            "message schema { optional binary txn_id (STRING); optional binary user_id (STRING);"
                + " optional double amount; optional binary merchant (STRING);"
                + " optional int64 ts (TIMESTAMP("
                + unit
                + ",true)); optional int64 offset; }");
    var groups =
        new org.apache.iceberg.shaded.org.apache.parquet.example.data.simple.SimpleGroupFactory(
            type);
    Files.createDirectories(folder);
    for (int d = 0; d < DAYS; d++) {
      Path file = folder.resolve("day-%02d.parquet".formatted(d));
      try (var w = parquet(file, type)) {
        for (Record r : files.get(d)) {
          var g = groups.newGroup();
          g.add("txn_id", (String) r.getField("txn_id"));
          g.add("user_id", (String) r.getField("user_id"));
          g.add("amount", (Double) r.getField("amount"));
          g.add("merchant", (String) r.getField("merchant"));
          if (r.getField("ts") != null) {
            g.add(
                "ts",
                ((OffsetDateTime) r.getField("ts")).toInstant().toEpochMilli() * perMillisecond);
          }
          g.add("offset", (Long) r.getField("offset"));
          w.write(g);
        }
      }
    }
    Instant from = Instant.ofEpochMilli(EventLog.BASE + TARGET * DAY);
    Instant to = from.plusMillis(DAY);
    FeatureView view = BackfillITCase.view(folder.resolve("day-00.parquet"));
    List<JoinKey> keys = OfflineTables.joinKeys(view);
    Set<List<Object>> reference = reference(files, from, to);
    QuiverConfig config = config("wh-" + unit);
    Catalog catalog = OfflineCatalogs.open(config);
    Backfill backfill = new Backfill(config, catalog);
    Backfill.Plan plan = backfill.plan(view, keys, null, from, to);
    // read whole: the row groups' statistics are in the file's unit, and a filter would skip them
    assertThat(plan.files()).as("data files to read").isEqualTo(DAYS);
    assertThat(plan.rows()).isEqualTo(reference.size());
    Backfill.Result res = backfill.run(view, keys, null, from, to, false);
    assertThat(res.rows()).isEqualTo(reference.size());
    assertThat(rows(catalog, view)).isEqualTo(reference);
  }

  /**
   * Thirty days of transactions, day d's in file d with event times in {@code [day d, day d + 1 - 2
   * ms]} (one at the day's first millisecond), duplicates (the same event again, later in the log)
   * within a day, and in day {@link #NULL_TIME_DAY}'s file one row without event time.
   */
  private static List<List<Record>> history() {
    List<List<Record>> files = new ArrayList<>();
    long offset = 0;
    for (int d = 0; d < DAYS; d++) {
      List<Record> day = new ArrayList<>();
      Random rnd = new Random(d);
      long dayStart = EventLog.BASE + d * DAY;
      for (int i = 0; i < PER_DAY; i++) {
        int t = i < PER_DAY - 5 ? i : i - 10; // the last five repeat earlier events of the day
        Random ev = new Random(d * 1000L + t);
        long ts = t == 0 ? dayStart : dayStart + 1 + ev.nextInt((int) DAY - 3);
        day.add(event("d" + d + "-t" + t, "u" + ev.nextInt(7), ev.nextInt(1000), ts, offset++));
      }
      if (d == NULL_TIME_DAY) {
        day.add(event("bad", "u1", 1, null, offset++));
      }
      Collections.shuffle(day, rnd);
      files.add(day);
    }
    return files;
  }

  private static Record event(String txn, String user, double amount, Long ts, long offset) {
    GenericRecord r = GenericRecord.create(BackfillITCase.RAW);
    r.setField("txn_id", txn);
    r.setField("user_id", user);
    r.setField("amount", amount);
    r.setField("merchant", "m0");
    r.setField("ts", ts == null ? null : OfflineWriter.timestamptz(ts));
    r.setField("offset", offset);
    return r;
  }

  /**
   * The plain expectation: of the events with event time in {@code [from, to)}, the first by offset
   * of each (user, txn id), as (user, event time, last_amount, _in_amount, _seq).
   */
  private static Set<List<Object>> reference(List<List<Record>> files, Instant from, Instant to) {
    List<Record> all = new ArrayList<>();
    files.forEach(all::addAll);
    all.sort(java.util.Comparator.comparingLong(r -> (Long) r.getField("offset")));
    Set<List<Object>> seen = new HashSet<>();
    Set<List<Object>> out = new HashSet<>();
    for (Record r : all) {
      if (r.getField("ts") == null) {
        continue;
      }
      long ts = ((OffsetDateTime) r.getField("ts")).toInstant().toEpochMilli();
      if (ts < from.toEpochMilli() || ts >= to.toEpochMilli()) {
        continue;
      }
      if (seen.add(List.of(r.getField("user_id"), r.getField("txn_id")))) {
        double amount = (Double) r.getField("amount");
        out.add(List.of(r.getField("user_id"), ts, amount, amount, r.getField("offset")));
      }
    }
    return out;
  }

  /** The view's offline rows, as {@link #reference} has them. */
  private static Set<List<Object>> rows(Catalog catalog, FeatureView view) throws Exception {
    Set<List<Object>> out = new HashSet<>();
    Table t = catalog.loadTable(OfflineTables.identifier(view));
    try (CloseableIterable<Record> rows = IcebergGenerics.read(t).build()) {
      for (Record r : rows) {
        out.add(
            List.of(
                r.getField("user_id"),
                ((OffsetDateTime) r.getField("event_time")).toInstant().toEpochMilli(),
                r.getField("last_amount"),
                r.getField("_in_amount"),
                r.getField("_seq")));
      }
    }
    return out;
  }
}
