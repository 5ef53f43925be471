package dev.quiver.offline;

import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.JoinKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * The resolved shape of a training set: which table and snapshot each view is read at, which event
 * columns each view contributes, how views group into entity sweeps, and the output schema. Pure
 * planning, shared by the Flink and the Spark engines.
 */
public final class TrainingSetPlan {
  /** One view's table read. */
  public record ViewRead(
      FeatureSelection selection,
      int viewIndex,
      String tableName,
      Long snapshotId,
      Schema projection,
      int[] keyPositions,
      int eventTimePos,
      int seqPos,
      int ingestedPos,
      int[] valuePositions,
      ViewPlan plan) {}

  /** Views that share join keys are swept together. */
  public record Group(List<String> keyNames, List<JoinKey> joinKeys, List<ViewRead> views) {}

  private final List<Group> groups;
  private final List<ViewRead> reads;
  private final List<Types.NestedField> featureColumns;
  private final int featureSlots;

  private TrainingSetPlan(
      List<Group> groups, List<ViewRead> reads, List<Types.NestedField> featureColumns) {
    this.groups = groups;
    this.reads = reads;
    this.featureColumns = featureColumns;
    this.featureSlots = featureColumns.size();
  }

  /** Fails naming {@code features} when the view has no offline table yet. */
  static void requireTable(Catalog catalog, dev.quiver.core.spec.FeatureView view) {
    var id = OfflineTables.identifier(view);
    if (!catalog.tableExists(id)) {
      throw new IllegalArgumentException(
          "features: offline table "
              + id
              + " of view "
              + view.qualifiedName()
              + ":"
              + view.version()
              + " does not exist (expected: the view materialized or backfilled first)");
    }
  }

