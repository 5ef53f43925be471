package dev.quiver.jobs.plan;

import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.ingest.EventSchema;
import dev.quiver.offline.OfflineCatalogs;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Flink SQL of one feature view's materialization: everything after the parsed event stream, as
 * one statement set. The same text runs in streaming mode (events from Kafka through {@code
 * EventGate}) and in batch mode for backfills (events from a bounded table with the same columns);
 * only the definition of {@link #eventsTable()} differs.
 *
 * @param eventsTable the name the parsed events are registered under
 * @param eventSchema the parsed events' columns
 * @param setup catalog, function and sink-table definitions
 * @param views the dedup and projection views
 * @param inserts the INSERT statements executed together as one statement set
 */
public record MaterializationPlan(
    FeatureView view,
    String eventsTable,
    EventSchema eventSchema,
    List<String> setup,
    List<String> views,
    List<String> inserts) {

  public MaterializationPlan {
    setup = List.copyOf(setup);
    views = List.copyOf(views);
    inserts = List.copyOf(inserts);
  }

  /** The whole plan as runnable SQL text, for {@code quiver plan}. */
  public String sqlText() {
    StringBuilder sb = new StringBuilder();
    sb.append("-- Quiver materialization of ")
        .append(view.qualifiedName())
        .append(':')
        .append(view.version())
        .append("\n-- `")
        .append(eventsTable)
        .append("` holds the accepted events.");
    if (view.source() == null || view.source().isStream()) {
      sb.append(" Streaming: Kafka -> EventGate (decoding,")
          .append(
              "\n-- per-partition watermark, lateness cut, dead letters) -> dedup on the dedup key")
          .append("\n-- (keyed by entity, state TTL) registers it as a view.");
    } else {
      // no streaming job for a table source (quiver materialize refuses it): backfills fill it
      sb.append(" The source '")
          .append(view.source().name())
          .append("' (kind ")
          .append(view.source().kind())
          .append(") is a table, not a stream:")
          .append("\n-- no streaming job; quiver backfill ")
          .append(view.name())
          .append(" --from A --to B runs this SQL over its history.");
    }
    sb.append("\n-- Batch (backfill): a bounded table with these columns:\n-- CREATE TABLE `")
        .append(eventsTable)
        .append("` (\n");
    String columns = eventSchema.ddlColumns();
    boolean rowtime = JobPlanner.needsRowtime(view);
    if (rowtime) {
      // batch group windows take a TIMESTAMP: the backfill casts _event_time the same way
      // (StreamingSqlBackfillPlanner); with TIMESTAMP_LTZ the printed text failed in batch mode
      // with "Unsupported reinterpret cast from 'TIMESTAMP_LTZ(3)' to 'BIGINT'"
      columns =
          columns.replace(
              "`" + EventSchema.EVENT_TIME + "` TIMESTAMP_LTZ(3)",
              "`" + EventSchema.EVENT_TIME + "` TIMESTAMP(3)");
    }
    for (String line : columns.split("\n")) {
      sb.append("--").append(line).append('\n');
    }
    sb.append("-- ) WITH (...);\n");
    if (rowtime) {
      sb.append("-- (`")
          .append(EventSchema.EVENT_TIME)
          .append("` as TIMESTAMP(3), UTC wall time: batch group windows take a TIMESTAMP.)\n");
    }
    if (view.offline()) {
      sb.append("-- The offline table exists once quiver materialize or quiver backfill has run")
          .append("\n-- (its day partitioning has no Flink DDL). With `")
          .append(eventsTable)
          .append("` defined, this text runs as is\n-- in quiver sql (batch mode).\n");
    }
    // the job and the backfill run in UTC (StreamingPipeline.configureTables): the same values for
    // time functions and windows wherever the text runs
    sb.append("\nSET 'table.local-time-zone' = 'UTC';\n\n");
    for (String s : setup) {
      sb.append(masked(s)).append(";\n\n");
    }
    for (String s : views) {
      sb.append(s).append(";\n\n");
    }
    sb.append("EXECUTE STATEMENT SET\nBEGIN\n");
    for (String s : inserts) {
      sb.append(s).append(";\n");
    }
    sb.append("END;\n");
    return sb.toString();
  }

  private static final Pattern OPTION = Pattern.compile("'((?:[^']|'')*)' = '((?:[^']|'')*)'");

  /**
   * A setup statement as {@code quiver plan} prints it: the value of a secret option (the offline
   * catalog's {@code jdbc.password}, {@link OfflineCatalogs#isSecret}) as {@value
   * OfflineCatalogs#MASK}, and a {@code password=} in a URL masked too. The job runs the statement
   * itself; in {@code quiver sql} the printed one is a no-op ({@code CREATE CATALOG IF NOT EXISTS}
   * of the catalog its init script registered).
   */
  static String masked(String statement) {
    Matcher m = OPTION.matcher(statement);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value =
          OfflineCatalogs.isSecret(m.group(1))
              ? OfflineCatalogs.MASK
              : OfflineCatalogs.redact(m.group(2));
      m.appendReplacement(out, Matcher.quoteReplacement("'" + m.group(1) + "' = '" + value + "'"));
    }
    m.appendTail(out);
    return out.toString();
  }
}
