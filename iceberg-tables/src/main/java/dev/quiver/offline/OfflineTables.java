package dev.quiver.offline;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.SourceField;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * The Iceberg layout of a feature view's offline table: one table per view major version, {@code
 * <namespace>.<view>_v<major>}, format v2, partitioned by {@code day(event_time)}, with one row per
 * accepted (deduplicated, on-time) event.
 *
 * <p>Columns, in order: the entity join keys (required), {@code event_time} (timestamptz,
 * required), the row features, one aggregation input column per distinct aggregated source column
 * ({@code _in_<column>}; {@code count(*)} needs none), {@code _seq} (long, required: the tie-break
 * sequence, e.g. the Kafka offset) and {@code _ingested_at} (timestamptz, required: when the row
 * was written, checked by the availability guard). Compatible revisions of a view only add columns,
 * so {@link #ensureTable} evolves the table by adding the missing ones as optional.
 *
 * <p>Writers (the streaming job, backfills) must fill every column by this layout; readers (the
 * point-in-time join, Spark) find columns by the names given here.
 */
public final class OfflineTables {
  public static final String EVENT_TIME = "event_time";
  public static final String SEQ = "_seq";
  public static final String INGESTED_AT = "_ingested_at";
  public static final String INPUT_PREFIX = "_in_";

  /** Iceberg snapshot summary property holding the backfill id that wrote a snapshot. */
  public static final String BACKFILL_ID_PROPERTY = "quiver.backfill-id";

  /** Table property holding the view's qualified name and version it was last ensured for. */
  public static final String VIEW_PROPERTY = "quiver.view";

  /**
   * Table properties bounding the old {@code metadata.json} files (one per commit: the streaming
   * job commits every checkpoint): the 100 newest are kept, older ones deleted after a commit. Set
   * when Quiver creates a table, and added to a table that has neither.
   */
  public static final Map<String, String> METADATA_RETENTION =
      Map.of(
          TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true",
          TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, "100");

  private OfflineTables() {}

  /** {@code <namespace>.<view>_v<major>}. */
  public static TableIdentifier identifier(FeatureView view) {
    return TableIdentifier.of(
        Namespace.of(view.namespace()), view.name() + "_v" + view.version().major());
  }

  /** The aggregation input column for a source column: {@code _in_<column>}. */
  public static String inputColumn(String sourceColumn) {
    return INPUT_PREFIX + sourceColumn;
  }

  /**
   * The aggregation input columns of a view: each distinct aggregated source column (except {@code
   * *}) with its type, in the order the features name them.
   */
  public static Map<String, FeatureType> inputColumns(FeatureView view) {
    Map<String, FeatureType> out = new LinkedHashMap<>();
    for (Feature f : view.features()) {
      Aggregation a = f.aggregation();
      if (a == null || "*".equals(a.column())) {
        continue;
      }
      out.putIfAbsent(a.column(), inputType(view, f));
    }
    return out;
  }

  /** The row features (non-aggregations) of a view, in declaration order. */
  public static List<Feature> rowFeatures(FeatureView view) {
    return view.features().stream().filter(f -> !f.isAggregation()).toList();
  }

  /** The window aggregations of a view, in declaration order. */
  public static List<Feature> aggregations(FeatureView view) {
    return view.features().stream().filter(Feature::isAggregation).toList();
  }

  /** The join key columns of the view's entities (declared or implicit {@code <entity>_id}). */
  public static List<JoinKey> joinKeys(FeatureView view, Function<String, List<JoinKey>> entities) {
    List<JoinKey> keys = new ArrayList<>();
    for (String e : view.entities()) {
      List<JoinKey> declared = entities == null ? null : entities.apply(e);
      if (declared == null || declared.isEmpty()) {
        keys.add(new JoinKey(e + "_id", FeatureType.STRING));
      } else {
        keys.addAll(declared);
      }
    }
    return keys;
  }

  /** The join keys when every entity is implicit ({@code <entity>_id STRING}). */
  public static List<JoinKey> joinKeys(FeatureView view) {
    return joinKeys(view, null);
  }

  /** The table schema of a view whose entities have the given join keys. */
  public static Schema schema(FeatureView view, List<JoinKey> joinKeys) {
    AtomicInteger ids = new AtomicInteger(0);
    List<Types.NestedField> cols = new ArrayList<>();
    for (JoinKey k : joinKeys) {
      cols.add(Types.NestedField.required(ids.incrementAndGet(), k.name(), icebergType(k.type())));
    }
    cols.add(
        Types.NestedField.required(
            ids.incrementAndGet(), EVENT_TIME, Types.TimestampType.withZone()));
    for (Feature f : rowFeatures(view)) {
      cols.add(
          Types.NestedField.optional(ids.incrementAndGet(), f.name(), icebergType(f.dtype(), ids)));
    }
    for (Map.Entry<String, FeatureType> in : inputColumns(view).entrySet()) {
      cols.add(
          Types.NestedField.optional(
              ids.incrementAndGet(), inputColumn(in.getKey()), icebergType(in.getValue(), ids)));
    }
    cols.add(Types.NestedField.required(ids.incrementAndGet(), SEQ, Types.LongType.get()));
    cols.add(
        Types.NestedField.required(
            ids.incrementAndGet(), INGESTED_AT, Types.TimestampType.withZone()));
    return new Schema(cols);
  }

  /** The table schema of a view whose entities are all implicit. */
  public static Schema schema(FeatureView view) {
    return schema(view, joinKeys(view));
  }

  /** {@code day(event_time)}. */
  public static PartitionSpec partitionSpec(Schema schema) {
    return PartitionSpec.builderFor(schema).day(EVENT_TIME).build();
  }

  /** {@link #ensureTable(Catalog, FeatureView, List)} with implicit entity keys. */
  public static Table ensureTable(Catalog catalog, FeatureView view) {
    return ensureTable(catalog, view, joinKeys(view));
  }

  /**
   * Creates the view's table, or evolves it to the view's current revision. Idempotent and safe to
   * call from several writers: a concurrent create is tolerated and the table is re-loaded.
   *
   * @throws IllegalStateException when an existing column has a different type than the view
   *     declares (a breaking change that needs a new major version)
   */
  public static Table ensureTable(Catalog catalog, FeatureView view, List<JoinKey> joinKeys) {
    Objects.requireNonNull(catalog, "catalog");
    TableIdentifier id = identifier(view);
    Schema wanted = schema(view, joinKeys);
    if (catalog instanceof SupportsNamespaces ns && !ns.namespaceExists(id.namespace())) {
      try {
        ns.createNamespace(id.namespace());
      } catch (AlreadyExistsException ignored) {
        // another writer created it
      }
    }
    if (!catalog.tableExists(id)) {
      try {
        return catalog
            .buildTable(id, wanted)
            .withPartitionSpec(partitionSpec(wanted))
            .withProperty(TableProperties.FORMAT_VERSION, "2")
            .withProperty(VIEW_PROPERTY, view.qualifiedName() + ":" + view.version())
            .withProperties(METADATA_RETENTION)
            .create();
      } catch (AlreadyExistsException raced) {
        // fall through to evolve
      }
    }
    Table table = catalog.loadTable(id);
    evolve(table, view, wanted);
    return table;
  }

  private static void evolve(Table table, FeatureView view, Schema wanted) {
    Schema current = table.schema();
    UpdateSchema update = null;
    for (Types.NestedField col : wanted.columns()) {
      Types.NestedField existing = current.findField(col.name());
      if (existing == null) {
        if (update == null) {
          update = table.updateSchema();
        }
        update.addColumn(col.name(), col.type());
      } else if (!existing.type().equals(col.type())) {
        throw new IllegalStateException(
            "offline table "
                + table.name()
                + ": column '"
                + col.name()
                + "' is "
                + existing.type()
                + " but view "
                + view.qualifiedName()
                + ":"
                + view.version()
                + " declares "
                + col.type()
                + " (a retype is a breaking change: bump the view's major version)");
      }
    }
    if (update != null) {
      update.commit();
    }
    String tag = view.qualifiedName() + ":" + view.version();
    boolean unbounded =
        METADATA_RETENTION.keySet().stream().noneMatch(table.properties()::containsKey);
    if (!tag.equals(table.properties().get(VIEW_PROPERTY)) || unbounded) {
      org.apache.iceberg.UpdateProperties props = table.updateProperties().set(VIEW_PROPERTY, tag);
      if (unbounded) {
        METADATA_RETENTION.forEach(props::set);
      }
      props.commit();
    }
  }

  /**
   * Expires the view's snapshots older than {@code olderThan}, always keeping the newest {@code
   * retainLast}. Snapshots referenced by tags (backfills, pinned manifests) survive as long as
   * their refs do.
   *
   * @return how many snapshots were expired
   */
  public static int expireSnapshots(
      Catalog catalog, FeatureView view, java.time.Instant olderThan, int retainLast) {
    return expireSnapshots(catalog.loadTable(identifier(view)), olderThan, retainLast, false);
  }

  /**
   * {@link #expireSnapshots(Catalog, FeatureView, java.time.Instant, int)} on a loaded table; with
   * {@code dryRun}, counts what would be expired and commits nothing. A commit that races another
   * writer's (the streaming job commits every checkpoint) is retried by Iceberg on the refreshed
   * metadata ({@code commit.retry.num-retries}); files still referenced are never deleted.
   *
   * @return how many snapshots were (or would be) expired
   */
  public static int expireSnapshots(
      Table table, java.time.Instant olderThan, int retainLast, boolean dryRun) {
    if (retainLast < 1) {
      throw new IllegalArgumentException("retainLast: " + retainLast + " (expected: >= 1)");
    }
    org.apache.iceberg.ExpireSnapshots expire =
        table.expireSnapshots().expireOlderThan(olderThan.toEpochMilli()).retainLast(retainLast);
    if (dryRun) {
      return expire.apply().size();
    }
    int before = countSnapshots(table);
    expire.commit();
    table.refresh();
    return before - countSnapshots(table);
  }

  static int countSnapshots(Table table) {
    int n = 0;
    for (var ignored : table.snapshots()) {
      n++;
    }
    return n;
  }

  /** The Iceberg type for a feature type. */
  public static Type icebergType(FeatureType t) {
    return icebergType(t, null);
  }

  private static Type icebergType(FeatureType t, AtomicInteger ids) {
    Type scalar =
        switch (t.scalar()) {
          case BOOL -> Types.BooleanType.get();
          case INT32 -> Types.IntegerType.get();
          case INT64 -> Types.LongType.get();
          case FLOAT32 -> Types.FloatType.get();
          case FLOAT64 -> Types.DoubleType.get();
          case STRING -> Types.StringType.get();
          case BYTES -> Types.BinaryType.get();
          case TIMESTAMP -> Types.TimestampType.withZone();
        };
    if (!t.array()) {
      return scalar;
    }
    int elementId = ids == null ? 1_000_000 : ids.incrementAndGet() + 10_000;
    return Types.ListType.ofOptional(elementId, scalar);
  }

  /**
   * The type of the aggregation input column for an aggregated feature: the source column's type
   * when the source declares it, otherwise derived from the feature (a column produced by the
   * view's SQL).
   */
  static FeatureType inputType(FeatureView view, Feature f) {
    Aggregation a = f.aggregation();
    if (view.source() != null) {
      var declared = view.source().field(a.column()).map(SourceField::type);
      if (declared.isPresent()) {
        return declared.get();
      }
    }
    return switch (a.function()) {
      case LAST_N -> new FeatureType(f.dtype().scalar(), false);
      case COUNT_DISTINCT -> FeatureType.STRING;
      case AVG, STDDEV -> FeatureType.FLOAT64;
      default -> f.dtype();
    };
  }

  /** The window length of an aggregated feature, for readers. */
  static Duration window(Feature f) {
    return f.aggregation().window();
  }
}
