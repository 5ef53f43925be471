package dev.quiver.catalog;

import java.util.List;
import java.util.Set;

/**
 * The table options through which a feature view shows itself as a Flink table, and through which
 * {@code CREATE TABLE} / {@code ALTER TABLE} describe one. Keys are documented in {@code
 * docs/sql-client.md}.
 */
public final class ViewTableOptions {
  public static final String CONNECTOR = "connector";

  /** The connector identifier; reads and writes are implemented by the jobs module. */
  public static final String CONNECTOR_VALUE = "quiver";

  public static final String PREFIX = "quiver.";
  public static final String VERSION = "quiver.version";
  public static final String OWNER = "quiver.owner";
  public static final String TTL = "quiver.ttl";
  public static final String STATUS = "quiver.status";
  public static final String ENTITIES = "quiver.entities";
  public static final String SOURCE = "quiver.source";
  public static final String TRANSFORMATION = "quiver.transformation";
  public static final String SLA_FRESHNESS = "quiver.sla.freshness";
  public static final String ALLOWED_LATENESS = "quiver.allowed-lateness";
  public static final String TILE_SIZE = "quiver.tile-size";
  public static final String AVAILABILITY_DELAY = "quiver.availability-delay";
  public static final String ONLINE = "quiver.online";
  public static final String OFFLINE = "quiver.offline";

  /** {@code quiver.tags.<key>} = value. */
  public static final String TAGS_PREFIX = "quiver.tags.";

  /**
   * {@code quiver.feature.<column>.expression}, {@code .aggregation}, {@code .tags.<key>}: what a
   * feature column computes.
   */
  public static final String FEATURE_PREFIX = "quiver.feature.";

  public static final String EXPRESSION = "expression";
  public static final String AGGREGATION = "aggregation";

  /** Shown by the catalog, never accepted on input (the registry owns them). */
  public static final Set<String> READ_ONLY =
      Set.of("quiver.created-at", "quiver.created-by", "quiver.sunset", "quiver.warnings");

  /** The event-time column every feature view table has. */
  public static final String EVENT_TIME_COLUMN = "event_time";

  /** Plain keys accepted on input (prefixed families are checked separately). */
  public static final List<String> SETTABLE =
      List.of(
          CONNECTOR,
          VERSION,
          OWNER,
          TTL,
          STATUS,
          ENTITIES,
          SOURCE,
          TRANSFORMATION,
          SLA_FRESHNESS,
          ALLOWED_LATENESS,
          TILE_SIZE,
          AVAILABILITY_DELAY,
          ONLINE,
          OFFLINE);

  private ViewTableOptions() {}
}