  /** Resolves the request against the catalog (tables must exist). */
  public static TrainingSetPlan resolve(TrainingSetRequest request, Catalog catalog) {
    Map<List<String>, List<ViewRead>> byKeys = new LinkedHashMap<>();
    Map<List<String>, List<JoinKey>> keyTypes = new LinkedHashMap<>();
    List<ViewRead> reads = new ArrayList<>();
    List<Types.NestedField> columns = new ArrayList<>();
    int slot = 0;
    int fieldId = 100_000;
    for (int vi = 0; vi < request.features().size(); vi++) {
      FeatureSelection sel = request.features().get(vi);
      var id = OfflineTables.identifier(sel.view());
      requireTable(catalog, sel.view());
      Table table = catalog.loadTable(id);
      String tableName = id.toString();
      Long snapshot = request.pinnedSnapshots().get(tableName);
      if (snapshot == null && !request.pinnedSnapshots().isEmpty()) {
        // a rebuild pins every table it reads; never the newest data in place of a pinned one
        throw new IllegalArgumentException(
            "manifest: no snapshot pinned for "
                + tableName
                + " (pinned: "
                + request.pinnedSnapshots().keySet()
                + ")");
      }
      if (snapshot == null && table.currentSnapshot() != null) {
        snapshot = table.currentSnapshot().snapshotId();
      }
      if (snapshot != null && snapshot >= 0 && table.snapshot(snapshot) == null) {
        throw new IllegalArgumentException(
            "snapshot "
                + snapshot
                + " of "
                + tableName
                + " no longer exists (expired?); the manifest cannot be rebuilt");
      }
      List<String> cols = new ArrayList<>(sel.keyNames());
      cols.add(OfflineTables.EVENT_TIME);
      List<Integer> rowIdx = new ArrayList<>();
      List<ViewPlan.AggPlan> aggs = new ArrayList<>();
      List<String> valueCols = new ArrayList<>();
      for (String fname : sel.features()) {
        Feature f = sel.view().feature(fname).orElseThrow();
        if (!f.isAggregation()) {
          rowIdx.add(indexOf(valueCols, f.name()));
        }
      }
      for (String fname : sel.features()) {
        Feature f = sel.view().feature(fname).orElseThrow();
        if (f.isAggregation()) {
          var a = f.aggregation();
          int in =
              "*".equals(a.column())
                  ? -1
                  : indexOf(valueCols, OfflineTables.inputColumn(a.column()));
          aggs.add(
              new ViewPlan.AggPlan(
                  a.function(),
                  a.column(),
                  a.window().toMillis(),
                  a.n(),
                  in,
                  f.dtype().scalar(),
                  f.dtype().array()));
        }
      }
      cols.addAll(valueCols);
      cols.add(OfflineTables.SEQ);
      cols.add(OfflineTables.INGESTED_AT);
      Schema projection = table.schema().select(cols);
      List<String> projected = projection.columns().stream().map(Types.NestedField::name).toList();
      int[] keyPos = sel.keyNames().stream().mapToInt(projected::indexOf).toArray();
      int[] valuePos = valueCols.stream().mapToInt(projected::indexOf).toArray();
      ViewPlan plan =
          new ViewPlan(
              vi,
              sel.view().qualifiedName() + ":" + sel.view().version(),
              rowIdx.stream().mapToInt(Integer::intValue).toArray(),
              aggs,
              slot,
              sel.view().ttl().toMillis(),
              sel.view().tileSize().toMillis(),
              sel.view().availabilityDelay().toMillis());
      // output columns: row features first, then aggregations (the plan's slot order)
      for (boolean wantAgg : new boolean[] {false, true}) {
        for (String fname : sel.features()) {
          Feature f = sel.view().feature(fname).orElseThrow();
          if (f.isAggregation() == wantAgg) {
            columns.add(
                Types.NestedField.optional(
                    ++fieldId, sel.column(fname), outputType(f.dtype(), ++fieldId)));
            slot++;
          }
        }
      }
      ViewRead read =
          new ViewRead(
              sel,
              vi,
              tableName,
              snapshot,
              projection,
              keyPos,
              projected.indexOf(OfflineTables.EVENT_TIME),
              projected.indexOf(OfflineTables.SEQ),
              projected.indexOf(OfflineTables.INGESTED_AT),
              valuePos,
              plan);
      reads.add(read);
      byKeys.computeIfAbsent(sel.keyNames(), k -> new ArrayList<>()).add(read);
      keyTypes.putIfAbsent(sel.keyNames(), sel.joinKeys());
    }
    List<Group> groups = new ArrayList<>();
    byKeys.forEach((k, v) -> groups.add(new Group(k, keyTypes.get(k), v)));
    return new TrainingSetPlan(groups, reads, columns);
  }

  private static int indexOf(List<String> cols, String name) {
    int i = cols.indexOf(name);
    if (i < 0) {
      cols.add(name);
      i = cols.size() - 1;
    }
    return i;
  }

  private static Type outputType(FeatureType t, int elementId) {
    Type base = OfflineTables.icebergType(new FeatureType(t.scalar(), false));
    return t.array() ? Types.ListType.ofOptional(elementId, base) : base;
  }

  public List<Group> groups() {
    return groups;
  }

  public List<ViewRead> reads() {
    return reads;
  }

  public List<Types.NestedField> featureColumns() {
    return featureColumns;
  }

  public int featureSlots() {
    return featureSlots;
  }

  /** The sweep of one group. */
  public PointInTimeSweep sweep(Group g, boolean guard) {
    return new PointInTimeSweep(g.views().stream().map(ViewRead::plan).toList(), guard);
  }

  /** Output schema: the label columns, then the feature columns. */
  public Schema outputSchema(List<Types.NestedField> labelColumns) {
    List<Types.NestedField> all = new ArrayList<>();
    int id = 0;
    for (Types.NestedField f : labelColumns) {
      all.add(Types.NestedField.optional(++id, f.name(), f.type()));
    }
    all.addAll(featureColumns);
    return new Schema(all);
  }
}
