package dev.quiver.offline;

import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.iceberg.Schema;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * The batch SQL of a backfill: the view's projection of its raw events into the offline table's
 * columns, over an event-time range. Row features use their SQL expression (or the source column of
 * the same name), aggregation inputs copy their source column; duplicates by the source's dedup key
 * are dropped (first by event time); {@code _ingested_at} is the backfill's start time, the moment
 * its rows become available to point-in-time reads.
 *
 * <p>Until the streaming job planner lands, this is the batch twin of the streaming projection;
 * views with SQL transformations are refused with that reason.
 */
final class BackfillSql {
  private BackfillSql() {}

  static String select(
      FeatureView view,
      List<JoinKey> keys,
      Schema table,
      Schema raw,
      String rawTable,
      Instant from,
      Instant to,
      Instant ingestedAt) {
    if (!view.transformations().isEmpty()) {
      throw new IllegalArgumentException(
          "view "
              + view.qualifiedName()
              + ":"
              + view.version()
              + " has a SQL transformation; its backfill needs the streaming job planner's"
              + " batch SQL (not available in this build)");
    }
    String etf = view.source() == null ? OfflineTables.EVENT_TIME : view.source().eventTimeField();
    Types.NestedField etField = raw.findField(etf);
    if (etField == null) {
      throw new IllegalArgumentException(
          "source: event-time field '" + etf + "' is not a column of the raw events " + rawTable);
    }
    String eventTime =
        etField.type().typeId() == Type.TypeID.TIMESTAMP
            ? "CAST(" + q(etf) + " AS TIMESTAMP_LTZ(6))"
            : "TO_TIMESTAMP_LTZ(" + q(etf) + ", 3)";
    String seq =
        raw.findField("_seq") != null
            ? "CAST(`_seq` AS BIGINT)"
            : raw.findField("offset") != null ? "CAST(`offset` AS BIGINT)" : "CAST(0 AS BIGINT)";
    List<String> cols = new ArrayList<>();
    for (Types.NestedField c : table.columns()) {
      String name = c.name();
      String expr;
      if (name.equals(OfflineTables.EVENT_TIME)) {
        expr = eventTime;
      } else if (name.equals(OfflineTables.SEQ)) {
        expr = seq;
      } else if (name.equals(OfflineTables.INGESTED_AT)) {
        expr = "TO_TIMESTAMP_LTZ(" + ingestedAt.toEpochMilli() + ", 3)";
      } else if (name.startsWith(OfflineTables.INPUT_PREFIX)) {
        expr = rawColumn(raw, name.substring(OfflineTables.INPUT_PREFIX.length()), rawTable);
      } else if (keys.stream().anyMatch(k -> k.name().equals(name))) {
        expr = rawColumn(raw, name, rawTable);
      } else {
        Feature f = view.feature(name).orElse(null);
        expr =
            f == null
                ? "NULL"
                : f.expression() != null ? f.expression() : rawColumn(raw, name, rawTable);
      }
      cols.add("CAST(" + expr + " AS " + sqlType(c.type()) + ") AS " + q(name));
    }
    String dedup =
        view.source() != null && view.source().dedupKey() != null ? view.source().dedupKey() : null;
    if (dedup != null) {
      cols.add("CAST(" + rawColumn(raw, dedup, rawTable) + " AS STRING) AS `_dedup`");
    }
    String notNull =
        String.join(" AND ", keys.stream().map(k -> q(k.name()) + " IS NOT NULL").toList());
    String ranged =
        "SELECT * FROM (SELECT "
            + String.join(", ", cols)
            + " FROM "
            + rawTable
            + ") WHERE "
            + notNull
            + " AND `event_time` >= TO_TIMESTAMP_LTZ("
            + from.toEpochMilli()
            + ", 3) AND `event_time` < TO_TIMESTAMP_LTZ("
            + to.toEpochMilli()
            + ", 3)";
    String cs = String.join(", ", table.columns().stream().map(c -> q(c.name())).toList());
    if (dedup == null) {
      return "SELECT " + cs + " FROM (" + ranged + ")";
    }
    // keep the first occurrence of each dedup key (as the streaming job's dedup does)
    return "SELECT "
        + cs
        + " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY `_dedup` ORDER BY `event_time`,"
        + " `_seq`) AS `_rn` FROM ("
        + ranged
        + ")) WHERE `_rn` = 1";
  }

  private static String rawColumn(Schema raw, String name, String rawTable) {
    if (raw.findField(name) == null) {
      throw new IllegalArgumentException(
          "source: column '"
              + name
              + "' is not in the raw events "
              + rawTable
              + " "
              + raw.asStruct());
    }
    return q(name);
  }

  static String sqlType(Type t) {
    LogicalType lt = FlinkSchemaUtil.convert(t);
    return lt.copy(true).asSerializableString();
  }

  static String q(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
