package dev.quiver.jobs;

import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.SourceField;
import dev.quiver.jobs.plan.JobPlanner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Creates a view's offline Iceberg table before the job writes to it, following the team's offline
 * layout: {@code <namespace>.<view>_v<major>}, format v2, partitioned by {@code day(event_time)},
 * columns = join keys, event_time, row features, {@code _in_<column>} aggregation inputs, {@code
 * _seq}, {@code _ingested_at}.
 */
public final class OfflineTableSetup {
  private OfflineTableSetup() {}

  public static Table ensure(Catalog catalog, FeatureView view, List<JoinKey> keys) {
    TableIdentifier id =
        TableIdentifier.of(Namespace.of(view.namespace()), JobPlanner.offlineTableName(view));
    if (catalog instanceof SupportsNamespaces ns && !ns.namespaceExists(id.namespace())) {
      try {
        ns.createNamespace(id.namespace());
      } catch (AlreadyExistsException ignored) {
        // created concurrently
      }
    }
    if (catalog.tableExists(id)) {
      return catalog.loadTable(id);
    }
    Schema schema = schema(view, keys);
    try {
      return catalog
          .buildTable(id, schema)
          .withPartitionSpec(PartitionSpec.builderFor(schema).day("event_time").build())
          .withProperty(TableProperties.FORMAT_VERSION, "2")
          .create();
    } catch (AlreadyExistsException raced) {
      return catalog.loadTable(id);
    }
  }

  static Schema schema(FeatureView view, List<JoinKey> keys) {
    AtomicInteger ids = new AtomicInteger();
    List<Types.NestedField> cols = new ArrayList<>();
    for (JoinKey k : keys) {
      cols.add(Types.NestedField.required(ids.incrementAndGet(), k.name(), type(k.type(), ids)));
    }
    cols.add(
        Types.NestedField.required(
            ids.incrementAndGet(), "event_time", Types.TimestampType.withZone()));
    for (Feature f : view.features()) {
      if (!f.isAggregation()) {
        cols.add(Types.NestedField.optional(ids.incrementAndGet(), f.name(), type(f.dtype(), ids)));
      }
    }
    Map<String, FeatureType> inputs = new LinkedHashMap<>();
    for (Feature f : view.features()) {
      if (f.isAggregation() && !"*".equals(f.aggregation().column())) {
        String c = f.aggregation().column();
        inputs.putIfAbsent(
            c, view.source().field(c).map(SourceField::type).orElse(FeatureType.STRING));
      }
    }
    inputs.forEach(
        (c, t) ->
            cols.add(
                Types.NestedField.optional(
                    ids.incrementAndGet(), JobPlanner.OFFLINE_INPUT_PREFIX + c, type(t, ids))));
    cols.add(Types.NestedField.required(ids.incrementAndGet(), "_seq", Types.LongType.get()));
    cols.add(
        Types.NestedField.required(
            ids.incrementAndGet(), "_ingested_at", Types.TimestampType.withZone()));
    return new Schema(cols);
  }

  private static Type type(FeatureType t, AtomicInteger ids) {
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
    return t.array() ? Types.ListType.ofOptional(ids.incrementAndGet() + 10_000, scalar) : scalar;
  }
}
