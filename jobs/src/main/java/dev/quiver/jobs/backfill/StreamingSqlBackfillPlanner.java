package dev.quiver.jobs.backfill;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.offline.OfflineTimes;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.core.tile.Tiling;
import dev.quiver.jobs.JobOptions;
import dev.quiver.jobs.Materializer;
import dev.quiver.jobs.ingest.EventSchema;
import dev.quiver.jobs.ingest.RawEventDeserializer;
import dev.quiver.jobs.plan.JobPlanner;
import dev.quiver.jobs.plan.MaterializationPlan;
import dev.quiver.jobs.plan.PlannerSettings;
import dev.quiver.jobs.sink.OnlineSinkFactory;
import dev.quiver.offline.BackfillPlanner;
import dev.quiver.offline.BackfillSource;
import dev.quiver.offline.OfflineOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.runtime.typeutils.ExternalTypeInfo;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * {@code streaming-sql}: a backfill runs the streaming job's own SQL ({@link JobPlanner}, the text
 * {@code quiver plan VIEW} prints) in batch mode. Only the definition of the {@code events} table
 * differs: instead of Kafka → EventGate → Deduplicator, a bounded read of the raw history with the
 * same columns ({@link EventSchema}):
 *
 * <ul>
 *   <li>a Kafka offset range is read with the same deserializer and parser as the streaming job; an
 *       Iceberg table or Parquet files are read with SQL casts into the declared columns ({@code
 *       _seq} from a {@code _seq} or {@code offset} column, else 0; {@code _partition} from {@code
 *       _partition} or {@code partition}, else 0);
 *   <li>no lateness: every event with event time in {@code [from, to)} counts (the streaming job's
 *       lateness cut bounds its state; a backfill's input is complete, so its rows are the
 *       corrected history);
 *   <li>duplicates by the dedup key (per entity, as the streaming dedup is keyed) keep the first by
 *       {@code (_seq, _partition)}: within a Kafka partition that is arrival order, as in the
 *       streaming job, whose dedup state however forgets keys after {@code jobs.dedup-ttl};
 *   <li>{@code _ingested_at} is the backfill's start, so that training sets labelled before it
 *       never see its rows (the availability guard).
 * </ul>
 *
 * <p>The plan's Iceberg {@code INSERT} query runs as is, written by the backfill's own Iceberg sink
 * (which tags the snapshot); with {@code --online} the plan's online inserts run too, through the
 * {@code quiver-online} sink (the OnlineStore SPI) throttled by {@code
 * offline.backfill.online-rate}: tiles in the first job, each whole, over the events of the
 * enclosing coarsest tiles ({@link #readRange}), row cells in a second one over the range's events
 * with one row per (entity, event time) of the view's projection (after its WHERE) — the highest
 * {@code (_seq, _partition)}, the streaming job's tie rule, since batch writes have no arrival
 * order.
 */
public final class StreamingSqlBackfillPlanner implements BackfillPlanner {
  static final String PARSED = "events_parsed";
  static final String ALL_EVENTS = "events_all";

  /** The raw table's rows as read, each counted in {@link #READ_ACCUMULATOR} (the progress). */
  static final String RAW = "events_raw";

  /**
   * With {@code --online}: the events of the enclosing tiles ({@link #readRange}), deduplicated.
   */
  static final String TILE_EVENTS_ALL = "events_tiles_all";

  /** {@link #TILE_EVENTS_ALL} as the plan's events table: what the tiles are grouped over. */
  static final String TILE_EVENTS = "events_tiles";

  /** The plan's projection over {@link #TILE_EVENTS}, which the tile inserts read. */
  static final String TILE_PROJECTED = "projected_tiles";

  /** With {@code --online}: the plan's projection, one row per (entity, event time). */
  static final String PROJECTED_LAST = "projected_last";

  @Override
  public String identifier() {
    return "streaming-sql";
  }

  /**
   * With online tiles, the enclosing tiles of the coarsest resolution: {@code from} floored and
   * {@code to} ceiled to its grid (never before 1970). Each tile is written whole (an upsert of its
   * complete state), so a tile that straddles an edge of the range must be grouped over all its
   * events, not the range's part of them (which overwrote it online with a partial state).
   */
  @Override
  public TimeRange readRange(FeatureView view, Instant from, Instant to, boolean online) {
    if (!online || !view.online() || view.features().stream().noneMatch(Feature::isAggregation)) {
      return new TimeRange(from, to);
    }
    List<Long> res = Tiling.forView(view).resolutions();
    long coarsest = res.get(res.size() - 1);
    long first = Math.max(0, Math.floorDiv(from.toEpochMilli(), coarsest) * coarsest);
    long end = -Math.floorDiv(-to.toEpochMilli(), coarsest) * coarsest;
    return new TimeRange(
        Instant.ofEpochMilli(Math.min(first, from.toEpochMilli())),
        Instant.ofEpochMilli(Math.max(end, to.toEpochMilli())));
  }

  @Override
  public Query prepare(Request r) {
    FeatureView view = r.view();
    Source source = view.source();
    if (source == null) {
      throw new IllegalArgumentException(
          "source: view " + view.qualifiedName() + " has none (expected: a source to read from)");
    }
    QuiverConfig config = r.config();
    PlannerSettings settings = settings(config, r.online(), view);
    JobPlanner planner = new JobPlanner(settings);
    MaterializationPlan plan = planner.plan(view, r.keys());
    String offlineSelect = JobPlanner.offlineSelect(view, r.keys());
    String offlineInsert = "INSERT INTO " + planner.offlineTable(view) + "\n" + offlineSelect;
    if (!plan.inserts().contains(offlineInsert)) {
      throw new IllegalStateException(
          "the streaming plan of " + view.qualifiedName() + " has no offline insert to backfill");
    }
    StreamTableEnvironment tEnv = r.tEnv();
    tEnv.createTemporaryFunction(EpochMillis.NAME, EpochMillis.class);
    EventSchema schema = plan.eventSchema();
    String parsedSql = null;
    String skippedSelect = null;
    long inputRecords = -1; // a table's: the backfill counts its files' records
    if (r.source() instanceof BackfillSource.Table t) {
      parsedSql = tableEvents(schema, t).select();
      // the malformed rows are counted from the same (pruned, counted) read as the events
      TableEvents te = tableEvents(schema, t, q(RAW));
      skippedSelect = te.skipped(r.from().toEpochMilli(), r.to().toEpochMilli());
      registerCountedRaw(r.env(), tEnv, schema, t);
      tEnv.executeSql("CREATE TEMPORARY VIEW `" + PARSED + "` AS\n" + te.select());
    } else {
      inputRecords =
          registerKafka(
              r,
              schema,
              source,
              ((BackfillSource.Kafka) r.source()).spec(),
              r.read().from().toEpochMilli());
    }
    String all = allEvents(schema, r.keys(), r.from().toEpochMilli(), r.to().toEpochMilli());
    // batch group windows take a TIMESTAMP column (the session time zone is UTC, so the windows
    // stay aligned to the epoch as in the streaming job)
    boolean rowtime = JobPlanner.needsRowtime(view);
    long ingestedAtMs = r.ingestedAt().toEpochMilli();
    String events = "SELECT " + columns(schema, ingestedAtMs, rowtime) + "\nFROM " + q(ALL_EVENTS);
    tEnv.executeSql("CREATE TEMPORARY VIEW `" + ALL_EVENTS + "` AS\n" + all);
    tEnv.executeSql("CREATE TEMPORARY VIEW `" + plan.eventsTable() + "` AS\n" + events);
    String catalogDdl = JobPlanner.createCatalog(settings.icebergCatalog());
    List<String> setup = plan.setup().stream().filter(s -> !s.startsWith(catalogDdl)).toList();
    setup.forEach(tEnv::executeSql);
    plan.views().forEach(tEnv::executeSql);

    String rowsPrefix = "INSERT INTO `" + JobPlanner.ONLINE_ROWS + "`";
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    for (String insert : plan.inserts()) {
      if (insert.equals(offlineInsert)) {
        continue;
      }
      (insert.startsWith(rowsPrefix) ? second : first).add(insert);
    }
    // the tiles over the enclosing tiles' events, when the range does not fill them: the plan's
    // projection and tiles insert, asked of the planner over those events
    TimeRange read = r.read();
    List<String> tileViews = new ArrayList<>();
    if (!first.isEmpty() && !read.is(r.from(), r.to())) {
      tileViews.add(
          "CREATE TEMPORARY VIEW "
              + q(TILE_EVENTS_ALL)
              + " AS\n"
              + allEvents(schema, r.keys(), read.from().toEpochMilli(), read.to().toEpochMilli()));
      tileViews.add(
          "CREATE TEMPORARY VIEW "
              + q(TILE_EVENTS)
              + " AS\nSELECT "
              + columns(schema, ingestedAtMs, rowtime)
              + "\nFROM "
              + q(TILE_EVENTS_ALL));
      tileViews.add(JobPlanner.projection(view, r.keys(), TILE_EVENTS, TILE_PROJECTED));
      tileViews.forEach(tEnv::executeSql);
      // the first job's online inserts are the plan's tiles insert alone (rows go second)
      first.clear();
      first.add(JobPlanner.tilesInsert(view, r.keys(), TILE_PROJECTED));
    }
    List<String> secondSetup = new ArrayList<>();
    if (!second.isEmpty()) {
      // One row cell per (entity, event time), of the highest (_seq, _partition) among the rows
      // the view's SQL outputs: picked after the projection, as a WHERE of the transformation
      // drops events (picking before it lost the cell when the tie's winner was filtered out) and
      // a GROUP BY TUMBLE aggregates every event. The projection carries _seq only, so the events
      // carry their tie rank there (the rows sink does not write _seq).
      String keyList = String.join(", ", r.keys().stream().map(k -> q(k.name())).toList());
      String ranked =
          "SELECT "
              + columns(
                  schema,
                  ingestedAtMs,
                  rowtime,
                  "ROW_NUMBER() OVER (PARTITION BY "
                      + keyList
                      + ", `_event_ms` ORDER BY `_seq`, `_partition`) AS `_seq`")
              + "\nFROM `"
              + ALL_EVENTS
              + "`";
      secondSetup.add("DROP TEMPORARY VIEW `" + JobPlanner.PROJECTED + "`");
      secondSetup.add("DROP TEMPORARY VIEW `" + plan.eventsTable() + "`");
      secondSetup.add("CREATE TEMPORARY VIEW `" + plan.eventsTable() + "` AS\n" + ranked);
      secondSetup.addAll(plan.views());
      secondSetup.add(
          "CREATE TEMPORARY VIEW `"
              + PROJECTED_LAST
              + "` AS\nSELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "
              + keyList
              + ", `_event_ms` ORDER BY `_seq` DESC) AS `_tie`\n  FROM `"
              + JobPlanner.PROJECTED
              + "`)\nWHERE `_tie` = 1");
      // the plan's rows insert, over that view
      second.clear();
      second.add(JobPlanner.rowsInsert(view, r.keys(), PROJECTED_LAST));
    }

    StringBuilder text = new StringBuilder();
    text.append("-- backfill of ")
        .append(view.qualifiedName())
        .append(':')
        .append(view.version())
        .append(" from ")
        .append(r.source().describe())
        .append(", event times [")
        .append(r.from())
        .append(", ")
        .append(r.to())
        .append(")\n");
    if (parsedSql != null) {
      BackfillSource.Table t = (BackfillSource.Table) r.source();
      text.append("-- ")
          .append(t.flinkName())
          .append(" is read with the Iceberg scan filter ")
          .append(t.filter())
          .append(
              ": only its data files and Parquet row groups whose event times may fall in the"
                  + " range (or be null)\n");
      text.append("CREATE TEMPORARY VIEW `").append(PARSED).append("` AS\n");
      text.append(parsedSql).append(";\n\n");
    } else {
      text.append("-- `").append(PARSED).append("`: the Kafka range through the job's parser\n\n");
    }
    text.append("CREATE TEMPORARY VIEW `").append(ALL_EVENTS).append("` AS\n").append(all);
    text.append(";\n\nCREATE TEMPORARY VIEW `").append(plan.eventsTable()).append("` AS\n");
    text.append(events).append(";\n\n-- the streaming job's statements:\n");
    setup.forEach(s -> text.append(s).append(";\n\n"));
    plan.views().forEach(s -> text.append(s).append(";\n\n"));
    text.append("-- into a new snapshot of ").append(planner.offlineTable(view)).append(":\n");
    text.append(offlineSelect).append(";\n");
    if (!tileViews.isEmpty()) {
      text.append("\n-- online tiles: whole, over the events of the enclosing tiles [")
          .append(read.from())
          .append(", ")
          .append(read.to())
          .append(")\n");
      tileViews.forEach(s -> text.append(s).append(";\n\n"));
    }
    first.forEach(s -> text.append('\n').append(s).append(";\n"));
    if (!second.isEmpty()) {
      text.append("\n-- then, row cells one per (entity, event time):\n");
      secondSetup.forEach(s -> text.append(s).append(";\n"));
      second.forEach(s -> text.append(s).append(";\n"));
    }
    if (skippedSelect != null) {
      BackfillSource.Table t = (BackfillSource.Table) r.source();
      text.append("\n-- counted as skipped: the history's malformed rows in range\n")
          .append(tableEvents(schema, t).skipped(r.from().toEpochMilli(), r.to().toEpochMilli()))
          .append(";\n");
    }
    return new Query(
        offlineSelect, first, secondSetup, second, text.toString(), skippedSelect, inputRecords);
  }

  /** The streaming settings with the online sinks only when asked, throttled. */
  static PlannerSettings settings(QuiverConfig config, boolean online, FeatureView view) {
    PlannerSettings s = Materializer.settings(config);
    Map<String, String> sink = new LinkedHashMap<>(s.onlineSinkOptions());
    boolean withOnline = online && view.online();
    if (online && !view.online()) {
      throw new IllegalArgumentException(
          "online: view " + view.qualifiedName() + " has online: false (drop --online)");
    }
    if (withOnline) {
      long rate = config.get(OfflineOptions.BACKFILL_ONLINE_RATE);
      // the rows and the tiles sink share the budget
      sink.put(OnlineSinkFactory.RATE_LIMIT.key(), Long.toString(Math.max(1, rate / 2)));
    }
    return new PlannerSettings(
        withOnline, true, sink, s.icebergCatalog(), s.icebergCatalogProperties());
  }

  /**
   * The declared columns, then the metadata columns with {@code _ingested_at} replaced; with {@code
   * rowtime}, {@code _event_time} cast to {@code TIMESTAMP(3)} (what batch group windows take).
   */
  private static String columns(EventSchema schema, long ingestedAtMs, boolean rowtime) {
    return columns(schema, ingestedAtMs, rowtime, q(EventSchema.SEQ));
  }

  /** As above, with {@code seq} (an expression ending in {@code AS `_seq`}) for the _seq column. */
  private static String columns(
      EventSchema schema, long ingestedAtMs, boolean rowtime, String seq) {
    List<String> cols = new ArrayList<>();
    schema.columns().forEach(c -> cols.add(q(c.name())));
    String eventTime = q(EventSchema.EVENT_TIME);
    cols.add(rowtime ? "CAST(" + eventTime + " AS TIMESTAMP(3)) AS " + eventTime : eventTime);
    cols.add(q(EventSchema.EVENT_MS));
    cols.add(seq);
    cols.add(q(EventSchema.PARTITION));
    cols.add("TO_TIMESTAMP_LTZ(" + ingestedAtMs + ", 3) AS " + q(EventSchema.INGESTED_AT));
    return String.join(", ", cols);
  }

  /** Events in range, first copy per (entity, dedup key) by (_seq, _partition). */
  static String allEvents(EventSchema schema, List<JoinKey> keys, long fromMs, long toMs) {
    // never before 1973-03-03, whatever the range: the streaming job dead-letters such event times
    // (a table's rows are dropped as malformed before this, a Kafka range's by the job's parser)
    long first = Math.max(OfflineTimes.MIN_PLAUSIBLE_MILLIS, fromMs);
    String range = "`_event_ms` >= " + first + " AND `_event_ms` < " + toMs;
    if (schema.dedupKey() == null || schema.dedupKey().isBlank()) {
      return "SELECT * FROM `" + PARSED + "` WHERE " + range;
    }
    List<String> partition = new ArrayList<>(keys.stream().map(k -> q(k.name())).toList());
    partition.add(q(schema.dedupKey()));
    List<String> cols = new ArrayList<>();
    schema.columns().forEach(c -> cols.add(q(c.name())));
    for (String m :
        List.of(
            EventSchema.EVENT_TIME, EventSchema.EVENT_MS, EventSchema.SEQ, EventSchema.PARTITION)) {
      cols.add(q(m));
    }
    return "SELECT "
        + String.join(", ", cols)
        + "\nFROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "
        + String.join(", ", partition)
        + " ORDER BY `_seq`, `_partition`, `_event_ms`) AS `_first`\n  FROM `"
        + PARSED
        + "` WHERE "
        + range
        + ")\nWHERE `_first` = 1";
  }

  /**
   * The parsed events of a table of raw events ({@code select}: the declared columns and metadata,
   * of the rows that pass {@code valid}) and how to find the rows it drops as malformed.
   */
  record TableEvents(String select, String from, String valid, String eventMs) {
    /** The rows dropped as malformed whose event time is in {@code [fromMs, toMs)} or null. */
    String skipped(long fromMs, long toMs) {
      return "SELECT 1 AS `skipped`\nFROM "
          + from
          + "\nWHERE NOT ("
          + valid
          + ")\n  AND ("
          + eventMs
          + " IS NULL OR ("
          + eventMs
          + " >= "
          + fromMs
          + " AND "
          + eventMs
          + " < "
          + toMs
          + "))";
    }
  }

  /** The parsed events of an Iceberg table of raw events: the declared columns and metadata. */
  static TableEvents tableEvents(EventSchema schema, BackfillSource.Table t) {
    return tableEvents(schema, t, t.flinkName());
  }

  /**
   * Registers {@link #RAW}: the raw table's columns that {@link #tableEvents} reads, scanned with
   * the source's range filter ({@link BackfillSource.Table#filter()}: Iceberg skips the data files
   * and Parquet row groups whose event-time bounds miss the range, and drops the other rows of the
   * files it reads as it reads them) and counted row by row as the scan returns them in {@link
   * #READ_ACCUMULATOR}, before any SQL: the backfill's progress, against the record count of the
   * files the scan reads. The text the dry run prints reads the table by name: the same rows, after
   * the SQL's exact range filter.
   */
  private static void registerCountedRaw(
      org.apache.flink.streaming.api.environment.StreamExecutionEnvironment env,
      StreamTableEnvironment tEnv,
      EventSchema schema,
      BackfillSource.Table t) {
    List<String> read = new ArrayList<>();
    schema.columns().forEach(c -> read.add(c.name()));
    read.addAll(BackfillSource.OFFSET_COLUMNS);
    read.addAll(List.of("_partition", "partition"));
    org.apache.iceberg.Schema projected =
        t.schema()
            .select(
                t.schema().columns().stream()
                    .map(Types.NestedField::name)
                    .filter(read::contains)
                    .toList());
    // the scan at the job's parallelism, as the counting filter after it: with Iceberg's inferred
    // parallelism (one per split) a rebalance between them cost a quarter of BackfillBench's time
    tEnv.getConfig().set("table.exec.iceberg.infer-source-parallelism", "false");
    // the Flink SQL connector's own source (FlinkSource, what a SELECT of the table runs), with the
    // range filter given as Iceberg's expression rather than left to the planner's push-down
    // (which keeps the rows its filter drops out of the count); its rows are the planner's
    // internal ones, as they are
    org.apache.flink.streaming.api.datastream.DataStream<org.apache.flink.table.data.RowData> rows =
        org.apache.iceberg.flink.source.FlinkSource.forRowData()
            .env(env)
            .tableLoader(t.loader())
            .project(org.apache.iceberg.flink.FlinkSchemaUtil.toSchema(projected))
            .filters(List.of(t.filter()))
            .flinkConf(tEnv.getConfig())
            .build();
    // a batch scan: the SQL connector declares it bounded in its scan provider, the DataStream
    // bridge takes it from the transformation, which createInput leaves unbounded
    if (rows.getTransformation()
        instanceof org.apache.flink.streaming.api.transformations.LegacySourceTransformation<?> s) {
      s.setBoundedness(org.apache.flink.api.connector.source.Boundedness.BOUNDED);
    }
    var counted = rows.filter(new CountRead()).name("count rows read (progress)");
    org.apache.flink.table.types.logical.RowType type =
        org.apache.iceberg.flink.FlinkSchemaUtil.convert(projected);
    tEnv.createTemporaryView(
        RAW,
        counted,
        Schema.newBuilder()
            .fromRowDataType(
                org.apache.flink.table.types.utils.TypeConversions.fromLogicalToDataType(type))
            .build());
  }

  /** Counts the rows it passes in {@link #READ_ACCUMULATOR}; keeps every one. */
  private static final class CountRead
      extends org.apache.flink.api.common.functions.RichFilterFunction<
          org.apache.flink.table.data.RowData> {
    private transient org.apache.flink.api.common.accumulators.LongCounter read;

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext ctx) {
      read = getRuntimeContext().getLongCounter(READ_ACCUMULATOR);
    }

    @Override
    public boolean filter(org.apache.flink.table.data.RowData row) {
      read.add(1);
      return true;
    }
  }

  /** {@link #tableEvents(EventSchema, BackfillSource.Table)} reading {@code readFrom}. */
  static TableEvents tableEvents(EventSchema schema, BackfillSource.Table t, String readFrom) {
    org.apache.iceberg.Schema raw = t.schema();
    List<String> cols = new ArrayList<>();
    String eventTime = null;
    String eventMs = null;
    List<String> notNull = new ArrayList<>();
    for (SourceField c : schema.columns()) {
      Types.NestedField f = raw.findField(c.name());
      if (f == null) {
        throw new IllegalArgumentException(
            "source: column '"
                + c.name()
                + "' of the view's source is not in the raw events "
                + t.describe()
                + " (columns: "
                + raw.columns().stream().map(Types.NestedField::name).toList()
                + ")");
      }
      Type.TypeID id = f.type().typeId();
      boolean numeric = id == Type.TypeID.LONG || id == Type.TypeID.INTEGER;
      String expr;
      if (c.type().equals(FeatureType.TIMESTAMP) && numeric) {
        expr = "TO_TIMESTAMP_LTZ(" + q(c.name()) + ", 3)";
      } else if (id == Type.TypeID.STRING && numericScalar(c.type())) {
        // TRY_CAST: a text that is not a number is dropped by the check below, not a failed job
        expr = "TRY_CAST(" + q(c.name()) + " AS " + c.type().flinkSqlType() + ")";
      } else {
        expr = "CAST(" + q(c.name()) + " AS " + c.type().flinkSqlType() + ")";
      }
      cols.add(expr + " AS " + q(c.name()));
      String readable = readable(c, id);
      if (readable != null) {
        notNull.add(readable);
      }
      boolean fractional =
          id == Type.TypeID.DOUBLE || id == Type.TypeID.FLOAT || id == Type.TypeID.DECIMAL;
      boolean eventTimeColumn = c.name().equals(schema.eventTimeField());
      if (fractional && !c.type().array() && (c.type().scalar().isIntegral() || eventTimeColumn)) {
        // a fraction (2.5) or a number beyond the type where a whole number is declared: the
        // streaming parser dead-letters it ("wrong type ..., got the number 2.5"), and CAST
        // truncated it to 2; such a row is malformed here too (dropped, counted in skipped). A
        // whole one (87.0, as pandas writes an integer column with missing values) is read. The
        // same for a DECIMAL, and for epoch milliseconds in an event-time column.
        boolean int32 = c.type().scalar() == FeatureType.Scalar.INT32;
        notNull.add(
            "("
                + q(c.name())
                + " IS NULL OR ("
                + q(c.name())
                + " = FLOOR("
                + q(c.name())
                + ") AND "
                + q(c.name())
                + (int32
                    ? " BETWEEN -2147483648 AND 2147483647"
                    : " >= -9.223372036854775808E18 AND "
                        + q(c.name())
                        + " < 9.223372036854775808E18")
                + "))");
      }
      if (eventTimeColumn) {
        if (c.type().equals(FeatureType.TIMESTAMP) && !fractional) {
          eventTime = expr;
          eventMs = EpochMillis.NAME + "(" + expr + ")";
        } else if (c.type().equals(FeatureType.INT64) && numeric) {
          eventTime = "TO_TIMESTAMP_LTZ(" + q(c.name()) + ", 3)";
          eventMs = "CAST(" + q(c.name()) + " AS BIGINT)";
        } else if (c.type().equals(FeatureType.TIMESTAMP) || c.type().equals(FeatureType.INT64)) {
          // epoch milliseconds, as the streaming parser reads a JSON number: an integer column;
          // a DECIMAL or floating-point one whose value is whole (checked above; a plain CAST to
          // TIMESTAMP_LTZ failed the job, "The cast from NUMERIC type to TIMESTAMP_LTZ type is
          // not allowed", and one to BIGINT truncated 1000.5 for an INT64);
          // or, for an INT64, text holding a whole number (a JSON producer would send the
          // number; the parser refuses a '+' and any other text, so does the check below)
          if (id == Type.TypeID.STRING) {
            String trimmed = "TRIM(" + q(c.name()) + ")";
            eventMs = "TRY_CAST(" + trimmed + " AS BIGINT)";
            notNull.add("COALESCE(REGEXP(" + trimmed + ", '^-?[0-9]+$'), FALSE)");
          } else {
            eventMs = "TRY_CAST(" + q(c.name()) + " AS BIGINT)";
          }
          eventTime = "TO_TIMESTAMP_LTZ(" + eventMs + ", 3)";
          if (c.type().equals(FeatureType.TIMESTAMP)) {
            // the column's own value is the same time
            cols.set(cols.size() - 1, eventTime + " AS " + q(c.name()));
          }
        } else {
          throw new IllegalArgumentException(
              "event_time_field: '"
                  + c.name()
                  + "' is "
                  + c.type()
                  + " (expected: timestamp or int64 epoch milliseconds)");
        }
      }
      if (c.name().equals(schema.eventTimeField())
          || schema.requiredKeys().contains(c.name())
          || c.name().equals(schema.dedupKey())) {
        notNull.add(q(c.name()) + " IS NOT NULL");
      }
    }
    // a key longer than the lookup service takes is malformed, as the parser has it (an HBase
    // row key over 32,767 bytes failed the --online backfill)
    List<String> keyChars = new ArrayList<>();
    for (SourceField c : schema.columns()) {
      if (schema.requiredKeys().contains(c.name()) && c.type().equals(FeatureType.STRING)) {
        keyChars.add("CHAR_LENGTH(" + q(c.name()) + ")");
      }
    }
    if (!keyChars.isEmpty()) {
      notNull.add(String.join(" + ", keyChars) + " <= " + EntityKeyCodec.MAX_KEY_CHARS);
    }
    // an event time before 1973-03-03 is refused as the streaming job's parser refuses it (epoch
    // seconds read as milliseconds land there): dropped and counted in skipped, not backfilled
    notNull.add(eventMs + " >= " + OfflineTimes.MIN_PLAUSIBLE_MILLIS);
    cols.add(eventTime + " AS " + q(EventSchema.EVENT_TIME));
    cols.add(eventMs + " AS " + q(EventSchema.EVENT_MS));
    cols.add(meta(raw, BackfillSource.OFFSET_COLUMNS, "BIGINT") + " AS " + q(EventSchema.SEQ));
    cols.add(
        meta(raw, List.of("_partition", "partition"), "INT") + " AS " + q(EventSchema.PARTITION));
    // never empty: the event time is always required
    String valid = String.join(" AND ", notNull);
    String select =
        "SELECT " + String.join(",\n  ", cols) + "\nFROM " + readFrom + "\nWHERE " + valid;
    return new TableEvents(select, readFrom, valid, eventMs);
  }

  private static boolean numericScalar(FeatureType t) {
    return !t.array()
        && (t.scalar().isIntegral()
            || t.scalar() == FeatureType.Scalar.FLOAT32
            || t.scalar() == FeatureType.Scalar.FLOAT64);
  }

  /**
   * The check that a history value the CAST would misread is malformed, as the streaming parser has
   * it, or null: text that is not a number (or not a whole one, or beyond the type) in a numeric
   * column ('abc' for INT32 failed the backfill on CAST; '2.5' was read as 2), and a 64-bit integer
   * beyond an INT32 column (3000000000 wrapped to -1294967296). The parser dead-letters the same
   * values: 'got JSON STRING', 'out of range for ...'.
   */
  private static String readable(SourceField c, Type.TypeID id) {
    if (!numericScalar(c.type())) {
      return null;
    }
    String col = q(c.name());
    FeatureType.Scalar s = c.type().scalar();
    String sqlType = c.type().flinkSqlType();
    if (id == Type.TypeID.STRING) {
      String number =
          s.isIntegral()
              ? "REGEXP(TRIM(" + col + "), '^[+-]?[0-9]+$')"
              : "REGEXP(TRIM("
                  + col
                  + "), '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$')";
      // a float beyond the type is read as infinity: malformed, as the parser's 'out of range'
      String fits =
          s.isIntegral()
              ? "TRY_CAST(" + col + " AS " + sqlType + ") IS NOT NULL"
              : "COALESCE(ABS(TRY_CAST("
                  + col
                  + " AS "
                  + sqlType
                  + ")) <= "
                  + (s == FeatureType.Scalar.FLOAT32
                      ? "3.4028234663852886E38"
                      : "1.7976931348623157E308")
                  + ", FALSE)";
      return "(" + col + " IS NULL OR (" + number + " AND " + fits + "))";
    }
    if (id == Type.TypeID.LONG && s == FeatureType.Scalar.INT32) {
      return "(" + col + " IS NULL OR " + col + " BETWEEN -2147483648 AND 2147483647)";
    }
    return null;
  }

  private static String meta(org.apache.iceberg.Schema raw, List<String> names, String type) {
    for (String n : names) {
      if (raw.findField(n) != null) {
        return "CAST(" + q(n) + " AS " + type + ")";
      }
    }
    return "CAST(0 AS " + type + ")";
  }

  /**
   * Registers {@link #PARSED} from the Kafka range, for event times from {@code fromMs} on; returns
   * the range's offsets.
   */
  private static long registerKafka(
      Request r, EventSchema schema, Source source, String spec, long fromMs) {
    QuiverConfig config = r.config();
    String topic = source.option("topic");
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException(
          "source: view source "
              + source.name()
              + " names no topic (expected: a Kafka source, or --source PATH|TABLE)");
    }
    // the streaming job's decoder for the topic's format (json, debezium-json or avro)
    dev.quiver.jobs.ingest.SourceFormat format = dev.quiver.jobs.ingest.SourceFormat.of(source);
    format.decoder(schema); // refuses an Avro writer schema without a declared column, as the job
    Properties props = new Properties();
    props.putAll(config.withPrefix(JobOptions.KAFKA_PROPERTIES_PREFIX));
    source
        .options()
        .forEach(
            (k, v) -> {
              if (k.startsWith("properties.")) {
                props.put(k.substring("properties.".length()), v);
              }
            });
    String bootstrap = JobOptions.bootstrapServers(source, config);
    props.put("bootstrap.servers", bootstrap);
    // The records before the first one with a Kafka timestamp at or after from - max-ahead hold
    // no event of the range: an event time more than jobs.event-time-max-ahead ahead of its
    // record's timestamp is skipped (the streaming job dead-letters it), so an event at or after
    // `from` that counts has a timestamp at or after from - max-ahead. Events may be late, so the
    // end cannot be cut; with the check off (0s) nothing bounds the start either.
    long maxAhead = config.get(JobOptions.EVENT_TIME_MAX_AHEAD).toMillis();
    long notBefore = maxAhead > 0 ? Math.max(0, fromMs) - maxAhead : Long.MIN_VALUE;
    KafkaRange range = KafkaRange.resolve(spec, topic, props, notBefore);
    KafkaSource<dev.quiver.jobs.ingest.RawEvent> kafka =
        KafkaSource.<dev.quiver.jobs.ingest.RawEvent>builder()
            .setBootstrapServers(bootstrap)
            .setTopics(topic)
            .setGroupId("quiver-backfill-" + source.name())
            .setStartingOffsets(OffsetsInitializer.offsets(range.first()))
            .setBounded(OffsetsInitializer.offsets(range.end()))
            .setDeserializer(new RawEventDeserializer())
            .setProperties(props)
            .build();
    var parsed =
        r.env()
            .fromSource(kafka, WatermarkStrategy.noWatermarks(), "kafka-range:" + topic)
            .flatMap(
                new BatchParser(
                    schema, format, config.get(JobOptions.EVENT_TIME_MAX_AHEAD).toMillis()),
                ExternalTypeInfo.of(schema.rowType()))
            .name("parse");
    r.tEnv()
        .createTemporaryView(
            PARSED, parsed, Schema.newBuilder().fromRowDataType(schema.rowType()).build());
    return range.offsets();
  }

  static String q(String name) {
    return org.apache.flink.table.utils.EncodingUtils.escapeIdentifier(name);
  }
}
