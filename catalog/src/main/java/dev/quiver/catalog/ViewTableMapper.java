package dev.quiver.catalog;

import static dev.quiver.catalog.ViewTableOptions.*;

import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Durations;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Transformation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.catalog.CatalogTable;

/**
 * Shows one stored feature view version as a Flink table: the entities' join keys (the primary key,
 * not enforced), {@code event_time TIMESTAMP_LTZ(3)}, then the features, with the view's settings
 * as {@code quiver.*} options. {@code DESCRIBE} has no room for options, so the event-time column's
 * comment carries the version, owner and ttl too.
 */
final class ViewTableMapper {
  private ViewTableMapper() {}

  /**
   * @param entities the view's entities in the order the view names them (implicit ones included)
   */
  static CatalogTable toTable(ViewRecord record, List<Entity> entities) {
    FeatureView view = record.view();
    Schema.Builder schema = Schema.newBuilder();
    List<String> keys = new ArrayList<>();
    for (Entity entity : entities) {
      for (JoinKey key : entity.joinKeys()) {
        if (keys.contains(key.name())) {
          continue; // two entities sharing a key column: one column
        }
        keys.add(key.name());
        schema
            .column(key.name(), key.type().flinkSqlType() + " NOT NULL")
            .withComment("join key of entity " + entity.name());
      }
    }
    schema
        .column(EVENT_TIME_COLUMN, DataTypes.TIMESTAMP_LTZ(3))
        .withComment(
            "event time; view "
                + view.qualifiedName()
                + " "
                + view.version()
                + ", owner "
                + (view.owner().isEmpty() ? "(none)" : view.owner())
                + ", ttl "
                + Durations.format(view.ttl())
                + ", "
                + view.status());
    for (Feature f : view.features()) {
      if (keys.contains(f.name()) || f.name().equals(EVENT_TIME_COLUMN)) {
        continue; // the validator forbids this; never emit a duplicate column
      }
      schema.column(f.name(), f.dtype().flinkSqlType());
      if (!f.description().isEmpty()) {
        schema.withComment(f.description());
      }
    }
    if (!keys.isEmpty()) {
      schema.primaryKeyNamed("pk_" + view.name(), keys);
    }
    return CatalogTable.newBuilder()
        .schema(schema.build())
        .comment(view.description())
        .partitionKeys(List.of())
        .options(options(record))
        .build();
  }

  static Map<String, String> options(ViewRecord record) {
    FeatureView view = record.view();
    Map<String, String> o = new LinkedHashMap<>();
    o.put(CONNECTOR, CONNECTOR_VALUE);
    o.put(VERSION, view.version().toString());
    o.put(STATUS, view.status().name());
    o.put(OWNER, view.owner());
    o.put(TTL, Durations.format(view.ttl()));
    o.put(ENTITIES, String.join(",", view.entities()));
    if (view.source() != null) {
      o.put(SOURCE, view.source().name());
    }
    List<Transformation> ts = view.transformations();
    for (int i = 0; i < ts.size(); i++) {
      o.put(i == 0 ? TRANSFORMATION : TRANSFORMATION + "." + (i + 1), ts.get(i).code());
    }
    putDuration(o, SLA_FRESHNESS, view.slaFreshness());
    putDuration(o, ALLOWED_LATENESS, view.allowedLateness());
    o.put(TILE_SIZE, Durations.format(view.tileSize()));
    putDuration(o, AVAILABILITY_DELAY, view.availabilityDelay());
    o.put(ONLINE, Boolean.toString(view.online()));
    o.put(OFFLINE, Boolean.toString(view.offline()));
    view.tags().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> o.put(TAGS_PREFIX + e.getKey(), e.getValue()));
    for (Feature f : view.features()) {
      String p = FEATURE_PREFIX + f.name() + ".";
      if (f.expression() != null) {
        o.put(p + EXPRESSION, f.expression());
      }
      f.aggregationOpt().ifPresent(a -> o.put(p + AGGREGATION, AggregationText.format(a)));
      f.tags().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> o.put(p + "tags." + e.getKey(), e.getValue()));
    }
    o.put("quiver.created-at", record.createdAt().toString());
    o.put("quiver.created-by", record.createdBy());
    if (record.sunsetAt() != null) {
      o.put("quiver.sunset", record.sunsetAt().toString());
    }
    if (!record.warnings().isEmpty()) {
      o.put("quiver.warnings", String.join(" | ", record.warnings()));
    }
    return o;
  }

  private static void putDuration(Map<String, String> o, String key, Duration d) {
    if (d != null && !d.isZero()) {
      o.put(key, Durations.format(d));
    }
  }
}
