package dev.quiver.catalog;

import dev.quiver.core.offline.OfflineTimes;
import dev.quiver.offline.OfflineCatalogs;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.iceberg.HistoryEntry;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkDynamicTableFactory;

/**
 * {@code 'connector'='quiver-offline'}: a view's offline table as the Quiver catalog serves it
 * ({@code view$offline}), read by Iceberg's Flink connector after the time-travel options are
 * checked against the table: a {@code snapshot-id} the table does not have, or an {@code
 * as-of-timestamp} before its first snapshot, is an error naming the table, its snapshots and the
 * fix (Iceberg said "Cannot find snapshot with ID 123" or "Cannot find a snapshot older than ...");
 * {@code as-of-timestamp} also takes an ISO-8601 time ({@link OfflineTimes#parse}) besides epoch
 * millis (Iceberg threw a NumberFormatException). Read-only: the table is written by the view's
 * streaming job and backfills.
 */
public final class OfflineTableSourceFactory implements DynamicTableSourceFactory {
  public static final String IDENTIFIER = "quiver-offline";
  static final String SNAPSHOT_ID = "snapshot-id";
  static final String AS_OF_TIMESTAMP = "as-of-timestamp";
  static final String TAG = "tag";

  private final Map<String, String> catalogProperties;

  /** The factory Flink discovers by {@code 'connector'='quiver-offline'}: it knows no secrets. */
  public OfflineTableSourceFactory() {
    this(Map.of());
  }

