package dev.quiver.offline;

import java.io.Serializable;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Type.TypeID;
import org.apache.iceberg.types.Types;

/**
 * Where a label row's parts sit in the label table's columns, for the columnar label read ({@link
 * LabelPages}): the time column, the first entity group's join keys and the number of feature slots
 * every label row carries ({@link FlinkFunctions.LabelMapper}'s inputs).
 */
record LabelLayout(Schema projection, int timePos, int[] keyPositions, int featureSlots)
    implements Serializable {
  private static final Set<TypeID> KEYS = Set.of(TypeID.STRING, TypeID.LONG, TypeID.INTEGER);
  private static final Set<TypeID> TIMES = Set.of(TypeID.TIMESTAMP, TypeID.LONG, TypeID.INTEGER);

  /**
   * The layout when every column is a scalar that {@link ParquetPages} decodes ({@link
   * EventBytes#supports}' value types), the join keys are strings or integers and the time a
   * timestamp or an integer; null otherwise (the labels are read row by row).
   */
  static LabelLayout of(Schema labels, int timePos, int[] keyPositions, int featureSlots) {
    List<Types.NestedField> cols = labels.columns();
    for (Types.NestedField f : cols) {
      if (!EventBytes.VALUES.contains(f.type().typeId())) {
        return null;
      }
    }
    if (!TIMES.contains(cols.get(timePos).type().typeId())) {
      return null;
    }
    for (int k : keyPositions) {
      if (!KEYS.contains(cols.get(k).type().typeId())) {
        return null;
      }
    }
    return new LabelLayout(labels, timePos, keyPositions.clone(), featureSlots);
  }
}