  /**
   * The Quiver catalog's factory ({@link QuiverCatalog#getFactory()}), used by Flink for every
   * table of that catalog: it reads a {@code view$offline} table with {@code catalogProperties}
   * (the offline catalog's Flink properties, {@link OfflineCatalogs#flinkProperties}) in place of
   * the masked values the table's options show, and hands the other tables to the factory their
   * {@code connector} names.
   */
  OfflineTableSourceFactory(Map<String, String> catalogProperties) {
    this.catalogProperties = Map.copyOf(catalogProperties);
  }

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of();
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of(); // Iceberg's connector validates its own options
  }

  @Override
  public DynamicTableSource createDynamicTableSource(Context context) {
    Map<String, String> shown = context.getCatalogTable().getOptions();
    if (!IDENTIFIER.equals(shown.get(FactoryUtil.CONNECTOR.key()))) {
      // the catalog's factory, asked for one of its feature view tables: Flink's discovery
      return FactoryUtil.createDynamicTableSource(
          null,
          context.getObjectIdentifier(),
          context.getCatalogTable(),
          context.getEnrichmentOptions(),
          context.getConfiguration(),
          context.getClassLoader(),
          context.isTemporary());
    }
    Map<String, String> options = new HashMap<>(OfflineCatalogs.unmasked(shown, catalogProperties));
    String name = context.getObjectIdentifier().asSummaryString();
    refuseMasked(options, name);
    checkTimeTravel(options, name);
    options.put(FactoryUtil.CONNECTOR.key(), "iceberg");
    Context iceberg =
        new FactoryUtil.DefaultDynamicTableContext(
            context.getObjectIdentifier(),
            context.getCatalogTable().copy(options),
            context.getEnrichmentOptions(),
            context.getConfiguration(),
            context.getClassLoader(),
            context.isTemporary());
    return new FlinkDynamicTableFactory().createDynamicTableSource(iceberg);
  }

  /**
   * A secret still masked: the table was declared from {@code SHOW CREATE TABLE}'s text rather than
   * read through the Quiver catalog, which alone knows the value.
   */
  private static void refuseMasked(Map<String, String> options, String name) {
    for (Map.Entry<String, String> e : options.entrySet()) {
      if (e.getValue().contains(OfflineCatalogs.MASK)) {
        throw new ValidationException(
            name
                + ": '"
                + e.getKey()
                + "' is "
                + OfflineCatalogs.MASK
                + ", the mask SHOW CREATE TABLE prints in place of the offline catalog's secret"
                + " (expected: the table read through the Quiver catalog, SELECT * FROM"
                + " <catalog>.<namespace>.`<view>$offline`, whose offline.properties.* hold the"
                + " secret; or the secret itself in the table's options)");
      }
    }
  }

  /** Normalizes {@code as-of-timestamp} to epoch millis and checks both options on the table. */
  static void checkTimeTravel(Map<String, String> options, String name) {
    String snapshotText = options.get(SNAPSHOT_ID);
    String timeText = options.get(AS_OF_TIMESTAMP);
    String tag = options.get(TAG);
    List<String> given = new ArrayList<>();
    for (String option : List.of(SNAPSHOT_ID, AS_OF_TIMESTAMP, TAG)) {
      if (options.get(option) != null) {
        given.add(option);
      }
    }
    if (given.size() > 1) {
      // Iceberg's "Cannot override snapshot, already set snapshot id=..."
      throw new ValidationException(
          name
              + ": "
              + String.join(" and ", given)
              + " name "
              + (given.size() == 2 ? "two" : "three")
              + " points in time (expected: one of snapshot-id, as-of-timestamp or tag)");
    }
    if (given.isEmpty()) {
      return;
    }
    Long snapshotId = null;
    if (snapshotText != null) {
      try {
        snapshotId = Long.parseLong(snapshotText.trim());
      } catch (NumberFormatException e) {
        throw new ValidationException(
            name
                + ": "
                + SNAPSHOT_ID
                + " '"
                + snapshotText
                + "' (expected: a snapshot id, a 64-bit integer, from a manifest or $snapshots)");
      }
    }
    Long millis = null;
    if (timeText != null) {
      millis = epochMillis(timeText, name);
      options.put(AS_OF_TIMESTAMP, Long.toString(millis));
    }
    Table table;
    try {
      table = load(options);
    } catch (RuntimeException e) {
      return; // Iceberg's connector opens the table itself and says what is wrong
    }
    String snapshots =
        "; SELECT * FROM "
            + options.get("catalog-name")
            + ".`"
            + options.get("catalog-database")
            + "`.`"
            + options.get("catalog-table")
            + "$snapshots` lists them";
    if (tag != null && (table.refs().get(tag) == null || !table.refs().get(tag).isTag())) {
      // Iceberg's bare "Cannot find ref nope"
      List<String> tags =
          table.refs().entrySet().stream()
              .filter(e -> e.getValue().isTag())
              .map(Map.Entry::getKey)
              .sorted()
              .toList();
      throw new ValidationException(
          name
              + ": tag '"
              + tag
              + "' is not a tag of "
              + table.name()
              + " (tags: "
              + (tags.isEmpty()
                  ? "none"
                  : String.join(", ", tags.subList(0, Math.min(10, tags.size())))
                      + (tags.size() > 10 ? ", ... (" + tags.size() + " tags)" : ""))
              + "); a backfill's tag is backfill-<its id> (quiver describe VIEW lists the"
              + " view's backfills), or read as of a snapshot-id or as-of-timestamp");
    }
    if (snapshotId != null && table.snapshot(snapshotId) == null) {
      throw new ValidationException(
          name
              + ": "
              + SNAPSHOT_ID
              + " "
              + snapshotId
              + " is not a snapshot of "
              + table.name()
              + " (newest: "
              + newest(table)
              + ")"
              + snapshots);
    }
    if (millis != null) {
      List<HistoryEntry> history = table.history();
      HistoryEntry first =
          history.stream()
              .min(Comparator.comparingLong(HistoryEntry::timestampMillis))
              .orElse(null);
      if (first == null || millis < first.timestampMillis()) {
        throw new ValidationException(
            name
                + ": "
                + AS_OF_TIMESTAMP
                + " "
                + millis
                + " ("
                + Instant.ofEpochMilli(millis)
                + ") is before the first snapshot of "
                + table.name()
                + (first == null
                    ? ", which has none yet: nothing was written to it"
                    : ", committed at "
                        + Instant.ofEpochMilli(first.timestampMillis())
                        + " (snapshot "
                        + first.snapshotId()
                        + "): nothing had been written yet; use that time or a later one")
                + snapshots);
      }
    }
  }

  private static long epochMillis(String text, String name) {
    String t = text.trim();
    try {
      return Long.parseLong(t);
    } catch (NumberFormatException notMillis) {
      try {
        return OfflineTimes.parse(t).toEpochMilli();
      } catch (DateTimeParseException e) {
        throw new ValidationException(
            name
                + ": "
                + AS_OF_TIMESTAMP
                + " '"
                + text
                + "' (expected: epoch milliseconds, or an ISO-8601 time such as"
                + " 2024-05-01T00:00:00Z)");
      }
    }
  }

  /** The newest snapshots (at most three), as {@code id at time}. */
  private static String newest(Table table) {
    List<String> out = new ArrayList<>();
    List<Snapshot> all = new ArrayList<>();
    table.snapshots().forEach(all::add);
    all.sort(Comparator.comparingLong(Snapshot::timestampMillis).reversed());
    for (Snapshot s : all.subList(0, Math.min(3, all.size()))) {
      out.add(s.snapshotId() + " at " + Instant.ofEpochMilli(s.timestampMillis()));
    }
    return out.isEmpty() ? "none, nothing was written yet" : String.join(", ", out);
  }

  /** The table, through the offline catalog the options name (as Iceberg's connector opens it). */
  private static Table load(Map<String, String> options) {
    Map<String, String> props = new HashMap<>();
    options.forEach(
        (k, v) -> {
          if (k.equals("catalog-type")) {
            props.put(org.apache.iceberg.CatalogUtil.ICEBERG_CATALOG_TYPE, v);
          } else if (k.equals("catalog-impl")) {
            // the class OfflineCatalogs.flinkProperties names: the loader opens the same one
            props.put(org.apache.iceberg.CatalogUtil.ICEBERG_CATALOG_TYPE, OfflineCatalogs.type(v));
          } else if (!k.equals("connector") && !k.startsWith("catalog-")) {
            props.put(k, v);
          }
        });
    // a JDBC catalog keys its tables by the catalog's name: open it under the same one
    if (options.get("catalog-name") != null) {
      props.put("quiver.catalog-name", options.get("catalog-name"));
    }
    Catalog catalog = OfflineCatalogs.loader(props).loadCatalog();
    try {
      return catalog.loadTable(
          TableIdentifier.of(options.get("catalog-database"), options.get("catalog-table")));
    } finally {
      if (catalog instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception ignored) {
          // a catalog client; the table is loaded
        }
      }
    }
  }
}
